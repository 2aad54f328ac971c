namespace PimModule.Reports;

/// <summary>A file an export writes: created owner-only (0600), refused by name when it exists and -Force is not given.</summary>
internal static class ExportFile
{
    public static FileStream Create(string path, bool force)
    {
        var options = new FileStreamOptions { Mode = force ? FileMode.Create : FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            return new FileStream(path, options);
        }
        catch (IOException e) when (File.Exists(path) && !force)
        {
            throw PimErrors.FileExists($"The file '{path}' exists; nothing was written.", path, "Give another -Path, or -Force to replace it.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw PimErrors.FileNotWritable($"The file '{path}' cannot be written: {e.Message}", path, "Give a -Path in a folder you can write to.", e);
        }
    }
}
