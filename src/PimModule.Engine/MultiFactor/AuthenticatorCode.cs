using System.Globalization;
using System.Security.Cryptography;
using PimModule.Validation;
using PimModule.Errors;
using PimModule.Storage;

namespace PimModule.MultiFactor;

/// <summary>
/// What an authenticator app does with a secret its holder gives it (Get-PimMfaCode -Uri / -Secret): the RFC 6238 code
/// of the current time step, from an otpauth://totp/ URI (its secret, and its algorithm, digits and period when it names
/// them) or a base32 secret (HMAC-SHA-1, 6 digits, 30 seconds: the store's methods). No store is opened or read: the
/// caller holds the secret. Input that is not such a URI or secret is PimInputInvalid (PimInputTooLong beyond the limits);
/// no message, target or inner exception carries any part of the URI or the secret.
/// </summary>
public static class AuthenticatorCode
{
    /// <summary>The longest -Uri and -Secret taken (the limits of Input).</summary>
    public const int UriLength = Input.OtpAuthUriLength, SecretLength = Input.TotpSecretLength;
    /// <summary>The shortest secret taken: 80 bits (16 base32 characters), the shortest authenticator apps accept.</summary>
    public const int MinSecretBytes = 10;
    public const int MinDigits = 6, MaxDigits = 8;
    public const int MaxPeriodSeconds = 3600;

    /// <summary>The current code for an otpauth://totp/ URI (now, by the module's clock).</summary>
    public static string FromUri(string? uri) => Compute(ParseUri(uri), StoreClock.Default.GetUtcNow().UtcDateTime);

    /// <summary>The current code for a base32 secret: HMAC-SHA-1, 6 digits, 30-second steps (now, by the module's clock).</summary>
    public static string FromSecret(string? secret) => Compute(ParseSecret(secret), StoreClock.Default.GetUtcNow().UtcDateTime);

    /// <summary>The URI parameters that change the code; the others (issuer, image, …) are ignored.</summary>
    private static readonly HashSet<string> Computed = new(StringComparer.OrdinalIgnoreCase) { "secret", "algorithm", "digits", "period" };

    internal sealed record Key(byte[] Secret, int Digits, int Period, HashAlgorithmName Algorithm);

    internal static string Compute(Key key, DateTime nowUtc) => Totp.Code(key.Secret, Totp.StepAt(nowUtc, key.Period), key.Digits, key.Algorithm);

    internal static Key ParseSecret(string? secret)
    {
        Input.Text(secret, "Secret", SecretLength, secret: true);
        return new Key(Base32(secret, "-Secret", "Secret"), Totp.Digits, Totp.StepSeconds, HashAlgorithmName.SHA1);
    }

    internal static Key ParseUri(string? uri)
    {
        Input.Text(uri, "Uri", UriLength, secret: true);
        const string Scheme = "otpauth://";
        var text = (uri ?? "").Trim();
        if (!text.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
            throw Invalid("-Uri is not an otpauth:// URI.", "Give the Uri of Register-PimMfaMethod's output ($mfa.Uri), or the otpauth://totp/... text of a QR code.");
        var rest = text[Scheme.Length..];
        var slash = rest.IndexOf('/');
        var type = slash < 0 ? rest : rest[..slash];
        if (type.Equals("hotp", StringComparison.OrdinalIgnoreCase))
            throw Invalid("-Uri is an otpauth://hotp/ URI: counter-based (HOTP) codes are not supported, only time-based ones (otpauth://totp/).",
                "Give an otpauth://totp/ URI (Register-PimMfaMethod's Uri is one).");
        if (!type.Equals("totp", StringComparison.OrdinalIgnoreCase) || slash < 0)
            throw Invalid("-Uri is not an otpauth://totp/ URI: after otpauth:// it must say totp/.", "Give an otpauth://totp/ URI (Register-PimMfaMethod's Uri is one).");
        var hash = rest.IndexOf('#');
        if (hash >= 0) rest = rest[..hash];
        var question = rest.IndexOf('?');
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in question < 0 ? [] : rest[(question + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=');
            var name = Unescape(equals < 0 ? pair : pair[..equals]);
            if (!Computed.Contains(name)) continue; // issuer, image, …: what an authenticator shows, not what it computes
            if (!values.TryAdd(name, Unescape(equals < 0 ? "" : pair[(equals + 1)..])))
                throw Invalid($"-Uri gives its {name.ToLowerInvariant()} parameter more than once, so which one counts is not clear.", "Give each parameter of the URI once.");
        }
        if (!values.TryGetValue("secret", out var secret) || secret.Trim().Length == 0)
            throw Invalid("-Uri has no secret parameter (…?secret=<base32>).", "Give the whole URI, as Register-PimMfaMethod or the QR code gave it.");
        var bytes = Base32(secret, "The secret in -Uri", "Uri");

        var algorithm = HashAlgorithmName.SHA1;
        if (values.TryGetValue("algorithm", out var a))
            algorithm = a.Trim().ToUpperInvariant() switch
            {
                "SHA1" => HashAlgorithmName.SHA1,
                "SHA256" => HashAlgorithmName.SHA256,
                "SHA512" => HashAlgorithmName.SHA512,
                _ => throw Invalid("-Uri names an algorithm this module does not compute: it takes SHA1, SHA256 or SHA512.",
                    "Give a URI with algorithm=SHA1 (the default), SHA256 or SHA512."),
            };
        var digits = values.TryGetValue("digits", out var d) ? Number(d, "digits", MinDigits, MaxDigits) : Totp.Digits;
        var period = values.TryGetValue("period", out var p) ? Number(p, "period", 1, MaxPeriodSeconds) : Totp.StepSeconds;
        return new Key(bytes, digits, period, algorithm);
    }

    private static int Number(string text, string name, int min, int max)
    {
        if (int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max) return n;
        throw Invalid($"-Uri's {name} parameter must be a whole number from {min} to {max}" +
            (name == "digits" ? " (6, 7 or 8 digits)." : " (seconds; 30 is usual)."), $"Give a URI whose {name} is from {min} to {max}, or leave it out.");
    }

    /// <summary>RFC 4648 base32, as authenticator apps take it: any case, spaces and '=' padding ignored.</summary>
    private static byte[] Base32(string? text, string what, string parameter)
    {
        var clean = (text ?? "").Replace(" ", "").TrimEnd('=');
        for (var i = 0; i < clean.Length; i++)
        {
            var c = char.ToUpperInvariant(clean[i]);
            if (c is not ((>= 'A' and <= 'Z') or (>= '2' and <= '7')))
                throw Invalid($"{what} is not base32: character {i + 1} (not counting spaces) is not one of the letters A-Z or the digits 2-7 " +
                    "(0, 1, 8 and 9 are not base32: the secret may have an O, I, L or B there).", $"Give the secret exactly as it was shown (-{parameter}).", parameter);
        }
        if (clean.Length * 5 / 8 < MinSecretBytes)
            throw Invalid($"{what} is {(clean.Length == 0 ? "empty" : $"only {clean.Length} base32 characters long")}: a TOTP secret has at least 16 (80 bits).",
                $"Give the whole secret (-{parameter}); Register-PimMfaMethod's are 32 characters.", parameter);
        return Totp.FromBase32(clean);
    }

    private static string Unescape(string text)
    {
        try
        {
            return Uri.UnescapeDataString(text);
        }
        catch (UriFormatException)
        {
            return text;
        }
    }

    /// <summary>A refusal about the input; the target is the parameter's name, never its value.</summary>
    private static PimException Invalid(string message, string action, string parameter = "Uri") => PimErrors.InputInvalid(message, parameter, action);
}
