using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>
/// Writes one self-contained HTML report of the store (activations, time to approval, assignments, privileged permanence,
/// open alerts, requesters, the audit chain) that opens offline in any browser.
/// </summary>
[Cmdlet(VerbsData.Export, "PimReport", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportPimReportCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>The period's start (30 days before -Until by default).</summary>
    [Parameter]
    [DateTimeTransformation]
    public DateTime? Since { get; set; }

    /// <summary>The period's end (now by default).</summary>
    [Parameter]
    [DateTimeTransformation]
    public DateTime? Until { get; set; }

    /// <summary>Verifies the whole audit log (as Test-PimAuditLog does) and shows the result.</summary>
    [Parameter]
    public SwitchParameter VerifyAuditLog { get; set; }

    /// <summary>Replaces a file that exists.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessPim()
    {
        var path = ResolveFilePath(Path);
        if (!ShouldProcess(path, "Export the PIM report")) return;
        const string Activity = "Exporting the PIM report";
        try
        {
            Store.Reports.Export(path, Since, Until, VerifyAuditLog, Force,
                (what, percent) => WriteProgress(new ProgressRecord(17, Activity, what) { PercentComplete = percent }));
        }
        finally
        {
            WriteProgress(new ProgressRecord(17, Activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
        WriteVerbose($"Wrote the report to '{path}'.");
        if (PassThru) WriteObject(new FileInfo(path));
    }
}
