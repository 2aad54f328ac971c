using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Applies role settings from a file written by Export-PimRoleSetting: every role is validated first; all or nothing.</summary>
[Cmdlet(VerbsData.Import, "PimRoleSetting", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PimRoleSetting))]
public sealed class ImportPimRoleSettingCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessPim()
    {
        var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        string json;
        try
        {
            json = ReadBounded(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw e is FileNotFoundException or DirectoryNotFoundException
                ? PimErrors.SettingFileNotFound($"Cannot read '{path}': {e.Message}", path, "Give the -Path of a file written by Export-PimRoleSetting.", e)
                : PimErrors.SettingFileNotReadable($"Cannot read '{path}': {e.Message}", path, "Give the -Path of a file written by Export-PimRoleSetting.", e);
        }
        var result = Store.Settings.Import(json, path, ShouldProcess);
        if (PassThru && result is not null) WriteObject(result, enumerateCollection: true);
    }

    /// <summary>An export of every role's settings is a few hundred kilobytes: a larger file (or a device) is refused unread.</summary>
    private const int MaxFileChars = 16 * 1024 * 1024;

    private static string ReadBounded(string path)
    {
        using var reader = new StreamReader(path, detectEncodingFromByteOrderMarks: true);
        var buffer = new char[MaxFileChars + 1];
        int total = 0, read;
        while (total < buffer.Length && (read = reader.Read(buffer, total, buffer.Length - total)) > 0) total += read;
        if (total > MaxFileChars)
            throw PimErrors.InputTooLong($"'{path}' holds more than {MaxFileChars / (1024 * 1024)} MB of text; a file written by Export-PimRoleSetting is far smaller.",
                path, "Give the -Path of a file written by Export-PimRoleSetting.");
        return new string(buffer, 0, total);
    }
}
