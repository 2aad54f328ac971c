using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using PimModule.Hosting;

namespace PimModule;

/// <summary>Completes role names (quoted when they hold spaces) for every -Role parameter.</summary>
public sealed class RoleNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        IReadOnlyList<PimRole> roles;
        try
        {
            roles = PimSession.GetOrOpen().Roles.List();
        }
        catch (PimException)
        {
            return [];
        }
        return Completion.Matching(roles.Select(r => (r.Name, r.Description)), wordToComplete);
    }
}

/// <summary>Completes the principals the store knows (holders of assignments, requesters).</summary>
public sealed class PrincipalCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        IReadOnlyList<string> principals;
        try
        {
            principals = PimSession.GetOrOpen().KnownPrincipals();
        }
        catch (PimException)
        {
            return [];
        }
        return Completion.Matching(principals.Select(p => (p, p)), wordToComplete);
    }
}

/// <summary>Completes the scopes assignments use.</summary>
public sealed class ScopeCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            return Completion.Matching(PimSession.GetOrOpen().KnownScopes().Select(s => (s, s)), wordToComplete);
        }
        catch (PimException)
        {
            return [];
        }
    }
}

/// <summary>Completes the ids of pending requests the acting principal made or may decide.</summary>
public sealed class RequestIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var store = PimSession.GetOrOpen();
            var pending = store.Requests.Query(new PimRequestQuery { Status = [PimRequestStatus.PendingApproval] })
                .Where(r => global::PimModule.Identity.Principal.Same(r.Principal, store.Principal))
                .Concat(store.Requests.Query(new PimRequestQuery { PendingMyApproval = true }))
                .DistinctBy(r => r.RequestId)
                .Select(r => (r.RequestId.ToString(), $"{r.Action} {r.Role} for {r.Principal} ({r.CreatedDateTime:u})"));
            return Completion.Matching(pending, wordToComplete);
        }
        catch (PimException)
        {
            return [];
        }
    }
}

/// <summary>Completes the audit log's action names.</summary>
public sealed class AuditActionCompleter : IArgumentCompleter
{
    private static readonly string[] Actions =
        ["CreateStore", "AddRole", "RemoveRole", "UpdateRoleSetting", "RegisterMfaMethod", "MfaFailed", .. Enum.GetNames<PimRequestAction>()];

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
        => Completion.Matching(Actions.Select(a => (a, a)), wordToComplete);
}

internal static class Completion
{
    public static IEnumerable<CompletionResult> Matching(IEnumerable<(string Text, string Tooltip)> items, string wordToComplete)
    {
        var word = (wordToComplete ?? "").Trim('\'', '"');
        var pattern = WildcardPattern.Get(WildcardPattern.Escape(word) + "*", WildcardOptions.IgnoreCase);
        foreach (var (text, tooltip) in items)
        {
            if (!pattern.IsMatch(text)) continue;
            var quoted = text.IndexOfAny([' ', '\'', '"', '$', '`', '(', ')', '{', '}', ';', ',', '&', '#', '[', ']', '|', '<', '>']) >= 0 || text.StartsWith('@')
                ? "'" + text.Replace("'", "''") + "'"
                : text;
            yield return new CompletionResult(quoted, text, CompletionResultType.ParameterValue,
                string.IsNullOrEmpty(tooltip) ? text : tooltip);
        }
    }
}
