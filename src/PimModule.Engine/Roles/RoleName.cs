using System.Globalization;
using System.Text;
using PimModule.Errors;
using PimModule.Validation;

namespace PimModule.Roles;

/// <summary>
/// Role display names. A new name (New-PimRole -Name) is NFC-normalised and trimmed, 1 to 128 characters, and made of
/// letters, digits 0-9, single spaces and ASCII punctuation and symbols; it may not hold control or format characters,
/// other spaces, non-ASCII symbols and punctuation, or compatibility characters that only look like others (the Kelvin sign,
/// fullwidth letters, ligatures: the name must be stable under NFKC), and its letters come from one script (Latin,
/// Greek, Cyrillic …; Chinese, Japanese and Korean scripts may mix with each other and with Latin), so no name mixes
/// look-alike letters of Latin, Greek and Cyrillic. Every built-in Entra role name passes.
/// Names compare by one key (<see cref="Key"/>): NFC, trimmed, lower-case (invariant) — the roles table's name_key.
/// Descriptions (at most 1024 characters) refuse control and format characters.
/// </summary>
public static class RoleName
{
    /// <summary>A new role's name, normalised, or PimRoleNameInvalid (PimInputTooLong / PimInputInvalid for length and control characters).</summary>
    public static string Validate(string? name, string parameter = "Name")
    {
        // A format character (zero-width, joiner, direction mark) is a look-alike trick in a name: PimRoleNameInvalid, said as such
        // (bidirectional overrides, like control characters, are PimInputInvalid everywhere).
        if (name is not null && name.Length <= Input.RoleNameLength && !name.Any(char.IsControl)
            && name.Select((c, i) => (c, i)).FirstOrDefault(x => char.GetUnicodeCategory(x.c) == UnicodeCategory.Format && x.c is not (>= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069')) is { c: not '\0' } bad)
            throw Invalid(name, parameter, $"it has the format character {Input.Describe(name, bad.i)} at position {bad.i + 1}");
        Input.Text(name, parameter, Input.RoleNameLength);
        var n = (name ?? "").Normalize(NormalizationForm.FormC).Trim(' ');
        if (n.Length == 0) throw Invalid(name, parameter, "it is empty");
        if (Guid.TryParse(n, out _)) throw Invalid(name, parameter, "it looks like a role id; a role name cannot be a GUID");
        if (n.Contains("  ", StringComparison.Ordinal)) throw Invalid(name, parameter, "it has two spaces in a row");
        var scripts = new List<string>();
        var marks = 0;
        var previousLetter = false;
        var index = 0;
        foreach (var rune in n.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            var at = $"{Show(rune)} at position {index + 1}";
            index += rune.Utf16SequenceLength;
            switch (category)
            {
                case UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                    or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter:
                    var s = Script(rune.Value);
                    if (!scripts.Contains(s)) scripts.Add(s);
                    if (scripts.Count > 1 && !scripts.All(x => x == "Latin" || IsCjk(x)))
                        throw Invalid(name, parameter, $"it mixes letters of the scripts {string.Join(" and ", scripts)} ({at}); " +
                                                       "look-alike letters of different scripts are not allowed");
                    previousLetter = true;
                    marks = 0;
                    continue;
                case UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark:
                    if (!previousLetter || ++marks > 3)
                        throw Invalid(name, parameter, $"it has a combining mark that does not belong to a letter ({at})");
                    continue;
                case UnicodeCategory.DecimalDigitNumber when rune.Value < 0x80:
                    break;
                case UnicodeCategory.SpaceSeparator when rune.Value == ' ':
                    break;
                default:
                    if (rune.Value is > 0x20 and < 0x7F) break; // ASCII punctuation and symbols
                    throw Invalid(name, parameter, $"it has {at}, which a role name cannot hold (letters, digits 0-9, single spaces and ASCII punctuation are allowed)");
            }
            previousLetter = false;
            marks = 0;
        }
        if (n.Normalize(NormalizationForm.FormKC) != n)
        {
            var i = FirstUnstable(n);
            throw Invalid(name, parameter, $"it has {Show(Rune.GetRuneAt(n, i))} at position {i + 1}, a compatibility character that only looks like another");
        }
        return n;
    }

    /// <summary>A description, trimmed: at most 1024 characters, no control or format characters.</summary>
    public static string ValidateDescription(string? description, string parameter = "Description")
    {
        Input.Text(description, parameter, Input.RoleDescriptionLength);
        var d = (description ?? "").Normalize(NormalizationForm.FormC).Trim();
        for (var i = 0; i < d.Length; i++)
            if (char.GetUnicodeCategory(d, i) == UnicodeCategory.Format)
                throw PimErrors.InputInvalid($"-{parameter} has the format character {Input.Describe(d, i)} at position {i + 1}; format characters change how text " +
                    "is shown and are not allowed.", Input.Preview(d), $"Remove the character from -{parameter}.");
        return d;
    }

    /// <summary>
    /// The canonical key of a role name (for lookups and uniqueness): NFC, trimmed, lower-case. Checks the input limits
    /// (128 characters, no control characters); a name that could not be created simply finds nothing.
    /// </summary>
    public static string Key(string? name, string parameter = "Role")
    {
        Input.Text(name, parameter, Input.RoleNameLength);
        return (name ?? "").Normalize(NormalizationForm.FormC).Trim(' ').ToLowerInvariant();
    }

    /// <summary>A role reference as given, after the input limits of its name (128 characters, no control characters).</summary>
    public static PimRoleReference? Check(PimRoleReference? role, string parameter = "Role")
    {
        if (role?.Name is { } name) Key(name, parameter);
        return role;
    }

    /// <summary>Whether two role names are the same role name (by their key).</summary>
    public static bool Same(string? a, string? b)
        => a is not null && b is not null && a.Length <= Input.RoleNameLength && b.Length <= Input.RoleNameLength
           && Input.FirstForbidden(a) is null && Input.FirstForbidden(b) is null && Key(a) == Key(b);

    private static int FirstUnstable(string n)
    {
        for (var i = 0; i < n.Length; i += char.IsSurrogatePair(n, i) ? 2 : 1)
        {
            var one = n.Substring(i, char.IsSurrogatePair(n, i) ? 2 : 1);
            if (one.Normalize(NormalizationForm.FormKC) != one) return i;
        }
        return 0;
    }

    private static string Show(Rune r) => $"'{(Rune.GetUnicodeCategory(r) is UnicodeCategory.Format or UnicodeCategory.Control ? "" : r.ToString())}' (U+{r.Value:X4})";

    private static bool IsCjk(string script) => script is "Han" or "Kana" or "Hangul";

    /// <summary>The script of a letter, by Unicode block (coarse, but enough to keep Latin, Greek and Cyrillic apart).</summary>
    internal static string Script(int c) => c switch
    {
        <= 0x024F or (>= 0x0250 and <= 0x02FF) or (>= 0x1D00 and <= 0x1DBF) or (>= 0x1E00 and <= 0x1EFF)
            or (>= 0x2C60 and <= 0x2C7F) or (>= 0xA720 and <= 0xA7FF) or (>= 0xAB30 and <= 0xAB6F) => "Latin",
        (>= 0x0370 and <= 0x03FF) or (>= 0x1F00 and <= 0x1FFF) => "Greek",
        (>= 0x0400 and <= 0x052F) or (>= 0x1C80 and <= 0x1C8F) or (>= 0x2DE0 and <= 0x2DFF) or (>= 0xA640 and <= 0xA69F) => "Cyrillic",
        >= 0x0530 and <= 0x058F => "Armenian",
        >= 0x0590 and <= 0x05FF => "Hebrew",
        (>= 0x0600 and <= 0x06FF) or (>= 0x0750 and <= 0x077F) or (>= 0x08A0 and <= 0x08FF) => "Arabic",
        >= 0x0900 and <= 0x0DFF => "Indic-" + ((c - 0x0900) >> 7),
        >= 0x0E00 and <= 0x0E7F => "Thai",
        >= 0x10A0 and <= 0x10FF => "Georgian",
        (>= 0x1100 and <= 0x11FF) or (>= 0x3130 and <= 0x318F) or (>= 0xAC00 and <= 0xD7AF) => "Hangul",
        (>= 0x3040 and <= 0x30FF) or (>= 0x31F0 and <= 0x31FF) => "Kana",
        (>= 0x2E80 and <= 0x2FDF) or (>= 0x3005 and <= 0x3007) or (>= 0x3100 and <= 0x312F) or (>= 0x3400 and <= 0x4DBF)
            or (>= 0x4E00 and <= 0x9FFF) or (>= 0xF900 and <= 0xFAFF) or (>= 0x20000 and <= 0x3FFFF) => "Han",
        _ => "Other-" + (c >> 8).ToString("X", CultureInfo.InvariantCulture),
    };

    private static PimException Invalid(string? name, string parameter, string why) => PimErrors.RoleNameInvalid($"'{Input.Preview(name ?? "")}' is not a valid role name: {why}.", Input.Preview(name ?? ""),
        $"Give -{parameter} a display name such as 'Helpdesk Tier 2 Operator': letters of one script, digits, single spaces and ASCII punctuation.");
}
