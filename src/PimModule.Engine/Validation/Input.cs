using System.Globalization;
using System.Text;
using PimModule.Errors;

namespace PimModule.Validation;

/// <summary>
/// The limits on input, in one place: every string the engine takes from a caller (a cmdlet parameter, a CSV cell
/// bound to one, a field of an imported file) goes through <see cref="Text"/> at the engine's entry points, so a
/// command line and a CSV row are held to the same rule. A value that is too long is <c>PimInputTooLong</c>; one
/// with a control character (or another character that changes how text is shown: a line or paragraph separator,
/// a bidirectional override, an unpaired surrogate) is <c>PimInputInvalid</c>. Messages name the parameter, the
/// limit and the length given, and never echo a long value (see <see cref="Preview"/>).
/// </summary>
public static class Input
{
    public const int JustificationLength = 500;
    public const int TicketLength = 500;
    public const int PrincipalLength = 256;
    public const int ScopeLength = 400;
    public const int RoleNameLength = 128;
    public const int RoleDescriptionLength = 1024;
    public const int AuthenticationContextIdLength = 32;
    public const int HostNameLength = 253;
    public const int MailAddressLength = 256;
    public const int UserNameLength = 256;
    public const int PasswordLength = 1024;
    public const int MfaCodeLength = 64;
    public const int IdLength = 64;
    public const int ActionNameLength = 64;
    public const int ConnectionStringLength = 4096;
    /// <summary>Get-PimMfaCode -Uri: an otpauth:// URI with a long label and issuer is a few hundred characters.</summary>
    public const int OtpAuthUriLength = 2048;
    /// <summary>Get-PimMfaCode -Secret, in base32 characters (a 64-byte SHA-512 secret is 103).</summary>
    public const int TotpSecretLength = 256;
    /// <summary>JustificationPattern and TicketPattern (regular expressions).</summary>
    public const int PatternLength = 500;
    /// <summary>At most this many principals or addresses in one list (approvers, additional recipients).</summary>
    public const int ListCount = 100;

    /// <summary>
    /// The documented limit of every string parameter (and CSV column) by name: what help and about_PimModule say.
    /// File paths are not limited here (the operating system's rules apply).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, int> Limits = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase)
    {
        ["Justification"] = JustificationLength,
        ["TicketNumber"] = TicketLength,
        ["TicketSystem"] = TicketLength,
        ["Principal"] = PrincipalLength,
        ["Recipient"] = PrincipalLength,
        ["Approvers"] = PrincipalLength,
        ["Reviewer"] = PrincipalLength,
        ["AdditionalRecipients"] = MailAddressLength,
        ["Scope"] = ScopeLength,
        ["Role"] = RoleNameLength,
        ["Name"] = RoleNameLength,
        ["Description"] = RoleDescriptionLength,
        ["AuthenticationContextId"] = AuthenticationContextIdLength,
        ["JustificationPattern"] = PatternLength,
        ["TicketPattern"] = PatternLength,
        ["SmtpServer"] = HostNameLength,
        ["From"] = MailAddressLength,
        ["UserName"] = UserNameLength,
        ["Password"] = PasswordLength,
        ["MfaCode"] = MfaCodeLength,
        ["RequestId"] = IdLength,
        ["Action"] = ActionNameLength,
        ["ConnectionString"] = ConnectionStringLength,
        ["Uri"] = OtpAuthUriLength,
        ["Secret"] = TotpSecretLength,
    };

    /// <summary>
    /// Checks one string: null passes (not given); longer than <paramref name="max"/> is PimInputTooLong; a control
    /// character is PimInputInvalid (or <paramref name="invalidId"/>, e.g. PimPrincipalInvalid). Returns the value unchanged.
    /// <paramref name="secret"/> keeps the value out of the error (passwords, codes).
    /// </summary>
    public static string? Text(string? value, string name, int max, Func<string, object?, string?, Exception?, PimException>? invalid = null, bool secret = false)
    {
        if (value is null) return null;
        if (value.Length > max)
            throw PimErrors.InputTooLong($"-{name} is {value.Length.ToString("N0", CultureInfo.InvariantCulture)} characters long; at most {max} are allowed" +
                (secret ? "." : $" (it starts '{Preview(value)}')."),
                secret ? name : Preview(value),
                $"Give -{name} of at most {max} characters.");
        if (FirstForbidden(value) is { } at)
            throw (invalid ?? PimErrors.InputInvalid)(
                $"-{name} has the character {Describe(value, at)} at position {at + 1}; control characters, line separators, " +
                "invisible format characters (bidirectional controls, zero-width spaces) and unpaired surrogates are not allowed" + (secret ? "." : $" (the value starts '{Preview(value)}')."),
                secret ? name : Preview(value),
                $"Remove the character from -{name}.", null);
        // Joiners are the only invisible characters text may hold (emoji sequences, Persian); text of nothing else but
        // them and white space says nothing, so it counts as blank for every "required" rule.
        if (value.Length > 0 && value.All(c => char.IsWhiteSpace(c) || c is ZeroWidthJoiner or ZeroWidthNonJoiner))
            return value.Replace(ZeroWidthJoiner.ToString(), "").Replace(ZeroWidthNonJoiner.ToString(), "");
        return value;
    }

