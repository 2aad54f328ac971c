using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using PimModule.Hosting;

namespace PimModule.Completers;

/// <summary>
/// What every completer of the module shares: candidates read from the session's store (none when the store cannot be
/// opened: completion never shows an error), matched to the word typed so far and quoted when PowerShell needs it.
/// </summary>
public abstract class PimArgumentCompleter : IArgumentCompleter
{
    private static readonly char[] NeedsQuotes = [' ', '\'', '"', '$', '`', '(', ')', '{', '}', ';', ',', '&', '#', '[', ']', '|', '<', '>'];

    /// <summary>The session's store, opened on first use.</summary>
    protected static PimStore Store => PimSession.GetOrOpen();

    /// <summary>Every value the parameter may take, with its tooltip.</summary>
    protected abstract IEnumerable<(string Text, string Tooltip)> Candidates();

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        List<(string Text, string Tooltip)> candidates;
        try
        {
            candidates = Candidates().ToList();
        }
        catch (PimException)
        {
            return [];
        }
        return Matching(candidates, wordToComplete);
    }

    private static IEnumerable<CompletionResult> Matching(IEnumerable<(string Text, string Tooltip)> items, string wordToComplete)
    {
        var word = (wordToComplete ?? "").Trim('\'', '"');
        var pattern = WildcardPattern.Get(WildcardPattern.Escape(word) + "*", WildcardOptions.IgnoreCase);
        foreach (var (text, tooltip) in items)
        {
            if (!pattern.IsMatch(text)) continue;
            var quoted = text.IndexOfAny(NeedsQuotes) >= 0 || text.StartsWith('@')
                ? "'" + text.Replace("'", "''") + "'"
                : text;
            yield return new CompletionResult(quoted, text, CompletionResultType.ParameterValue,
                string.IsNullOrEmpty(tooltip) ? text : tooltip);
        }
    }
}
