using System.Text.Json.Nodes;
using PimModule.Audit;
using PimModule.Errors;

namespace PimModule.Identity.Keys;

/// <summary>A seal's payload: what it says of the chain (store, previous head, new head) and the rules version it was decided under, spelled one way only.</summary>
internal static partial class Seals
{
    /// <summary>
    /// A seal's payload: format 2 names the rules version its transaction was decided under (<see cref="Kernel.RulesVersion"/>);
    /// format 1 (<paramref name="rules"/> null), what PimModule sealed before, names none and stands for version 1.
    /// </summary>
    public static byte[] Payload(string storeId, long prevSequence, string prevHash, long headSequence, string headHash, int? rules = null)
    {
        var payload = new JsonObject
        {
            ["v"] = rules is null ? 1 : 2, ["store"] = storeId,
            ["prev"] = new JsonObject { ["seq"] = prevSequence, ["hash"] = prevHash },
            ["head"] = new JsonObject { ["seq"] = headSequence, ["hash"] = headHash },
        };
        if (rules is { } version) payload["rules"] = version;
        return CanonicalJson.Serialize(payload);
    }


    /// <summary>True when the payload is this store's, from (prevSeq, prevHash) to headSeq; gives the head hash it names.</summary>
    private static bool MatchesExceptHead(byte[] payload, string storeId, long prevSeq, string prevHash, long headSeq, out string? headHash, out int rules)
    {
        headHash = null;
        rules = Kernel.RulesVersion.First;
        string? h;
        int? named = null;
        try
        {
            if (JsonNode.Parse(payload) is not JsonObject o) return false;
            h = o["head"] is JsonObject head && head["hash"] is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;
            if (o["rules"] is JsonValue r && r.TryGetValue<int>(out var version)) named = version;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException or ArgumentException) { return false; }
        if (h is null) return false;
        headHash = h;
        rules = named ?? Kernel.RulesVersion.First;
        // Byte for byte the canonical payload of its format: no second spelling of one seal.
        return payload.AsSpan().SequenceEqual(Payload(storeId, prevSeq, prevHash, headSeq, h, named));
    }

    /// <summary>True when a verified seal's payload covers this store's records after (prevSeq, prevHash) up to (headSeq, headHash).</summary>
    internal static bool Covers(byte[] payload, string storeId, long prevSeq, string prevHash, long headSeq, string headHash)
        => MatchesExceptHead(payload, storeId, prevSeq, prevHash, headSeq, out var h, out _) && string.Equals(h, headHash, StringComparison.Ordinal);

    /// <summary>The root key a genesis (CreateStore) or protection (ProtectStore) record names, as (thumbprint, principal, PEM); null when none.</summary>
    internal static (string Thumbprint, string Principal, string Pem)? RootNamedBy(long sequence, string action, string? afterJson)
    {
        var root = Root(new SealedRecord(sequence, "", action, "", afterJson));
        if (root is null) return null;
        using (root.Key) return (root.Key.Thumbprint, Principal.Fold(root.Principal), root.Pem);
    }
}
