using System.Globalization;
using System.Text.Json.Nodes;
using PimModule.Audit;

namespace PimModule.Snapshots;

/// <summary>
/// What a root key seals of a snapshot, spelled one way only (canonical JSON, RFC 8785): the store, the record it stands
/// at and its hash, the digest of the verified state there, the content's SHA-256, size and checkpoint format, the rules
/// version, the records still pending (sequence and time) and its sealer's time (a claim, decided by nothing).
/// </summary>
internal sealed record SnapshotSeal(string StoreId, long Sequence, string HeadHash, string StateDigest, string ContentSha256, long Size, string Format,
    int Rules, IReadOnlyList<(long Sequence, long Ticks)> Pending, long AtTicks)
{
    private const string Kind = "pim-snapshot";

    public byte[] Payload()
    {
        var pending = new JsonArray();
        foreach (var (seq, ticks) in Pending.OrderBy(p => p.Sequence))
            pending.Add(new JsonObject { ["seq"] = seq, ["at"] = ticks.ToString(CultureInfo.InvariantCulture) });
        return CanonicalJson.Serialize(new JsonObject
        {
            ["v"] = 1, ["kind"] = Kind, ["store"] = StoreId, ["seq"] = Sequence, ["head"] = HeadHash, ["state"] = StateDigest,
            ["content"] = new JsonObject { ["sha256"] = ContentSha256, ["size"] = Size.ToString(CultureInfo.InvariantCulture), ["format"] = Format },
            ["rules"] = Rules, ["pending"] = pending, ["at"] = AtTicks.ToString(CultureInfo.InvariantCulture),
        });
    }

    /// <summary>The seal a payload spells; null when it is not one, or not in its one canonical spelling.</summary>
    public static SnapshotSeal? Parse(byte[] payload)
    {
        try
        {
            if (JsonNode.Parse(payload) is not JsonObject o || (string?)o["kind"] != Kind || (int?)o["v"] != 1) return null;
            if (o["content"] is not JsonObject c || o["pending"] is not JsonArray p) return null;
            var pending = p.Select(x => x is JsonObject e ? ((long)e["seq"]!, long.Parse((string)e["at"]!, CultureInfo.InvariantCulture)) : throw new FormatException()).ToList();
            var seal = new SnapshotSeal((string)o["store"]!, (long)o["seq"]!, (string)o["head"]!, (string)o["state"]!, (string)c["sha256"]!,
                long.Parse((string)c["size"]!, CultureInfo.InvariantCulture), (string)c["format"]!, (int)o["rules"]!, pending,
                long.Parse((string)o["at"]!, CultureInfo.InvariantCulture));
            return seal.Payload().AsSpan().SequenceEqual(payload) ? seal : null;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException or OverflowException
                                       or ArgumentException or NullReferenceException)
        {
            return null;
        }
    }
}
