namespace PimModule;

/// <summary>A registered TOTP method, shown once: the secret (base32) and the otpauth:// URI for an authenticator app.</summary>
public sealed class PimMfaRegistration
{
    public string Principal { get; init; } = "";
    public string Secret { get; init; } = "";
    public string Uri { get; init; } = "";
    public DateTime CreatedDateTime { get; init; }
}
