using System.Text.RegularExpressions;
using PimModule.Errors;
using PimModule.Validation;

namespace PimModule.Identity;

/// <summary>
/// Principals are the users and service identities that hold roles: a user principal name
/// (<c>user1@contoso.com</c>, guests <c>user_fabrikam.com#EXT#@contoso.com</c>), an account name
/// (<c>user1</c>, <c>CONTOSO\user1</c>). An object id (GUID) is not a principal: it maps to its UPN through the imported
/// directory (DirectoryMap.Canonical), or it is refused. Entra user principal names are ASCII, so a
/// principal is ASCII only: a look-alike (the Kelvin sign for K, a Cyrillic а for a), a format character or a
/// control character is refused (PimPrincipalInvalid), never folded onto another principal.
/// Principals are stored as given and compared by one canonical key, <see cref="Key"/>: the ASCII lower-case form,
/// used by every comparison in SQL (the *_key columns) and in C# (<see cref="Same"/>, <see cref="Comparer"/>).
/// </summary>
public static partial class Principal
{
    [GeneratedRegex(@"^[A-Za-z0-9._'\-+~!#$%&]+(@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*|\\[A-Za-z0-9._'\-+~!#$%&]+)?\z",
        RegexOptions.CultureInvariant)]
    private static partial Regex Shape();

    /// <summary>True for text shaped as an Entra object id (a GUID, with or without braces or dashes): never a principal by itself.</summary>
    public static bool IsObjectId(string text) => text.Length is >= 32 and <= 38 && Guid.TryParse(text, out _);

    public static bool IsValid(string? text)
    {
        try
        {
            Validate(text);
            return true;
        }
        catch (PimException)
        {
            return false;
        }
    }

    /// <summary>Returns the principal trimmed, or throws PimPrincipalInvalid (PimInputTooLong beyond 256 characters).</summary>
    public static string Validate(string? text, string parameter = "Principal")
    {
        Input.Text(text, parameter, Input.PrincipalLength, PimErrors.PrincipalInvalid);
        var trimmed = text?.Trim(' ');
        if (string.IsNullOrEmpty(trimmed))
            throw PimErrors.PrincipalInvalid($"-{parameter} is empty; a principal is needed.", text, $"Give -{parameter} as a user principal name (user1@contoso.com).");
        for (var i = 0; i < trimmed.Length; i++)
        {
            if (trimmed[i] > '\u007E')
                throw PimErrors.PrincipalInvalid($"'{Input.Preview(text!)}' is not a principal: it has the non-ASCII character {Input.Describe(trimmed, i)} at position {i + 1}. " +
                    "Entra user principal names are ASCII; a character that only looks like a letter is not one.",
                    Input.Preview(text!), $"Type -{parameter} again in plain ASCII (user1@contoso.com).");
        }
        if (IsObjectId(trimmed))
            throw PimErrors.PrincipalInvalid($"'{trimmed}' is an Entra object id; inside the store a principal is its user principal name, so one person never has two spellings.",
                trimmed, $"Give -{parameter} as the user's UPN (Get-PimDirectoryObject lists the imported users), or import the tenant's users (Import-PimDirectoryObject) so that ids map to UPNs.");
        if (!Shape().IsMatch(trimmed))
            throw PimErrors.PrincipalInvalid($"'{Input.Preview(text!)}' is not a principal. Give a user principal name (user1@contoso.com), or an account name (user1 or CONTOSO\\user1).",
                Input.Preview(text!), $"Correct the -{parameter} value.");
        return trimmed;
    }

    /// <summary>
    /// The canonical key of a principal a caller gives: validated, then ASCII lower-case. Idempotent, and the same for
    /// every ASCII case variant; a non-ASCII look-alike is refused, never mapped onto an ASCII key.
    /// </summary>
    public static string Key(string? text, string parameter = "Principal") => Fold(Validate(text, parameter));

    /// <summary>
    /// The key of a principal already in the store (or just validated): ASCII letters lower-cased, every other
    /// character as it is — so a stored non-ASCII name (from before principals were ASCII only) can never equal an
    /// ASCII one. For a valid principal this is exactly <see cref="Key"/>.
    /// </summary>
    public static string Fold(string text)
    {
        var trimmed = text.Trim(' ');
        Span<char> span = trimmed.Length <= 256 ? stackalloc char[trimmed.Length] : new char[trimmed.Length];
        var changed = false;
        for (var i = 0; i < trimmed.Length; i++)
        {
            var c = trimmed[i];
            if (c is >= 'A' and <= 'Z') { c = (char)(c + 32); changed = true; }
            span[i] = c;
        }
        return changed ? new string(span) : trimmed;
    }

    /// <summary>Whether two principals are the same (by their canonical key).</summary>
    public static bool Same(string? a, string? b) => a is not null && b is not null && Fold(a) == Fold(b);

    /// <summary>Compares principals by their canonical key (for Distinct, HashSet, Contains).</summary>
    public static readonly IEqualityComparer<string> Comparer = new KeyComparer();

    private sealed class KeyComparer : IEqualityComparer<string>
    {
        public bool Equals(string? x, string? y) => x is null ? y is null : y is not null && Fold(x) == Fold(y);
        public int GetHashCode(string obj) => StringComparer.Ordinal.GetHashCode(Fold(obj));
    }

    /// <summary>The operating-system user, the default acting principal; PimPrincipalInvalid when that name is not a principal.</summary>
    public static string Current() => Current(Environment.UserName);

    /// <summary>The default acting principal for an operating-system user name (testable without changing the OS user).</summary>
    public static string Current(string? osUserName)
    {
        try
        {
            return Validate(osUserName, "Principal");
        }
        catch (PimException e)
        {
            throw PimErrors.PrincipalInvalid($"The operating-system user name '{Input.Preview(osUserName ?? "")}' is not a valid principal ({e.Message}), so it cannot act " +
                "as the default principal.", Input.Preview(osUserName ?? ""),
                "Give the principal to act as: Connect-PimStore -Principal user1@contoso.com", e);
        }
    }
}
