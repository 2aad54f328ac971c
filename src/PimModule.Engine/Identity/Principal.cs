using System.Text.RegularExpressions;

namespace PimModule;

/// <summary>
/// Principals are the users and service identities that hold roles: a user principal name
/// (<c>user1@contoso.com</c>), an account name (<c>user1</c>, <c>CONTOSO\user1</c>) or an object id (GUID).
/// They compare case-insensitively and are stored as given.
/// </summary>
public static partial class Principal
{
    [GeneratedRegex(@"^[\p{L}\p{N}._'\-+~!#$%&]+(@[\p{L}\p{N}\-]+(\.[\p{L}\p{N}\-]+)*|\\[\p{L}\p{N}._'\-+~!#$%&]+)?$")]
    private static partial Regex Shape();

    public static bool IsValid(string? text) => !string.IsNullOrWhiteSpace(text) && text.Length <= 256 && Shape().IsMatch(text);

    /// <summary>Returns the principal trimmed, or throws PimPrincipalInvalid.</summary>
    public static string Validate(string? text, string parameter = "Principal")
    {
        var trimmed = text?.Trim();
        if (!IsValid(trimmed))
            throw new PimException("PimPrincipalInvalid", PimErrorCategory.InvalidArgument,
                $"'{text}' is not a principal. Give a user principal name (user1@contoso.com), an account name (user1 or CONTOSO\\user1) or an object id.",
                text, $"Correct the -{parameter} value.");
        return trimmed!;
    }

    /// <summary>The operating-system user, the default acting principal.</summary>
    public static string Current()
    {
        var name = Environment.UserName;
        return IsValid(name) ? name : "unknown";
    }
}
