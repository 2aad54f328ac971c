using System.Data;
using Dapper;
using Microsoft.Data.Sqlite;
using PimModule.Storage;
using Xunit;

namespace PimModule.Tests;

/// <summary>
/// Dapper binds the store's values as the schema holds them: a DateTime as INTEGER ticks (never TEXT, which SQLite sorts
/// after every INTEGER: DELETE … WHERE end_utc &lt; @cut would then delete every time-bound row), a Guid as text, a bool
/// as 0/1, a TimeSpan as ticks — and reads them back with Kind Utc.
/// </summary>
public class SqlTypesTests
{
    private sealed record Probe(DateTime At, DateTime? End, Guid Id, Guid? Other, bool Flag, TimeSpan? Duration, PimAssignmentType Type);

    private static (SqliteConnection Connection, List<(string Name, DbType Type, object Value)> Bound) Capture()
    {
        SqlTypes.Register();
        var c = new SqliteConnection("Data Source=:memory:");
        c.Open();
        return (c, []);
    }

    [Theory]
    [InlineData("at")]
    [InlineData("end")]
    public void A_time_binds_as_utc_ticks(string name)
    {
        var (c, _) = Capture();
        using var _c = c;
        var at = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        var type = c.ExecuteScalar<string>($"SELECT typeof(@{name})", new Dictionary<string, object?> { [name] = (DateTime?)at });
        Assert.Equal("integer", type);
        Assert.Equal(at.Ticks, c.ExecuteScalar<long>($"SELECT @{name}", new Dictionary<string, object?> { [name] = at }));
    }

    [Fact]
    public void Every_handled_type_binds_as_the_schema_holds_it()
    {
        var (c, _) = Capture();
        using var _c = c;
        var row = c.QuerySingle<(string, string, string, string, string)>(
            "SELECT typeof(@at), typeof(@id), typeof(@flag), typeof(@duration), typeof(@type)",
            new { at = DateTime.UtcNow, id = Guid.NewGuid(), flag = true, duration = TimeSpan.FromHours(1), type = PimAssignmentType.Active.ToString() });
        Assert.Equal(("integer", "text", "integer", "integer", "text"), row);
        Assert.Equal(1L, c.ExecuteScalar<long>("SELECT @flag", new { flag = true }));
        Assert.Equal(TimeSpan.FromHours(1).Ticks, c.ExecuteScalar<long>("SELECT @d", new { d = TimeSpan.FromHours(1) }));
    }

    [Fact]
    public void A_deletion_before_a_cut_keeps_what_ends_after_it()
    {
        var (c, _) = Capture();
        using var _c = c;
        c.Execute("CREATE TABLE t (end_utc INTEGER)");
        var now = new DateTime(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc);
        c.Execute("INSERT INTO t (end_utc) VALUES (@e)", new[] { new { e = now.AddDays(-1) }, new { e = now.AddDays(1) } });
        Assert.Equal(1, c.Execute("DELETE FROM t WHERE end_utc < @cut", new { cut = now }));
        Assert.Equal(1L, c.ExecuteScalar<long>("SELECT COUNT(*) FROM t"));
    }

    [Fact]
    public void Rows_read_back_with_kind_utc_guids_flags_and_enums_from_text()
    {
        var (c, _) = Capture();
        using var _c = c;
        var at = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        var id = Guid.NewGuid();
        var p = c.QuerySingle<Probe>("SELECT @at AS At, NULL AS \"End\", @id AS Id, NULL AS Other, 1 AS Flag, @d AS Duration, 'Active' AS Type",
            new { at, id, d = TimeSpan.FromMinutes(5) });
        Assert.Equal(at, p.At);
        Assert.Equal(DateTimeKind.Utc, p.At.Kind);
        Assert.Null(p.End);
        Assert.Equal(id, p.Id);
        Assert.True(p.Flag);
        Assert.Equal(TimeSpan.FromMinutes(5), p.Duration);
        Assert.Equal(PimAssignmentType.Active, p.Type);
    }
}
