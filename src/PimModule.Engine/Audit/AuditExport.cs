using System.Text.Json.Nodes;
using PimModule.Storage;

namespace PimModule.Audit;

/// <summary>
/// Export-PimAuditLog: the log with its seals as JSON lines, each line one RFC 8785 canonical JSON object, so anyone can
/// check it with a standard library (docs/security.md, "Checking an exported log"):
/// <list type="bullet">
/// <item>line 1, <c>{"format":"pim-audit-log","version":1,"storeId","identityMode","genesisHash"}</c>;</item>
/// <item>one <c>{"type":"record", …}</c> per record, its fields as stored (at_utc as UTC ticks), in sequence order; the hash is
/// SHA-256 over the length-prefixed fields (each "length:value", null as "-1:") seq, auditId, atTicks, actor, action,
/// targetType, targetId, roleId, principal, before, after, prevHash;</item>
/// <item>after a transaction's last record, <c>{"type":"seal","from","to","jws"}</c> — a compact JWS whose protected header
/// names the key (kid = SHA-256 of its SubjectPublicKeyInfo) and the actor, over {"head":{"hash","seq"},"prev":{"hash","seq"},"store","v"}.</item>
/// </list>
/// Keys come from the log itself: the genesis record's RootPublicKey and each RegisterCredential record's PublicKey.
/// </summary>
internal static class AuditExport
{
    public const string Format = "pim-audit-log";

    public static (long Records, long Seals) Write(UnitOfWork work, TextWriter output)
    {
        var seals = SealsTable.All(work);
        var next = 0;
        output.Write(Line(new JsonObject
        {
            ["format"] = Format, ["version"] = 1, ["storeId"] = StoreInfoTable.Get(work, StoreInfoTable.StoreId) ?? "",
            ["identityMode"] = work.IdentityMode.ToString(), ["genesisHash"] = AuditLog.Genesis,
        }));
        long records = 0;
        foreach (var f in AuditLogTable.StoredText(work))
        {
            records++;
            var sequence = long.Parse(f[0]!, System.Globalization.CultureInfo.InvariantCulture);
            output.Write(Line(Record(f)));
            while (next < seals.Count && seals[next].ToSequence == sequence)
                output.Write(Line(Seal(seals[next++])));
        }
        return (records, next);
    }

    /// <summary>A record's line: its fields as stored (<see cref="AuditLogTable.StoredText"/>).</summary>
    internal static JsonObject Record(string?[] f) => new()
    {
        ["type"] = "record", ["seq"] = long.Parse(f[0]!, System.Globalization.CultureInfo.InvariantCulture), ["auditId"] = f[1],
        ["atTicks"] = f[2], ["actor"] = f[3], ["action"] = f[4], ["targetType"] = f[5], ["targetId"] = f[6], ["roleId"] = f[7],
        ["principal"] = f[8], ["before"] = f[9], ["after"] = f[10], ["prevHash"] = f[11], ["hash"] = f[12],
    };

    internal static JsonObject Seal(SealsTable.Row s) => new() { ["type"] = "seal", ["from"] = s.FromSequence, ["to"] = s.ToSequence, ["jws"] = s.Envelope };

    private static string Line(JsonObject o) => CanonicalJson.SerializeToString(o) + "\n";
}
