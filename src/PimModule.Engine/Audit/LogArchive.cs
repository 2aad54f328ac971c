using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using PimModule.Audit.Events;
using PimModule.Errors;
using PimModule.Identity.Keys;
using PimModule.Storage;

namespace PimModule.Audit;

/// <summary>
/// An archive of a closed range of a Verified store's log (Export-PimAuditLog -Until &lt;snapshot&gt; [-Remove]): the records
/// after the previous archive up to a snapshot's record, with their seals, as JSON lines in Export-PimAuditLog's format
/// under a header of its own (<c>{"format":"pim-audit-archive","version":1,"storeId","from","until","headHash"}</c>). With
/// -Remove a root-level principal's sealed ArchiveLog record, carrying the file's SHA-256, removes them from the store —
/// except the transactions that name or change keys (what a new user follows from their trust anchor to the root key of a
/// snapshot) and the last one, which ends at the snapshot's record (where every checkpoint and replay resumes).
/// Test-PimAuditLog -ArchivePath verifies across the archives (<see cref="Read"/>).
/// </summary>
internal static class LogArchive
{
    public const string Format = "pim-audit-archive";

    /// <summary>Every archive the store's log names (as stored), oldest first.</summary>
    public static List<ArchiveView> All(UnitOfWork work)
        => AuditLogTable.KeyRecords(work, long.MaxValue).Where(r => r.Action == Seals.ArchiveAction)
            .Select(r => EventJson.Read<ArchiveView>(r.AfterJson)).OfType<ArchiveView>().ToList();

    /// <summary>The newest archive the store's log names (as stored; the replay verifies the record), or null.</summary>
    public static ArchiveView? Newest(UnitOfWork work)
        => AuditLogTable.KeyRecords(work, long.MaxValue).LastOrDefault(r => r.Action == Seals.ArchiveAction) is { AfterJson: { } json }
            ? EventJson.Read<ArchiveView>(json) : null;

    /// <summary>Writes the records after <paramref name="from"/> up to <paramref name="until"/> and their seals; the records and seals written.</summary>
    public static (long Records, long Seals) Write(UnitOfWork work, TextWriter output, long from, long until, string headHash)
    {
        output.Write(Line(new JsonObject
        {
            ["format"] = Format, ["version"] = 1, ["storeId"] = StoreInfoTable.Get(work, StoreInfoTable.StoreId) ?? "",
            ["from"] = from, ["until"] = until, ["headHash"] = headHash,
        }));
        var seals = SealsTable.After(work, from, until);
        var next = 0;
        long records = 0;
        foreach (var f in AuditLogTable.StoredText(work, from, until))
        {
            records++;
            var sequence = long.Parse(f[0]!, CultureInfo.InvariantCulture);
            output.Write(Line(AuditExport.Record(f)));
            while (next < seals.Count && seals[next].ToSequence == sequence)
                output.Write(Line(AuditExport.Seal(seals[next++])));
        }
        return (records, next);
    }

    /// <summary>
    /// Removes the archived range from the store (in the caller's write transaction), keeping the transactions that name or
    /// change keys and the last one; the snapshots before <paramref name="until"/> go too. The records removed.
    /// </summary>
    public static long Remove(UnitOfWork work, long from, long until)
    {
        // The transactions kept (those holding a key record, and the last), in chain order; the records and seals between
        // them go, a range at a time (a statement per gap, not per transaction).
        var keys = AuditLogTable.KeyRecords(work, until).Select(k => k.Sequence).Where(k => k > from).ToList();
        var kept = new List<(long From, long To)>();
        var next = 0;
        foreach (var t in SealsTable.After(work, from, until))
        {
            while (next < keys.Count && keys[next] <= t.FromSequence) next++;
            if (t.ToSequence == until || (next < keys.Count && keys[next] <= t.ToSequence)) kept.Add((t.FromSequence, t.ToSequence));
        }
        long removed = 0;
        var cursor = from;
        foreach (var (keepFrom, keepTo) in kept)
        {
            if (keepFrom > cursor)
            {
                removed += AuditLogTable.DeleteRange(work, cursor, keepFrom);
                SealsTable.DeleteRange(work, cursor, keepFrom);
            }
            cursor = keepTo;
        }
        SnapshotsTable.DeleteBefore(work, until);
        return removed;
    }

    /// <summary>An archive file as Test-PimAuditLog reads it: its range, its records (as stored text) and seals, and its SHA-256.</summary>
    internal sealed record File(string Path, string StoreId, long From, long Until, string HeadHash, List<string?[]> Records, List<SealRow> Seals, string Sha256);

    /// <summary>Reads an archive file (at most 4 GB); PimInputInvalid when it is not one.</summary>
    public static File Read(string path)
    {
        PimException Bad(string why, Exception? inner = null) => PimErrors.InputValueInvalid($"'{path}' is not a PimModule archive of an audit log: {why}.", path,
            "Give the file Export-PimAuditLog -Until -Remove wrote (-ArchivePath takes each archive of the store, oldest first).", inner);
        string sha;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20))
            sha = Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
        var records = new List<string?[]>();
        var seals = new List<SealRow>();
        JsonObject? header = null;
        var line = 0;
        foreach (var text in System.IO.File.ReadLines(path))
        {
            line++;
            JsonObject o;
            try { o = JsonNode.Parse(text) as JsonObject ?? throw Bad($"line {line} is not a JSON object"); }
            catch (System.Text.Json.JsonException e) { throw Bad($"line {line} is not JSON", e); }
            if (header is null)
            {
                if ((string?)o["format"] != Format || (int?)o["version"] != 1) throw Bad("its first line is not an archive's header");
                header = o;
                continue;
            }
            try
            {
                switch ((string?)o["type"])
                {
                    case "record":
                        records.Add([((long)o["seq"]!).ToString(CultureInfo.InvariantCulture), (string?)o["auditId"], (string?)o["atTicks"], (string?)o["actor"],
                            (string?)o["action"], (string?)o["targetType"], (string?)o["targetId"], (string?)o["roleId"], (string?)o["principal"], (string?)o["before"],
                            (string?)o["after"], (string?)o["prevHash"], (string?)o["hash"]]);
                        break;
                    case "seal":
                        seals.Add(new SealRow((long)o["from"]!, (long)o["to"]!, (string)o["jws"]!));
                        break;
                    default: throw Bad($"line {line} is neither a record nor a seal");
                }
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException or ArgumentException)
            {
                throw Bad($"line {line} is not a record or seal as Export-PimAuditLog writes them", e);
            }
        }
        if (header is null) throw Bad("it is empty");
        try
        {
            return new File(path, (string)header["storeId"]!, (long)header["from"]!, (long)header["until"]!, (string)header["headHash"]!, records, seals, sha);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
        {
            throw Bad("its header does not name its range", e);
        }
    }

    private static string Line(JsonObject o) => CanonicalJson.SerializeToString(o) + "\n";
}
