using System.Text.Json;
using PimModule.Errors;

namespace PimModule.Identity.Keys;

/// <summary>What a user has verified of one store: pinned on first use (or from -TrustAnchor) and moved forward as they verify.</summary>
internal sealed record KnownStore(string Location, string StoreId, string Root, long Sequence, string HeadHash)
{
    /// <summary>The last confirmed restore (its record's sequence) in the log this user verified; 0 when none.</summary>
    public long LastRestore { get; init; }
}

/// <summary>
/// The user's known-stores file (known-stores.json in their PimModule folder, 0600, replaced atomically under a lock):
/// per location, the store id, the root key's thumbprint and the highest sequence with its head hash that this user
/// has verified. Another store or another root at a known location is PimStoreTrustChanged; a store whose log does not
/// extend what the user verified (cut off, or cut off and grown again by honest writers) is PimStoreRolledBack.
/// </summary>
internal sealed class KnownStores
{
    /// <summary>The file's shape (its JSON: <see cref="KnownStoresJson"/>, camelCase and indented).</summary>
    internal sealed record FileShape(int Version, List<KnownStore> Stores);

    public KnownStores(string? path = null) => FilePath = path ?? System.IO.Path.Combine(UserFolder.Path(), "known-stores.json");

    public string FilePath { get; }

    public KnownStore? Find(string location) => Read().FirstOrDefault(s => Same(s.Location, location));

