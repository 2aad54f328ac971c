using PimModule.Identity.Keys;
using PimModule.Storage;
using PimModule.Audit;
using PimModule.Errors;
using PimModule.Roles;
using PimModule.Validation;

namespace PimModule.Identity;

/// <summary>
/// A store's identity mode and its root of trust: chosen at creation (Verified unless Lab is asked for), read at every
/// open, and — in a Verified store — proven at every open: the whole log verifies (chain, seals, bindings, entitlement),
/// the acting principal's key is bound to them by that log, and the store extends what this user verified before.
/// </summary>
internal static class StoreIdentity
{
    /// <summary>What the store says of its mode, and what would betray a Verified store passing itself off as Lab.</summary>
    internal sealed record Evidence(string StoreId, PimIdentityMode Claimed, bool HasSeals, bool HasCredentials, bool GenesisHasRoot, string? RootThumbprint);

    public static Evidence Read(UnitOfWork work)
    {
        var mode = StoreInfoTable.Get(work, StoreInfoTable.IdentityMode);
        var genesis = AuditLogTable.BySequence(work, 1);
        // Every store's log starts with its genesis; one with none (emptied, or its first record removed) is not taken for a
        // Lab store: it is judged as Verified, where it does not verify.
        // A genesis that does not read as one (Audit/Events/StoreEvents.cs) is not evidence of a Lab store either.
        var genesisHasRoot = genesis is null
            || Audit.Events.EventJson.Read<Audit.Events.StoreGenesis>(genesis.AfterJson) is not { } g
            || g.StoreId is not null || g.IdentityMode is not null || g.RootPublicKey is not null || g.RootThumbprint is not null;
        genesisHasRoot |= AuditLogTable.WasProtected(work); // a store protected from Lab keeps that record
        return new Evidence(StoreInfoTable.Get(work, StoreInfoTable.StoreId) ?? "",
            string.Equals(mode, nameof(PimIdentityMode.Verified), StringComparison.Ordinal) ? PimIdentityMode.Verified : PimIdentityMode.Lab,
            SealsTable.Count(work) > 0, CredentialsTable.Count(work) > 0, genesisHasRoot, StoreInfoTable.Get(work, StoreInfoTable.RootThumbprint));
    }

    /// <summary>
    /// The mode a store is opened in: Verified when it says so — or when anything shows it was Verified (seals, bindings,
    /// a genesis naming a root key, a pin or a trust anchor of this user): a row edited to "Lab" does not downgrade it.
    /// </summary>
    public static PimIdentityMode Resolve(Evidence e, bool pinned, bool anchored)
        => e.Claimed == PimIdentityMode.Verified || e.HasSeals || e.HasCredentials || e.GenesisHasRoot || pinned || anchored
            ? PimIdentityMode.Verified : PimIdentityMode.Lab;

    /// <summary>A new Verified store: its mode, its root (the creator's key), bound to the creator; the genesis record carries it.</summary>
    public static Audit.Events.StoreGenesis SeedVerified(UnitOfWork work, string storeId, PimKey root)
    {
        StoreInfoTable.Insert(work, StoreInfoTable.IdentityMode, nameof(PimIdentityMode.Verified));
        StoreInfoTable.Insert(work, StoreInfoTable.RootThumbprint, root.Thumbprint);
        CredentialsTable.Insert(work, new CredentialsTable.Row(root.Thumbprint, work.Actor, Principal.Fold(work.Actor), root.Algorithm, root.PublicKeyPem(),
            CredentialsTable.Active, work.Actor, work.Now, null, null, null, IsRoot: true));
        work.Sealer = new Sealer(root, storeId, new VerifiedPoint(0, AuditLog.Genesis));
        return new Audit.Events.StoreGenesis(storeId, work.Actor, nameof(PimIdentityMode.Verified), root.PublicKeyPem(), root.Thumbprint, RoleCatalog.BuiltIn.Count);
    }

    public static void SeedLab(UnitOfWork work) => StoreInfoTable.Insert(work, StoreInfoTable.IdentityMode, nameof(PimIdentityMode.Lab));

    /// <summary>Parses -TrustAnchor: "&lt;storeId&gt;:&lt;thumbprint&gt;", or a root thumbprint alone.</summary>
    public static (string? StoreId, string Root) ParseAnchor(string anchor)
    {
        Input.Text(anchor, "TrustAnchor", 200);
        var parts = anchor.Trim().Split(':');
        string? store = parts.Length == 2 ? parts[0] : null;
        var root = parts[^1];
        if (parts.Length > 2 || root.Length != 64 || !root.All(Uri.IsHexDigit) || (store is not null && !Guid.TryParse(store, out _)))
            throw PimErrors.InputValueInvalid($"'{Input.Preview(anchor)}' is not a trust anchor.", Input.Preview(anchor),
                "Give -TrustAnchor as <StoreId>:<root thumbprint> (Get-PimStore shows it as TrustAnchor), or the root thumbprint alone (64 hex digits).");
        return (store, root.ToUpperInvariant());
    }
}
