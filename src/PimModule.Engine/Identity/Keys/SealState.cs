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

    /// <summary>The state as a checkpoint keeps it (JSON, the property names as they are).</summary>
    public string ToJson() => System.Text.Json.JsonSerializer.Serialize(this, EngineJson.Default.SealState);

    /// <summary>
    /// The state a checkpoint kept (<see cref="ToJson"/>); null when it is not one (the checkpoint is then rebuilt). Read
    /// through <see cref="System.Text.Json.JsonDocument"/> rather than the serializer: every Verified connect reads it, and
    /// the serializer's metadata for these types costs a process more than the reading. Unknown properties are skipped, as
    /// the serializer skips them; the maps get the comparers a replay gives them.
    /// </summary>
    public static SealState? FromJson(string json)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != System.Text.Json.JsonValueKind.Object) return null;
            var s = new SealState();
            foreach (var p in root.EnumerateObject())
            {
                var v = p.Value;
                switch (p.Name)
                {
                    case nameof(SealedUpTo): s.SealedUpTo = v.GetInt64(); break;
                    case nameof(PrevHash): s.PrevHash = Text(v); break;
                    case nameof(Time): s.Time = TimeState(v); break;
                    case nameof(GenesisFrom): s.GenesisFrom = v.GetInt64(); break;
                    case nameof(CheckedRecords): s.CheckedRecords = v.GetInt64(); break;
                    case nameof(SealsChecked): s.SealsChecked = v.GetInt64(); break;
                    case nameof(RootThumbprint): s.RootThumbprint = v.GetString(); break;
                    case nameof(RootPrincipal): s.RootPrincipal = v.GetString(); break;
                    case nameof(Bindings):
                        foreach (var b in Entries(v))
                            s.Bindings[b.Name] = new Binding { Principal = Text(Member(b.Value, nameof(Binding.Principal))), Pem = Text(Member(b.Value, nameof(Binding.Pem))) };
                        break;
                    case nameof(Revoked): s.Revoked = Texts(v); break;
                    case nameof(RootKeys): s.RootKeys = Texts(v); break;
                    case nameof(RootPrincipals): s.RootPrincipals = Texts(v); break;
                    case nameof(Proposals):
                        foreach (var e in Entries(v)) s.Proposals[e.Name] = [.. Texts(e.Value)];
                        break;
                    case nameof(Restores): s.Restores = [.. Items(v).Select(r => r.GetInt64())]; break;
                    case nameof(ArchivedUntil): s.ArchivedUntil = v.GetInt64(); break;
                    case nameof(Admins):
                        foreach (var a in Entries(v))
                            s.Admins[a.Name] = new Admin
                            {
                                Principal = Text(Member(a.Value, nameof(Admin.Principal))), Start = Member(a.Value, nameof(Admin.Start)).GetInt64(),
                                End = a.Value.TryGetProperty(nameof(Admin.End), out var end) && end.ValueKind != System.Text.Json.JsonValueKind.Null ? end.GetInt64() : null,
                            };
                        break;
                }
            }
            return s;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException or OverflowException) { return null; }
    }

    private static TimeRule.State TimeState(System.Text.Json.JsonElement v)
    {
        var t = new TimeRule.State();
        foreach (var p in Entries(v))
        {
            switch (p.Name)
            {
                case nameof(TimeRule.State.RootFloor): t.RootFloor = p.Value.GetInt64(); break;
                case nameof(TimeRule.State.ActorFloors): foreach (var f in Entries(p.Value)) t.ActorFloors[f.Name] = f.Value.GetInt64(); break;
                case nameof(TimeRule.State.Pending):
                    foreach (var f in Entries(p.Value)) t.Pending[long.Parse(f.Name, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture)] = f.Value.GetInt64();
                    break;
                case nameof(TimeRule.State.LatestSeen): t.LatestSeen = p.Value.GetInt64(); break;
                case nameof(TimeRule.State.LatestCounted): t.LatestCounted = p.Value.GetInt64(); break;
            }
        }
        return t;
    }

    /// <summary>An object's properties (anything else is not a state: the checkpoint is rebuilt).</summary>
    private static System.Text.Json.JsonElement.ObjectEnumerator Entries(System.Text.Json.JsonElement v)
        => v.ValueKind == System.Text.Json.JsonValueKind.Object ? v.EnumerateObject() : throw new System.Text.Json.JsonException("not an object");

    private static System.Text.Json.JsonElement.ArrayEnumerator Items(System.Text.Json.JsonElement v)
        => v.ValueKind == System.Text.Json.JsonValueKind.Array ? v.EnumerateArray() : throw new System.Text.Json.JsonException("not an array");

    private static System.Text.Json.JsonElement Member(System.Text.Json.JsonElement v, string name)
        => v.ValueKind == System.Text.Json.JsonValueKind.Object && v.TryGetProperty(name, out var m) ? m : throw new System.Text.Json.JsonException($"no {name}");

    private static string Text(System.Text.Json.JsonElement v) => v.GetString() ?? throw new System.Text.Json.JsonException("no text");

    private static List<string> Texts(System.Text.Json.JsonElement v) => [.. Items(v).Select(Text)];
}
