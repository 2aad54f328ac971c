namespace PimModule;

/// <summary>A principal's credential: New-PimCredential's output (Path set: where the private key is) and Get-PimCredential's (bindings).</summary>
public sealed class PimCredential
{
    public string Principal { get; init; } = "";
    /// <summary>SHA-256 of the public key's SubjectPublicKeyInfo, upper-case hex: the same for a PEM and for a certificate.</summary>
    public string Thumbprint { get; init; } = "";
    /// <summary>ES256, ES384 (ECDSA P-256, P-384) or PS256 (RSA).</summary>
    public string Algorithm { get; init; } = "";
    /// <summary>The public key as PEM (SubjectPublicKeyInfo): what an administrator registers.</summary>
    public string PublicKey { get; init; } = "";
    /// <summary>The private key's file (New-PimCredential), else empty.</summary>
    public string? Path { get; init; }
    public bool Encrypted { get; init; }
    /// <summary>Get-PimCredential: Active (the principal acts with it), Pending (a second administrator must confirm it) or Revoked.</summary>
    public string? State { get; init; }
    public string? RegisteredBy { get; init; }
    public DateTime? RegisteredDateTime { get; init; }
    public string? RevokedBy { get; init; }
    public DateTime? RevokedDateTime { get; init; }
    /// <summary>A root-level key: the store's root of trust, a rotated root, or a break-glass root.</summary>
    public bool IsRoot { get; init; }
}
