namespace PimModule.Completers;

/// <summary>Completes the scopes assignments use.</summary>
public sealed class ScopeCompleter : PimArgumentCompleter
{
    protected override IEnumerable<(string Text, string Tooltip)> Candidates()
        => Store.KnownScopes().Select(s => (s, s));
}
