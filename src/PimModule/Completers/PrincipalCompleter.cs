namespace PimModule.Completers;

/// <summary>Completes the principals the store knows (holders of assignments, requesters).</summary>
public sealed class PrincipalCompleter : PimArgumentCompleter
{
    protected override IEnumerable<(string Text, string Tooltip)> Candidates()
        => Store.KnownPrincipals().Select(p => (p, p));
}
