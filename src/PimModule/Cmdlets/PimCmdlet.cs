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
    protected PimStore Store => _store ??= Opened(PimSession.GetOrOpen());

    /// <summary>
    /// A store this command opened or connected to: when opening it created it as a principal with no mail address (the
    /// operating-system user), the warning that its first administrator gets no mail, and what to do (once per store).
    /// </summary>
    protected PimStore Opened(PimStore store)
    {
        if (store.TakeCreationWarning() is { } warning) WriteWarning(warning);
        TellNotices(store);
        return store;
    }

    /// <summary>What verifying the store found and did not stop for (a snapshot refused or disagreeing with the log): non-terminating errors.</summary>
    private void TellNotices(PimStore? store)
    {
        if (store is null) return;
        foreach (var notice in store.TakeNotices()) WriteError(ToErrorRecord(notice));
    }

    private HashSet<string>? _fromCommandLine;

    protected override void BeginProcessing()
    {
        _fromCommandLine = new HashSet<string>(MyInvocation.BoundParameters.Keys, StringComparer.OrdinalIgnoreCase);
        _begun = Guard(BeginPim);
    }

    /// <summary>False when BeginPim was refused (no store, say): that refusal is the command's one error; no object is processed.</summary>
    private bool _begun;

    protected override void ProcessRecord()
    {
        if (!_begun) return;
        try
        {
            Guard(ProcessPim);
        }
        finally
        {
            if (MyInvocation.ExpectingInput) ResetPipelineParameters();
        }
    }

    protected override void EndProcessing()
    {
        if (!_begun) return;
        Guard(EndPim);
        // What this command wrote to a Verified store is what the user has seen of it: pinned once per command, not per object.
        Guard(() => _store?.SaveTrust());
        Guard(() => TellNotices(_store));
    }

    /// <summary>A cmdlet type's pipeline-bound parameters, each with the value it is reset to (its type's default).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, (System.Reflection.PropertyInfo Property, object? Default)[]> PipelineProperties = new();

    /// <summary>This command's pipeline-bound parameters less those given on its command line: what is reset after each object.</summary>
    private (System.Reflection.PropertyInfo Property, object? Default)[]? _resettable;

    /// <summary>
    /// PowerShell keeps a pipeline-bound parameter's value for the next input object when that object cannot bind it
    /// (an empty CSV cell, a missing column). Each object must stand alone: reset what the pipeline bound. Runs after
    /// every row of a bulk import: what to reset and to what is worked out once per command.
    /// </summary>
    private void ResetPipelineParameters()
    {
        _resettable ??= PipelineProperties.GetOrAdd(GetType(), t => t.GetProperties()
                .Where(p => p.CanWrite && p.GetCustomAttributes(typeof(ParameterAttribute), true).Cast<ParameterAttribute>()
                    .Any(a => a.ValueFromPipeline || a.ValueFromPipelineByPropertyName))
                .Select(p => (p, p.PropertyType.IsValueType && Nullable.GetUnderlyingType(p.PropertyType) is null ? Activator.CreateInstance(p.PropertyType) : null))
                .ToArray())
            .Where(p => _fromCommandLine?.Contains(p.Property.Name) != true).ToArray();
        var bound = MyInvocation.BoundParameters;
        foreach (var (property, value) in _resettable)
        {
            property.SetValue(this, value);
            bound.Remove(property.Name);
        }
    }

    /// <summary>
    /// A -Scope as the engine takes it: null only when the parameter was not given at all (the whole directory, '/').
    /// A scope that was given as null — a piped object's Scope (or DirectoryScopeId) property that is present and null:
    /// JSON's null, Select-Object of a column the object lacks — is refused as an empty scope is (PimScopeInvalid),
    /// never widened to '/'.
    /// </summary>
    protected string? GivenScope(string? scope, string parameter = "Scope")
    {
        // Bound at all yet null: JSON's null, an empty list or [null] (PowerShell turns those into a null string), or nothing.
        if (scope is not null || !MyInvocation.BoundParameters.ContainsKey(parameter)) return scope;
        throw PimErrors.ScopeInvalid($"-{parameter} was given as null (a piped object's {parameter} property that is present and null, such as JSON's null, " +
            "an empty list or [null], or a column Select-Object added without a value). A null scope is not taken as the whole directory: only a scope left out is '/'.", null,
            "Give '/' for the whole directory, or a path such as '/administrativeUnits/<id>'; or leave the property (or CSV column) out.");
    }

    protected virtual void BeginPim() { }
    protected virtual void ProcessPim() { }
    protected virtual void EndPim() { }

    private bool Guard(Action action)
    {
        try
        {
            action();
            return true;
        }
        catch (PimException e)
        {
            Refuse(e);
            return false;
        }
    }

    /// <summary>
    /// A refusal: non-terminating when the cmdlet is working through pipeline input (the other items go on),
    /// terminating for a single call, so a script stops at the refused command.
    /// </summary>
    protected void Refuse(PimException e)
    {
        var record = ToErrorRecord(e);
        if (MyInvocation.ExpectingInput && e is not PimStoreException) WriteError(record); // a failing store stops the pipeline
        else ThrowTerminatingError(record);
    }

    /// <summary>
    /// True when ShouldProcess may print (-WhatIf) or ask (-Confirm, or $ConfirmPreference at or below the cmdlet's impact):
    /// the bulk paths then check each object on a read before asking, and otherwise skip that extra read.
    /// </summary>
    protected bool WillAskOrPreview(ConfirmImpact impact)
    {
        bool Bound(string name) => MyInvocation.BoundParameters.TryGetValue(name, out var v) && v is SwitchParameter { IsPresent: true };
        if (MyInvocation.BoundParameters.ContainsKey("WhatIf")) return Bound("WhatIf");
        if (MyInvocation.BoundParameters.ContainsKey("Confirm")) return Bound("Confirm");
        if (GetVariableValue("WhatIfPreference") is { } w && LanguagePrimitives.IsTrue(w)) return true;
        return GetVariableValue("ConfirmPreference") is { } c
               && LanguagePrimitives.TryConvertTo<ConfirmImpact>(c, out var pref) && pref != ConfirmImpact.None && pref <= impact;
    }

    /// <summary>Asks about a change the engine describes (-WhatIf prints it, -Confirm asks): the engine's confirm callback.</summary>
    protected bool ShouldProcess(PimChange change) => ShouldProcess(change.Target, change.Action);

    /// <summary>
    /// A file path a user gave (-Path, -Reference, …) as the file system sees it; a control character in it (a NUL makes
    /// .NET throw) is refused by name (<c>PimInputInvalid</c>), as in every other string parameter.
    /// </summary>
    protected string ResolveFilePath(string path, string parameter = "Path")
    {
        var at = path.AsSpan().IndexOfAnyInRange('\0', '\u001F') is var c0 and >= 0 ? c0 : path.IndexOf('\u007F');
        if (at >= 0)
            throw PimErrors.InputInvalid($"-{parameter} has {Validation.Input.Describe(path, at)}; a file path has no control characters.",
                Validation.Input.Preview(path), $"Give a -{parameter} without control characters.");
        try
        {
            return SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or ProviderNotFoundException or System.Management.Automation.DriveNotFoundException or PSInvalidOperationException)
        {
            throw PimErrors.InputInvalid($"-{parameter} '{Validation.Input.Preview(path)}' is not a file system path: {e.Message}", Validation.Input.Preview(path),
                $"Give a -{parameter} on the file system.", e);
        }
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
