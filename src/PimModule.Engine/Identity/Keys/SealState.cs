using PimModule.Kernel;
using PimModule.Audit;
using PimModule.Audit.Events;
using PimModule.Verification;

namespace PimModule.Identity.Keys;

/// <summary>
/// The seal verifier's state at the end of a verified log (a checkpoint): the keys bound and revoked, the root-level
/// keys, the open proposals, the administrators replayed, the chain's head and its latest time. Serialised as JSON in a
/// user's verified checkpoint, never in the shared store.
/// </summary>
internal sealed class SealState
{
    public sealed class Binding { public string Principal { get; set; } = ""; public string Pem { get; set; } = ""; }
    public sealed class Admin { public string Principal { get; set; } = ""; public long Start { get; set; } public long? End { get; set; } }
    public long SealedUpTo { get; set; }
    public string PrevHash { get; set; } = "";
    /// <summary>The time rule's state: floors and pending records (see <see cref="TimeRule"/>).</summary>
    public TimeRule.State Time { get; set; } = new();
    public long GenesisFrom { get; set; }
    public long CheckedRecords { get; set; }
    public long SealsChecked { get; set; }
    public string? RootThumbprint { get; set; }
    public string? RootPrincipal { get; set; }
    public Dictionary<string, Binding> Bindings { get; set; } = new(StringComparer.OrdinalIgnoreCase);
    public List<string> Revoked { get; set; } = [];
    public List<string> RootKeys { get; set; } = [];
    public List<string> RootPrincipals { get; set; } = [];
    public Dictionary<string, string[]> Proposals { get; set; } = new(StringComparer.OrdinalIgnoreCase);
    public List<long> Restores { get; set; } = [];
    /// <summary>The last record of the log a root archived (ArchiveLog): records up to it may be gone from the store.</summary>
    public long ArchivedUntil { get; set; }
    public Dictionary<string, Admin> Admins { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
