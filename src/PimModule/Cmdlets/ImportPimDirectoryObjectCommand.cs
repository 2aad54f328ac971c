using System.Collections.ObjectModel;
using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>
/// Imports the tenant's users (object id, user principal name, display name) from a CSV of Get-MgUser | Export-Csv, a
/// Graph /users response, or the pipeline (Get-MgUser | Import-PimDirectoryObject): administrators only, audited, all
/// or nothing. Object ids in Graph JSON then map to UPNs on the way in and back on the way out.
/// </summary>
[Cmdlet(VerbsData.Import, "PimDirectoryObject", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "Path")]
[OutputType(typeof(PimDirectoryObject))]
public sealed class ImportPimDirectoryObjectCommand : PimCmdlet
{
    private readonly List<DirectoryService.Input> _inputs = [];
    private readonly List<string> _sources = [];

    /// <summary>CSV (Get-MgUser | Export-Csv) or JSON (a Graph /users response) files.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Path")]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>The user's object id (from the pipeline: Get-MgUser).</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Object", ValueFromPipelineByPropertyName = true)]
    [Alias("ObjectId")]
    [AllowNull, AllowEmptyString]
    public string? Id { get; set; }

    /// <summary>The user's UPN.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Object", ValueFromPipelineByPropertyName = true)]
    [AllowNull, AllowEmptyString]
    public string? UserPrincipalName { get; set; }

    /// <summary>The user's display name.</summary>
    [Parameter(ParameterSetName = "Object", ValueFromPipelineByPropertyName = true)]
    [AllowNull, AllowEmptyString]
    public string? DisplayName { get; set; }

    /// <summary>Writes the objects imported (new or changed).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private long _row;

    protected override void ProcessPim()
    {
        if (ParameterSetName == "Object")
        {
            _inputs.Add(new DirectoryService.Input(Id, UserPrincipalName, DisplayName, null, $"pipeline object {++_row}"));
            if (_sources.Count == 0) _sources.Add("the pipeline");
            return;
        }
        foreach (var p in Path)
        {
            var path = ResolveFilePath(p);
            _sources.Add(p);
            const string hint = "Give a CSV of Get-MgUser | Export-Csv or a Graph /users response (split an export larger than 256 MB).";
            if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) _inputs.AddRange(DirectoryService.ParseJson(InputFile.ReadText(path, 256, hint, PimErrors.SettingFileNotFound), p));
            else ReadCsv(path, p, hint);
        }
    }

    /// <summary>
    /// The CSV as Import-Csv reads it (the platform's parser, ConvertFrom-Csv, over the file's text read up to its limit):
    /// the Id, UserPrincipalName and DisplayName columns.
    /// </summary>
    private void ReadCsv(string path, string source, string hint)
    {
        var text = InputFile.ReadText(path, 256, hint, PimErrors.SettingFileNotFound);
        using var ps = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
        ps.AddCommand("Microsoft.PowerShell.Utility\\ConvertFrom-Csv").AddParameter("InputObject", text);
        var row = 0;
        Collection<PSObject> rows;
        try
        {
            rows = ps.Invoke();
        }
        catch (RuntimeException e)
        {
            throw PimErrors.InputInvalid($"'{source}' is not a CSV Import-Csv reads: {e.Message}", source, "Give a CSV of Get-MgUser | Export-Csv (one header row, each column named once).", e);
        }
        if (ps.HadErrors && ps.Streams.Error.Count > 0)
            throw PimErrors.InputInvalid($"'{source}' is not a CSV Import-Csv reads: {ps.Streams.Error[0]}", source, "Give a CSV of Get-MgUser | Export-Csv (one header row, each column named once).");
        foreach (var o in rows)
        {
            row++;
            string? Col(string name) => o.Properties.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))?.Value?.ToString();
            _inputs.Add(new DirectoryService.Input(Col("Id"), Col("UserPrincipalName"), Col("DisplayName"), Col("@odata.type"), $"row {row} of '{source}'"));
        }
    }

    protected override void EndPim()
    {
        if (_inputs.Count == 0) return;
        var objects = _inputs.Select(DirectoryService.Validate).ToList();
        var imported = Store.Directory.Import(objects, string.Join(", ", _sources), ShouldProcess);
        if (PassThru && imported is not null) WriteObject(imported, enumerateCollection: true);
    }
}
