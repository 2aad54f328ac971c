using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>
/// Applies a desired-state file: PolicyTemplates, Policies and Assignments. The whole file is validated first, every
/// problem listed at once; the plan is objects (Action, Target, Before, After); -Confirm asks once; the apply is one
/// transaction. Running an applied file again plans nothing.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "PimConfiguration", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(PimConfigurationChange))]
public sealed class InvokePimConfigurationCommand : PimCmdlet
{
    /// <summary>The desired-state JSON file.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Delta (the default): only adds and changes. Initial: also removes what the file does not declare.</summary>
    [Parameter]
    public PimConfigurationMode Mode { get; set; } = PimConfigurationMode.Delta;

    /// <summary>Principals whose assignments -Mode Initial never removes (break-glass accounts).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(PrincipalCompleter))]
    public string[] ProtectedPrincipal { get; set; } = [];

    protected override void ProcessPim()
    {
        var path = ResolveFilePath(Path);
        var json = InputFile.ReadText(path, 16, "Give the -Path of a desired-state JSON file (at most 16 MB; split a larger one).", PimErrors.SettingFileNotFound);
        var doc = ConfigurationService.Parse(json, Path);
        var protectedPrincipals = ProtectedPrincipal.Where(p => !string.IsNullOrWhiteSpace(p)).ToList();
        var plan = Store.Configuration.Preview(doc, Mode, protectedPrincipals);
        if (plan.Count == 0)
        {
            WriteVerbose($"'{Path}' is in place: nothing to change.");
            return;
        }
        var whatIf = MyInvocation.BoundParameters.TryGetValue("WhatIf", out var w) ? ((SwitchParameter)w).IsPresent : GetVariableValue("WhatIfPreference") is { } p && LanguagePrimitives.IsTrue(p);
        if (whatIf)
        {
            foreach (var c in plan) ShouldProcess(c.Target, $"{c.Action}: '{c.Before}' -> '{c.After}'");
            WriteObject(plan, enumerateCollection: true);
            return;
        }
        var applied = Store.Configuration.Apply(doc, Mode, protectedPrincipals, ShouldProcess);
        if (applied is not null) WriteObject(applied, enumerateCollection: true);
    }
}