    private const char ZeroWidthNonJoiner = '\u200C', ZeroWidthJoiner = '\u200D';

    /// <summary>As <see cref="Text"/>, by the documented limit of a parameter (see <see cref="Limits"/>).</summary>
    public static string? Text(string? value, string name) => Text(value, name, Limits[name]);

    /// <summary>A list of strings (approvers, recipients): at most <see cref="ListCount"/> items, each checked.</summary>
    public static IReadOnlyList<string>? List(IReadOnlyList<string>? values, string name, int maxItem, int maxCount = ListCount)
    {
        if (values is null) return null;
        if (values.Count > maxCount)
            throw PimErrors.InputTooLong($"-{name} has {values.Count.ToString("N0", CultureInfo.InvariantCulture)} items; at most {maxCount} are allowed.", name,
                $"Give at most {maxCount} items in -{name}.");
        for (var i = 0; i < values.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(values[i]))
                throw PimErrors.InputInvalid($"Item {i + 1} of -{name} is empty.", name, $"Remove the empty item from -{name}.");
            Text(values[i], name, maxItem);
        }
        return values;
    }

    /// <summary>Refuses a list (approvers, recipients) with a null item, which no principal can be.</summary>
    public static IEnumerable<string> NoNullItems(IEnumerable<string?> values, string name)
    {
        var i = 0;
        foreach (var v in values)
        {
            i++;
            yield return v ?? throw PimErrors.InputInvalid($"Item {i} of -{name} is empty.", name, $"Remove the empty item from -{name}.");
        }
    }

    /// <summary>The index of the first character text may not hold, or null.</summary>
    public static int? FirstForbidden(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                {
                    // Astral format characters (the invisible tag characters U+E0001–U+E007F) are refused too.
                    if (CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(c, value[i + 1])) == UnicodeCategory.Format) return i;
                    i++;
                    continue;
                }
                return i;
            }
            if (char.IsLowSurrogate(c) || IsForbidden(c)) return i;
        }
        return null;
    }

    /// <summary>
    /// Control characters (C0, DEL, C1), line and paragraph separators, and invisible format characters — bidirectional
    /// embeddings, overrides, isolates and marks, zero-width spaces, the byte-order mark, soft hyphens — except the two
    /// joiners (U+200C, U+200D) that emoji sequences and some scripts need.
    /// </summary>
    public static bool IsForbidden(char c) => char.IsControl(c)
        || c is '\u2028' or '\u2029'
        || c is not (ZeroWidthNonJoiner or ZeroWidthJoiner) && char.GetUnicodeCategory(c) == UnicodeCategory.Format;

    /// <summary>A short, printable form of a value for messages and error targets: at most 40 characters, controls as U+XXXX.</summary>
    public static string Preview(string value, int length = 40)
    {
        var sb = new StringBuilder();
        foreach (var c in value.Length > length ? value[..length] : value)
        {
            if (IsForbidden(c) || char.IsSurrogate(c) || char.GetUnicodeCategory(c) == UnicodeCategory.Format)
                sb.Append("U+").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        if (value.Length > length) sb.Append('…');
        return sb.ToString();
    }

    /// <summary>"U+001B (ESC)"-style name of the character at an index.</summary>
    public static string Describe(string value, int index)
    {
        var c = value[index];
        var code = "U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture);
        var name = c switch
        {
            '\0' => "NUL", '\t' => "TAB", '\n' => "LF", '\r' => "CR", '\u001B' => "ESC", '\u007F' => "DEL",
            '\u2028' => "LINE SEPARATOR", '\u2029' => "PARAGRAPH SEPARATOR",
            _ when char.IsSurrogate(c) => "unpaired surrogate",
            _ when c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' => "bidirectional control",
            _ when char.IsControl(c) => "control character",
            _ when char.GetUnicodeCategory(c) == UnicodeCategory.Format => "format character",
            _ => null,
        };
        return name is null ? code : $"{code} ({name})";
    }
}
