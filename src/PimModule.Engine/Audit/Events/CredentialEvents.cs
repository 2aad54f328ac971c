using System.Text.Json.Serialization;

namespace PimModule.Audit.Events;

/// <summary>
/// A key binding as its record keeps it: whose key, the key (PEM) and its thumbprint; a root-level key says so
/// (<see cref="Root"/>). A revocation names the principal and thumbprint (and, for a rotated root, its successor).
/// </summary>
internal sealed record CredentialView(
    string? Principal,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PublicKey,
    string? Thumbprint,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Root = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RotatedTo = null)
{
    [JsonIgnore] public bool IsRoot => Root == true;
}

internal abstract record CredentialEvent(string Thumbprint, string Owner) : AuditEvent
{
    public sealed override string TargetType => "Credential";
    public sealed override string? TargetId => Thumbprint;
    public sealed override string? Principal => Owner;
}

/// <summary>An administrator proposes a key for a principal who has one (a second administrator confirms it).</summary>
internal sealed record CredentialProposed(string Thumbprint, string Owner, string PublicKey) : CredentialEvent(Thumbprint, Owner)
{
    public const string Name = "ProposeCredential";
    public override string Action => Name;
    public override object? After => new CredentialView(Owner, PublicKey, Thumbprint);
}

/// <summary>A key acts for its principal from now on (a root-level key when <paramref name="IsRoot"/>).</summary>
internal sealed record CredentialRegistered(string Thumbprint, string Owner, string PublicKey, bool IsRoot) : CredentialEvent(Thumbprint, Owner)
{
    public const string Name = "RegisterCredential";
    public override string Action => Name;
    public override object? After => new CredentialView(Owner, PublicKey, Thumbprint, IsRoot ? true : null);
}

/// <summary>A key acts for nobody from now on (retired by a root rotation to <paramref name="RotatedTo"/>, when given).</summary>
internal sealed record CredentialRevoked(string Thumbprint, string Owner, string? RotatedTo = null) : CredentialEvent(Thumbprint, Owner)
{
    public const string Name = "RevokeCredential";
    public override string Action => Name;
    public override object? After => new CredentialView(Owner, null, Thumbprint, null, RotatedTo);
}
