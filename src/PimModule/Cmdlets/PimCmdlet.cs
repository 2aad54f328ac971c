using System.Management.Automation;
using PimModule.Hosting;

namespace PimModule.Cmdlets;

/// <summary>
/// What every PimModule cmdlet shares: the session's store (opened on first use), and the one error path
/// that turns an engine refusal into an ErrorRecord with a stable id, category, target and recommended action.
/// </summary>
public abstract class PimCmdlet : PSCmdlet
{
    private PimStore? _store;

    /// <summary>The session's store, opened (created, migrated) on first use.</summary>
    protected PimStore Store => _store ??= PimSession.GetOrOpen();

    protected override void BeginProcessing() => Guard(BeginPim);
    protected override void ProcessRecord() => Guard(ProcessPim);
    protected override void EndProcessing() => Guard(EndPim);

    protected virtual void BeginPim() { }
    protected virtual void ProcessPim() { }
    protected virtual void EndPim() { }

    private void Guard(Action action)
    {
        try
        {
            action();
        }
        catch (PimException e)
        {
            Refuse(e);
        }
    }

    /// <summary>
    /// A refusal: non-terminating when the cmdlet is working through pipeline input (the other items go on),
    /// terminating for a single call, so a script stops at the refused command.
    /// </summary>
    protected void Refuse(PimException e)
    {
        var record = ToErrorRecord(e);
        if (MyInvocation.ExpectingInput) WriteError(record);
        else ThrowTerminatingError(record);
    }

    /// <summary>A lookup that found nothing: always non-terminating, as Get-Item does.</summary>
    protected void WriteNotFound(PimException e) => WriteError(ToErrorRecord(e));

    internal static ErrorRecord ToErrorRecord(PimException e)
    {
        var category = Enum.TryParse<ErrorCategory>(e.Category.ToString(), out var c) ? c : ErrorCategory.NotSpecified;
        var record = new ErrorRecord(e, e.ErrorId, category, e.Target);
        if (e.RecommendedAction is not null)
            record.ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = e.RecommendedAction };
        return record;
    }
}
