using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using PimModule.Errors;
using PimModule.Validation;

namespace PimModule.Policy;

/// <summary>
/// JustificationPattern and TicketPattern: .NET regular expressions run with <see cref="RegexOptions.NonBacktracking"/>
/// (time linear in the input, so no pattern can run away), at most <see cref="Input.PatternLength"/> characters. A
/// pattern that does not compile under NonBacktracking (backreferences, lookarounds, atomic groups...) is refused when
/// set. Compiled patterns are kept (the bulk paths check every row).
/// </summary>
internal static class TextPatterns
{
    private const RegexOptions Options = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;
    private const int MaxCached = 256;
    private static readonly ConcurrentDictionary<string, Regex> Compiled = new(StringComparer.Ordinal);

    /// <summary>The compiled pattern; ArgumentException (syntax) or NotSupportedException (not under NonBacktracking) otherwise.</summary>
    public static Regex Get(string pattern)
    {
        if (Compiled.TryGetValue(pattern, out var regex)) return regex;
        regex = new Regex(pattern, Options);
        if (Compiled.Count >= MaxCached) Compiled.Clear();
        Compiled[pattern] = regex;
        return regex;
    }

    /// <summary>Refuses a pattern that is too long, holds control characters, or does not compile under NonBacktracking.</summary>
    public static void Validate(string? pattern, string setting, string role)
    {
        if (pattern is null) return;
        Input.Text(pattern, setting, Input.PatternLength);
        try
        {
            Get(pattern);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            throw PimErrors.PatternInvalid(
                $"-{setting} '{Input.Preview(pattern)}' for '{role}' is not a regular expression PimModule can run: {e.Message} " +
                "Patterns are .NET regular expressions run with RegexOptions.NonBacktracking (no backreferences, lookarounds or atomic groups).",
                Input.Preview(pattern), $"Give -{setting} as a .NET regular expression without backreferences or lookarounds, for example '^(INC|CHG)[0-9]{{6}}$', or '' for none.", e);
        }
    }

    /// <summary>Whether <paramref name="text"/> (null counts as empty) matches the pattern (null = no pattern).</summary>
    public static bool Matches(string? pattern, string? text) => pattern is null || Get(pattern).IsMatch(text ?? "");
}

internal sealed partial class RolePolicy
{
    partial void CheckPatterns(string role, string? justification, string? ticketNumber)
    {
        if (!TextPatterns.Matches(JustificationPattern, justification))
            throw PimErrors.JustificationInvalid(
                $"The justification does not match the pattern '{JustificationPattern}' that the settings of '{role}' require (JustificationPattern).",
                role, $"Give a -Justification that matches '{JustificationPattern}'.");
        if (!TextPatterns.Matches(TicketPattern, ticketNumber))
            throw PimErrors.TicketInvalid(
                $"The ticket number does not match the pattern '{TicketPattern}' that the settings of '{role}' require (TicketPattern).",
                role, $"Give a -TicketNumber that matches '{TicketPattern}'.");
    }
}
