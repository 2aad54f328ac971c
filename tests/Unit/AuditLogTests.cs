using CsCheck;
using Xunit;

namespace PimModule.Tests;

public class AuditLogTests
{
    private static TestStore WithHistory()
    {
        var t = new TestStore();
        for (var i = 1; i <= 5; i++)
        {
            t.Clock.Advance(TimeSpan.FromMinutes(1));
            t.Store.Roles.Create($"Role {i}", null);
        }
        return t;
    }

    [Fact]
    public void A_fresh_chain_verifies()
    {
        using var t = WithHistory();
        var r = t.Store.Audit.Verify();
        Assert.True(r.IsValid, r.Reason);
        Assert.Equal(7, r.RecordsChecked);
    }

    [Fact]
    public void Records_take_the_injected_clock_in_utc()
    {
        using var t = WithHistory();
        var last = t.Store.Audit.Query(new PimAuditQuery()).Last();
        Assert.Equal(new DateTime(2026, 1, 5, 9, 5, 0, DateTimeKind.Utc), last.DateTime);
        Assert.Equal(DateTimeKind.Utc, last.DateTime.Kind);
    }

    [Theory]
    [InlineData("UPDATE audit_log SET actor = 'x' WHERE sequence = 3", 3L)]
    [InlineData("UPDATE audit_log SET at_utc = at_utc + 1 WHERE sequence = 5", 5L)]
    [InlineData("UPDATE audit_log SET audit_id = upper(audit_id) WHERE sequence = 2", 2L)]
    [InlineData("UPDATE audit_log SET before_json = '{}' WHERE sequence = 6", 6L)]
    [InlineData("DELETE FROM audit_log WHERE sequence = 4", 5L)]
    [InlineData("UPDATE audit_log SET prev_hash = 'x' WHERE sequence = 2", 2L)]
    public void Tampering_is_found_at_the_first_bad_record(string sql, long firstBad)
    {
        using var t = WithHistory();
        t.Sql(sql);
        var r = t.Store.Audit.Verify();
        Assert.False(r.IsValid);
        Assert.Equal(firstBad, r.FirstInvalidSequence);
        Assert.False(string.IsNullOrEmpty(r.Reason));
    }

    [Fact]
    public void Truncating_the_newest_records_is_found()
    {
        using var t = WithHistory();
        t.Sql("DELETE FROM audit_log WHERE sequence >= 6");
        var r = t.Store.Audit.Verify();
        Assert.False(r.IsValid);
        Assert.Contains("removed", r.Reason);
    }

    [Fact]
    public void Rewriting_the_whole_tail_consistently_is_still_found_through_the_head()
    {
        using var t = WithHistory();
        // An attacker who deletes the last record and fixes nothing else leaves the head pointing past the log.
        t.Sql("DELETE FROM audit_log WHERE sequence = 7");
        Assert.False(t.Store.Audit.Verify().IsValid);
    }

    [Fact]
    public void Hash_covers_every_field()
    {
        var a = AuditLog.ComputeHash(1, "id", 10, "actor", "act", "tt", "tid", "rid", "p", "b", "a", AuditLog.Genesis);
        Assert.NotEqual(a, AuditLog.ComputeHash(1, "id", 10, "actor", "act", "tt", "tid", "rid", "p", "b", null, AuditLog.Genesis));
        Assert.NotEqual(a, AuditLog.ComputeHash(2, "id", 10, "actor", "act", "tt", "tid", "rid", "p", "b", "a", AuditLog.Genesis));
        // Field boundaries are length-prefixed: moving text between fields changes the hash.
        Assert.NotEqual(AuditLog.ComputeHash(1, "id", 10, "ab", "c", "tt", null, null, null, null, null, ""),
                        AuditLog.ComputeHash(1, "id", 10, "a", "bc", "tt", null, null, null, null, null, ""));
    }

    /// <summary>The record hash as it was first written (text joined, then UTF-8, then SHA-256): the log's definition.</summary>
    private static string ReferenceHash(long seq, string id, long atTicks, string actor, string action, string targetType,
        string? targetId, string? roleId, string? principal, string? before, string? after, string prevHash)
    {
        var sb = new System.Text.StringBuilder();
        void Field(string? v)
        {
            if (v is null) { sb.Append("-1:"); return; }
            sb.Append(v.Length).Append(':').Append(v);
        }
        Field(seq.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field(id);
        Field(atTicks.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field(actor); Field(action); Field(targetType); Field(targetId); Field(roleId); Field(principal);
        Field(before); Field(after); Field(prevHash);
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(sb.ToString()))).ToLowerInvariant();
    }

    [Fact]
    public void Hash_is_the_logs_definition_for_any_text()
    {
        // Lone surrogates, non-ASCII, empty and missing fields, texts long enough for a rented buffer: the same hash as the
        // text joined and encoded at once, so every record written before stays valid.
        var chars = Gen.Frequency((6, Gen.Char[' ', '~']), (2, Gen.Char["\uD800\uDC00\uDBFF\uDFFF\u00E9\u212A\u0000\uFFFD\u4E2D"]), (1, Gen.Char));
        var text = Gen.Frequency((8, Gen.String[chars, 0, 60]), (1, Gen.String[chars, 0, 30000]));
        var maybe = Gen.Frequency((4, text.Select(static string? (t) => t)), (1, Gen.Const((string?)null)));
        Gen.Select(Gen.Long, Gen.Long, maybe.Array[12]).Sample((seq, at, f) =>
            Assert.Equal(ReferenceHash(seq, f[0] ?? "", at, f[1] ?? "", f[2] ?? "", f[3] ?? "", f[4], f[5], f[6], f[7], f[8], f[9] ?? ""),
                         AuditLog.ComputeHash(seq, f[0] ?? "", at, f[1] ?? "", f[2] ?? "", f[3] ?? "", f[4], f[5], f[6], f[7], f[8], f[9] ?? "")),
            iter: 3000);
    }

    [Fact]
    public void Queries_filter_by_action_and_time()
    {
        using var t = WithHistory();
        Assert.Equal(5, t.Store.Audit.Query(new PimAuditQuery { Actions = ["AddRole"] }).Count);
        var since = new DateTime(2026, 1, 5, 9, 3, 0, DateTimeKind.Utc);
        Assert.Equal(3, t.Store.Audit.Query(new PimAuditQuery { Since = since }).Count);
    }
}