    private static bool Same(string a, string b) => string.Equals(a, b, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    private List<KnownStore> Read()
    {
        if (!File.Exists(FilePath)) return [];
        try
        {
            return Parse(File.ReadAllText(FilePath));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw PimErrors.StoreTrustChanged($"The known-stores file '{FilePath}' is not readable ({e.Message}); no store is trusted from it.",
                FilePath, "Restore the file from a backup, or remove it and pin each store again with -TrustAnchor.", e);
        }
    }

    /// <summary>
    /// The file's stores, read through <see cref="JsonDocument"/> (every connect reads the file; the serializer's metadata
    /// for these types costs a process more than the reading). As the serializer read it: names as written (camelCase),
    /// unknown ones skipped, <c>lastRestore</c> 0 when absent; a store without its location, id, root, sequence or head is
    /// not a pin, and the file is refused.
    /// </summary>
    private static List<KnownStore> Parse(string text)
    {
        using var doc = JsonDocument.Parse(text);
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException("the file is not a JSON object");
        if (!doc.RootElement.TryGetProperty("stores", out var stores) || stores.ValueKind == JsonValueKind.Null) return [];
        if (stores.ValueKind != JsonValueKind.Array) throw new JsonException("'stores' is not an array");
        var list = new List<KnownStore>(stores.GetArrayLength());
        foreach (var s in stores.EnumerateArray())
        {
            if (s.ValueKind != JsonValueKind.Object) throw new JsonException("a store is not a JSON object");
            list.Add(new KnownStore(Text(s, "location"), Text(s, "storeId"), Text(s, "root"), Number(s, "sequence"), Text(s, "headHash"))
            {
                LastRestore = s.TryGetProperty("lastRestore", out var r) && r.ValueKind != JsonValueKind.Null ? r.GetInt64() : 0,
            });
        }
        return list;

        static string Text(JsonElement s, string name)
            => s.TryGetProperty(name, out var v) && v.GetString() is { } t ? t : throw new JsonException($"a store has no '{name}'");

        static long Number(JsonElement s, string name)
            => s.TryGetProperty(name, out var v) ? v.GetInt64() : throw new JsonException($"a store has no '{name}'");
    }

    /// <summary>
    /// Checks a store against the pin for its location and records what was verified now. <paramref name="hashAt"/> gives
    /// the verified head hash of the store's chain at a sequence (null when the chain is shorter). With no pin, the store is
    /// pinned (trust on first use) unless <paramref name="anchor"/> names another store or root.
    /// </summary>
    /// <param name="restores">
    /// The sequences of the restores confirmed by administrators in the verified log (Confirm-PimStoreRestore). A log that
    /// does not extend the pin is accepted when it holds a restore this user had not seen, to a point before what they saw:
    /// what they saw after it was given up on purpose, and the pin moves to the restored log. A restore they had seen
    /// excuses nothing later.
    /// </param>
    /// <param name="latest">
    /// The hash of a record in the store as it is now, outside the snapshot <paramref name="hashAt"/> reads (null: the same).
    /// A pin further on than <paramref name="sequence"/> is no rollback when the store now holds both it and this head:
    /// another session of this user (a second window, a runbook on the same account) verified records committed after this
    /// snapshot began. The pin then stays where it is.
    /// </param>
    public void CheckAndAdvance(string location, string storeId, string root, long sequence, string headHash,
        Func<long, string?> hashAt, (string StoreId, string Root)? anchor = null, IReadOnlyList<long>? restores = null,
        Func<long, string?>? latest = null)
        => Check(location, storeId, root, sequence, headHash, hashAt, anchor, behindIsRollback: true, restores ?? [], latest ?? hashAt);

    /// <summary>
    /// After this session verified or wrote: moves the pin of the location forward to its head, only when that extends the
    /// pin (the store holds the pin's record under it). A pin already further on (another session of this user) stays,
    /// once the store is seen to hold it and this head; <paramref name="hashAt"/> reads the store as it is now.
    /// </summary>
    public void Advance(string location, string storeId, string root, long sequence, string headHash, Func<long, string?> hashAt)
        => Check(location, storeId, root, sequence, headHash, hashAt, null, behindIsRollback: false, null, hashAt);

    private void Check(string location, string storeId, string root, long sequence, string headHash,
        Func<long, string?> hashAt, (string StoreId, string Root)? anchor, bool behindIsRollback, IReadOnlyList<long>? restores,
        Func<long, string?> latest)
    {
        if (anchor is { } a && (!string.Equals(a.StoreId, storeId, StringComparison.OrdinalIgnoreCase) || !string.Equals(a.Root, root, StringComparison.OrdinalIgnoreCase)))
            throw PimErrors.StoreTrustChanged($"The store at {location} is {storeId} with root key {root}, not the trust anchor {a.StoreId}:{a.Root} that was given.",
                location, "Check that -TrustAnchor names this store and its root, and that the store was not replaced.");
        UserFolder.Locked(FilePath, () =>
        {
            var stores = Read();
            var pin = stores.FirstOrDefault(s => Same(s.Location, location));
            if (pin is not null && anchor is not null &&
                (!string.Equals(pin.StoreId, storeId, StringComparison.OrdinalIgnoreCase) || !string.Equals(pin.Root, root, StringComparison.OrdinalIgnoreCase)))
            {
                stores.Remove(pin); // the trust anchor, given explicitly (and matched above), replaces a pin of another store
                pin = null;
            }
            if (pin is not null)
            {
                if (!string.Equals(pin.StoreId, storeId, StringComparison.OrdinalIgnoreCase) || !string.Equals(pin.Root, root, StringComparison.OrdinalIgnoreCase))
                    throw PimErrors.StoreTrustChanged(
                        $"The store at {location} is {storeId} with root key {Short(root)}, but you trusted store {pin.StoreId} with root key {Short(pin.Root)} there.",
                        location, "If the store was replaced on purpose, connect with -TrustAnchor <storeId>:<thumbprint> given by its administrator.");
                // The pin moves only forward: this head replaces it only when it extends it. A pin further on, that the store
                // holds now with this head under it, was moved there by another session of this user: it stays.
                if (sequence < pin.Sequence && string.Equals(latest(pin.Sequence), pin.HeadHash, StringComparison.Ordinal)
                    && string.Equals(latest(sequence), headHash, StringComparison.Ordinal))
                    return 0;
                var extends = !(behindIsRollback && sequence < pin.Sequence) && string.Equals(hashAt(pin.Sequence), pin.HeadHash, StringComparison.Ordinal);
                if (!extends && restores is not null && restores.Any(r => r > pin.LastRestore && r <= pin.Sequence))
                {
                    stores.Remove(pin);
                    stores.Add(new KnownStore(location, storeId, root, sequence, headHash) { LastRestore = restores[^1] });
                    UserFolder.WriteAtomically(FilePath, JsonSerializer.Serialize(new FileShape(1, stores), KnownStoresJson.Default.FileShape), overwrite: true);
                    return 0;
                }
                if (!extends)
                    throw PimErrors.StoreRolledBack(
                        $"The store at {location} does not extend what you verified: you saw record {pin.Sequence} with hash {Short(pin.HeadHash)}, and its log " +
                        (sequence < pin.Sequence ? $"now ends at record {sequence}." : "now holds another record there."),
                        location, "If an administrator restored it from a backup, they confirm it with Confirm-PimStoreRestore; otherwise the store was tampered with.");
                if (sequence <= pin.Sequence) return 0;
                stores.Remove(pin);
            }
            stores.Add(new KnownStore(location, storeId, root, sequence, headHash)
            {
                LastRestore = restores is { Count: > 0 } ? restores[^1] : pin?.LastRestore ?? 0,
            });
            UserFolder.WriteAtomically(FilePath, JsonSerializer.Serialize(new FileShape(1, stores), KnownStoresJson.Default.FileShape), overwrite: true);
            return 0;
        });
    }

    /// <summary>Forgets the pin of a location (after an administrator confirmed a restore, the next connect pins anew).</summary>
    public void Forget(string location) => UserFolder.Locked(FilePath, () =>
    {
        var stores = Read();
        if (stores.RemoveAll(s => Same(s.Location, location)) > 0)
            UserFolder.WriteAtomically(FilePath, JsonSerializer.Serialize(new FileShape(1, stores), KnownStoresJson.Default.FileShape), overwrite: true);
        return 0;
    });

    private static string Short(string s) => s.Length > 16 ? s[..16] + "…" : s;
}
