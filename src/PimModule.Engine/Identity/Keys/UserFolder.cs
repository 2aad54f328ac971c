using PimModule.Errors;

namespace PimModule.Identity.Keys;

/// <summary>
/// The user's own PimModule folder (the platform's per-user data folder: $XDG_DATA_HOME or ~/.local/share on Linux,
/// ~/Library/Application Support on macOS, %LOCALAPPDATA% on Windows) and owner-only files in it: the folder 0700, every
/// file 0600 from the moment it exists (on Windows the profile's ACL protects them). Files are replaced atomically: a
/// new file beside the old one, then renamed over it, so a reader sees the old or the new file, never half of one.
/// </summary>
internal static class UserFolder
{
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The PimModule folder, or a sub-folder of it; created owner-only.</summary>
    public static string Path(params string[] parts)
    {
        var root = System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData,
            Environment.SpecialFolderOption.Create), "PimModule");
        var folder = parts.Aggregate(root, System.IO.Path.Combine);
        EnsureFolder(root);
        EnsureFolder(folder);
        return folder;
    }

    public static void EnsureFolder(string folder)
    {
        if (OperatingSystem.IsWindows()) { Directory.CreateDirectory(folder); return; }
        Directory.CreateDirectory(folder, OwnerOnlyFolder);
        if ((File.GetUnixFileMode(folder) & ~OwnerOnlyFolder) != 0) File.SetUnixFileMode(folder, OwnerOnlyFolder);
    }

    /// <summary>
    /// Writes <paramref name="text"/> to <paramref name="path"/> atomically, owner-only (<see cref="Files.OwnerOnlyFile"/>);
    /// <c>PimFileExists</c> if it exists and <paramref name="overwrite"/> is false. The module's own folder is made and kept
    /// 0700; a folder the user named (<paramref name="ownFolder"/> false, e.g. <c>New-PimCredential -Path /tmp/k.pem</c>) is
    /// made 0700 (each missing level) when it is not there, and otherwise left as it is. A path that is not a regular file
    /// nor a new one is refused first (<see cref="Files.FileTarget"/>).
    /// </summary>
    public static void WriteAtomically(string path, string text, bool overwrite, bool ownFolder = true)
    {
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        Files.FileTarget.Check(path, opensThroughLinks: false); // before any folder is made for it
        if (ownFolder) EnsureFolder(folder);
        else if (!Directory.Exists(folder)) Files.FileTarget.MakeFolder(folder, PimErrors.FileNotWritable);
        Files.OwnerOnlyFile.WriteText(path, overwrite, text);
    }

    /// <summary>Runs <paramref name="action"/> holding an exclusive lock file beside <paramref name="path"/> (other processes wait).</summary>
    public static T Locked<T>(string path, Func<T> action)
    {
        var lockPath = path + ".lock";
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
                if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnlyFileMode;
                using var held = new FileStream(lockPath, options); // FileShare.None: an exclusive flock on Unix
                return action();
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(Random.Shared.Next(5, 25));
            }
        }
    }
}
