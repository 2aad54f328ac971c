using System.Text;
using PimModule.Errors;

namespace PimModule.Files;

/// <summary>
/// A file the module writes: an export (a report, the audit log, role settings, Graph requests), a private key, the
/// known-stores file. It is written into a new owner-only
/// (0600) file of a random name beside <c>path</c> and then renamed onto it: a symbolic link someone planted at
/// <c>path</c> is replaced, never followed; a file it replaces does not hand on its wider mode; a write that fails leaves
/// what was there. Refused by name when <c>path</c> exists and replacing was not asked for, and when it is not a regular
/// file (<see cref="FileTarget"/>: a folder, a device such as <c>/dev/null</c>, a pipe), even with replacing asked for.
/// </summary>
public static class OwnerOnlyFile
{
    public static void WriteText(string path, bool replace, string text, PimRefusal? notWritable = null)
        => Write(path, replace, stream => stream.Write(new UTF8Encoding(false).GetBytes(text)), notWritable);

    public static T Write<T>(string path, bool replace, Func<Stream, T> write, PimRefusal? notWritable = null)
    {
        T result = default!;
        Write(path, replace, stream => { result = write(stream); }, notWritable);
        return result;
    }

    public static void Write(string path, bool replace, Action<Stream> write, PimRefusal? notWritable = null)
    {
        notWritable ??= PimErrors.FileNotWritable;
        path = Path.GetFullPath(path);
        // A folder, a device, a pipe or a socket at the path is refused before anything is made beside it (a link there is
        // a name to replace, never followed).
        FileTarget.Check(path, opensThroughLinks: false);
        if (!replace && Exists(path)) throw Exists(path, null);
        var folder = Path.GetDirectoryName(path) ?? ".";
        var temp = Path.Combine(folder, $".{Path.GetFileName(path)}.{Path.GetRandomFileName()}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        FileStream stream;
        try
        {
            stream = new FileStream(temp, options);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The message names the folder, not the temporary file.
            var why = e switch
            {
                DirectoryNotFoundException => $"the folder '{folder}' does not exist",
                UnauthorizedAccessException => $"the folder '{folder}' cannot be written to",
                _ => e.Message.Replace(temp, folder, StringComparison.Ordinal),
            };
            throw notWritable($"The file '{path}' cannot be written: {why}.", path, "Give a -Path in a folder that exists and that you can write to.", e);
        }
        try
        {
            using (stream)
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            try
            {
                // rename(2) with replace (a link at path is itself replaced); without, link(2) refuses any name that is there.
                File.Move(temp, path, overwrite: replace);
            }
            catch (IOException e) when (!replace && Exists(path))
            {
                throw Exists(path, e);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw notWritable($"The file '{path}' cannot be written: {e.Message}", path, "Give a -Path you can write to (not a folder).", e);
            }
        }
        finally
        {
            try { File.Delete(temp); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    // File.Exists is true for a symbolic link too, even a dangling one (lstat).
    private static bool Exists(string path) => File.Exists(path) || Directory.Exists(path);

    private static PimException Exists(string path, Exception? inner)
        => PimErrors.FileExists($"The file '{path}' exists; nothing was written.", path, "Give another -Path, or -Force to replace it.", inner);
}
