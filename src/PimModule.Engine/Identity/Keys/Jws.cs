using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PimModule.Audit;
using PimModule.Errors;

namespace PimModule.Identity.Keys;

/// <summary>
/// JWS compact serialization (RFC 7515) of the store's seals. The protected header holds the algorithm, the key id
/// (the key's thumbprint) and the actor. A verifier never takes a key or an algorithm from an envelope: the key is the
/// one bound to the actor at that point of the chain, the algorithm is that key's, and embedded keys (jwk, x5c, jku,
/// x5u) are ignored; a header with "crit" is refused (no extension is understood).
/// </summary>
internal static class Jws
{
    public const string ActorHeader = "pim_actor";
    public const string Type = "pim-seal+jws";
    /// <summary>The type of a snapshot's envelope (never taken for a seal: its payload has another shape too).</summary>
    public const string SnapshotType = "pim-snapshot+jws";

    /// <summary>Signs a payload as <paramref name="actor"/> with <paramref name="key"/>: header.payload.signature.</summary>
    public static string Sign(PimKey key, string actor, ReadOnlySpan<byte> payload, string type = Type)
    {
        var header = new JsonObject { ["alg"] = key.Algorithm, ["kid"] = key.Thumbprint, ["typ"] = type, [ActorHeader] = actor };
        var signingInput = Base64Url(CanonicalJson.Serialize(header)) + "." + Base64Url(payload);
        var signature = key.Sign(Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64Url(signature);
    }

    /// <summary>The parts of an envelope, parsed but not verified.</summary>
    public sealed record Envelope(string Algorithm, string KeyId, string Actor, byte[] Payload, string SigningInput, byte[] Signature)
    {
        /// <summary>The header's "typ" (null when it names none).</summary>
        public string? Type { get; init; }
    }

    public static Envelope Parse(string compact)
    {
        var parts = compact.Split('.');
        if (parts.Length != 3) throw Invalid("an envelope has three parts (header.payload.signature)");
        JsonObject header;
        try
        {
            header = JsonNode.Parse(FromBase64Url(parts[0])) as JsonObject ?? throw Invalid("the header is not a JSON object");
        }
        catch (JsonException e)
        {
            throw Invalid("the header is not JSON", e);
        }
        try
        {
            _ = header.Count; // JsonObject builds its dictionary lazily: a duplicate member throws here
        }
        catch (ArgumentException e)
        {
            throw Invalid("the header names a member twice", e);
        }
        if (header.ContainsKey("crit")) throw Invalid("the header names critical extensions, which PimModule does not understand");
        static string Text(JsonObject h, string name)
            => h[name] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : throw Invalid($"the header has no '{name}'");
        return new Envelope(Text(header, "alg"), Text(header, "kid"), Text(header, ActorHeader), FromBase64Url(parts[1]),
            parts[0] + "." + parts[1], FromBase64Url(parts[2]))
        { Type = header["typ"] is JsonValue t && t.TryGetValue<string>(out var typ) ? typ : null };
    }

    /// <summary>
    /// Verifies an envelope against the key bound to its actor (<paramref name="boundKey"/>, found by the caller from the
    /// chain — never from the envelope) and returns its payload. Refuses a key id or algorithm other than the key's.
    /// </summary>
    public static byte[] Verify(Envelope envelope, PimKey boundKey)
    {
        if (!string.Equals(envelope.KeyId, boundKey.Thumbprint, StringComparison.OrdinalIgnoreCase))
            throw Invalid($"it is sealed by key {Short(envelope.KeyId)}, not by {Short(boundKey.Thumbprint)}, the key bound to {envelope.Actor}");
        if (!string.Equals(envelope.Algorithm, boundKey.Algorithm, StringComparison.Ordinal))
            throw Invalid($"its algorithm is {envelope.Algorithm}, but the key bound to {envelope.Actor} signs with {boundKey.Algorithm}");
        if (!boundKey.Verify(Encoding.ASCII.GetBytes(envelope.SigningInput), envelope.Signature))
            throw Invalid("its signature does not verify with the key bound to " + envelope.Actor);
        return envelope.Payload;
    }

    private static string Short(string thumbprint) => thumbprint.Length > 16 ? thumbprint[..16] + "…" : thumbprint;

    public static string Base64Url(ReadOnlySpan<byte> data) => Base64UrlEncode(data);

    private static string Base64UrlEncode(ReadOnlySpan<byte> data)
        => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] FromBase64Url(string text)
    {
        if (text.Length == 0 || text.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            throw Invalid("a part is not base64url");
        var s = text.Replace('-', '+').Replace('_', '/');
        s += (s.Length % 4) switch { 2 => "==", 3 => "=", 0 => "", _ => throw Invalid("a part is not base64url") };
        var bytes = Convert.FromBase64String(s);
        // Only the canonical encoding: the unused bits of the last character must be zero (no two texts for one envelope).
        if (Base64UrlEncode(bytes) != text) throw Invalid("a part is not in canonical base64url");
        return bytes;
    }

    private static PimException Invalid(string why, Exception? inner = null)
        => PimErrors.SealInvalid($"The seal is invalid: {why}.", null, "Run Test-PimAuditLog to find the first record that does not verify.", inner);
}
