using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>
/// Compares role settings by type: each side is settings objects, role names (or ids, or role objects), or files in
/// either format (PimModule's, or Graph's). One object per setting that differs: Role, Setting, Reference, Difference.
/// </summary>
[Cmdlet(VerbsData.Compare, "PimRoleSetting")]
[OutputType(typeof(PimRoleSettingDifference))]
public sealed class ComparePimRoleSettingCommand : PimCmdlet
{
    /// <summary>The reference: settings objects, role names or ids, or the paths of settings files.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public object[] Reference { get; set; } = [];

    /// <summary>What is compared with the reference: as -Reference; also from the pipeline.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true)]
    [ValidateNotNull]
    public object[] Difference { get; set; } = [];

    private readonly List<object> _difference = [];

    protected override void ProcessPim() => _difference.AddRange(Difference);

    protected override void EndPim()
    {
        var a = Side(Reference, nameof(Reference));
        var b = Side(_difference, nameof(Difference));
        WriteObject(SettingsComparison.Compare(a, b), enumerateCollection: true);
    }

    private SettingsComparison.Side Side(IEnumerable<object> values, string parameter)
    {
        var settings = new List<PimRoleSetting>();
        var roles = new List<PimRoleReference>();
        var files = new List<(string, string)>();
        var rows = new List<IReadOnlyDictionary<string, string?>>();
        foreach (var raw in values)
        {
            var v = raw is PSObject pso ? pso.BaseObject : raw;
            switch (v)
            {
                case PimRoleSetting s: settings.Add(s); break;
                case PimRole r: roles.Add(new PimRoleReference(r)); break;
                case Guid g: roles.Add(new PimRoleReference(g)); break;
                case FileInfo f: files.Add((ReadFile(f.FullName), f.FullName)); break;
                case string text:
                    var path = ResolveFilePath(text, parameter);
                    if (File.Exists(path)) files.Add((ReadFile(path), text));
                    else if (text.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
                        throw PimErrors.SettingFileNotFound($"Cannot read '{path}': there is no such file.", path, $"Give -{parameter} as an existing settings file, a role name or settings objects.");
                    else roles.Add(new PimRoleReference(text));
                    break;
                case PSCustomObject when raw is PSObject row && row.Properties["Role"] is not null:
                    // A row of Import-Csv (Get-PimRoleSetting | Export-Csv): every value is text, read by its setting's type.
                    rows.Add(row.Properties.ToDictionary(p => p.Name, p => p.Value?.ToString(), StringComparer.OrdinalIgnoreCase));
                    break;
                default:
                    throw PimErrors.InputInvalid($"-{parameter} has a {v?.GetType().Name ?? "null"}; give settings objects (Get-PimRoleSetting), role names or ids, or settings files.",
                        v?.ToString(), $"Give -{parameter} as Get-PimRoleSetting's output, a role name, or a file of Export-PimRoleSetting.");
            }
        }
        var side = Store.Comparison.FromSettings(settings);
        if (roles.Count > 0) side.Add(Store.Comparison.FromStore(roles));
        if (files.Count > 0) side.Add(Store.Comparison.FromFiles(files));
        if (rows.Count > 0) side.Add(Store.Comparison.FromRows(rows));
        return side;
    }

    private static string ReadFile(string path)
    {
        return InputFile.ReadText(path, 16, "Give a file of Export-PimRoleSetting (a settings file is far smaller than 16 MB).", PimErrors.SettingFileNotReadable);
    }
}
