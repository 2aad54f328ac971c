using Microsoft.Data.Sqlite;
using Npgsql;
using PimModule.Storage.Postgres;
using Xunit;

namespace PimModule.Tests;

/// <summary>
/// A full disk is a clear PimStoreFull (never a NullReferenceException or a generic error), and nothing of the
/// command that hit it is written. SQLite's disk is made "full" with PRAGMA max_page_count on the store's pooled
/// connections (the pragma is per connection); PostgreSQL's disk-full SQLSTATE 53100 is checked through the
/// provider's translation, since a test cannot fill the server's disk.
/// Runs alone (collection <see cref="PooledConnectionsCollection"/>): any other test's dispose clears every SQLite
/// pool, and with it the capped connections, which let a write through on a "full" disk.
/// </summary>
[Collection(PooledConnectionsCollection.Name)]
public class StoreFullTests
{
    /// <summary>Caps the store at its current size on every pooled connection the engine will use next.</summary>
    private static void FillDisk(PimStore store, int connections = 4) => CapPooledConnections(store, connections, 0, null);

    /// <summary>Runs PRAGMA max_page_count = (pages now + <paramref name="extraPages"/>), then <paramref name="then"/>, on pooled connections.</summary>
    private static void CapPooledConnections(PimStore store, int connections, int extraPages, string? then)
    {
        var held = new List<System.Data.Common.DbConnection>();
        try
        {
            for (var i = 0; i < connections; i++) held.Add(store.Session.OpenConnectionWithRetry());
            foreach (var c in held)
            {
                using var cmd = c.CreateCommand();
                cmd.CommandText = "PRAGMA page_count";
                var pages = Convert.ToInt64(cmd.ExecuteScalar());
                cmd.CommandText = $"PRAGMA max_page_count = {pages + extraPages}";
                cmd.ExecuteNonQuery();
                if (then is null) continue;
                cmd.CommandText = then;
                cmd.ExecuteNonQuery();
            }
        }
        finally
        {
            foreach (var c in held) c.Dispose(); // back to the pool, the cap kept
        }
    }

    private static void AssertFull(PimException e)
    {
        Assert.Equal("PimStoreFull", e.ErrorId);
        Assert.Equal(PimErrorCategory.LimitsExceeded, e.Category);
        Assert.Contains("full", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Nothing of this command was written", e.Message);
        Assert.Contains("Free", e.RecommendedAction);
    }

    /// <summary>The store after the disk has room again: it opens, its audit chain verifies, and it holds what was committed.</summary>
    private static PimStore Reopen(TestStore t)
    {
        SqliteConnection.ClearAllPools(); // the capped connections go; new ones have room
        var store = t.Open("admin@contoso.com");
        var check = store.Audit.Verify();
        Assert.True(check.IsValid, check.Reason);
        return store;
    }

    [SqliteFact]
    public void A_single_change_on_a_full_disk_is_PimStoreFull_and_writes_nothing()
    {
        using var t = new TestStore();
        var before = t.Store.GetInfo();
        FillDisk(t.Store);
        var created = 0;
        PimException? full = null;
        for (var i = 0; i < 2000 && full is null; i++)
        {
            try
            {
                t.Store.Roles.Create($"Role {i:D4} " + new string('x', 100), new string('d', 400));
                created++;
            }
            catch (PimException e)
            {
                full = e;
            }
        }
        Assert.NotNull(full);
        AssertFull(full!);

        var store = Reopen(t);
        var after = store.GetInfo();
        Assert.Equal(before.RoleCount + created, after.RoleCount);
        Assert.Equal(before.AuditRecordCount + created, after.AuditRecordCount); // the refused change left no audit record
        Assert.DoesNotContain(store.Roles.List(), r => r.Name.StartsWith($"Role {created:D4} ", StringComparison.Ordinal));
    }

    [SqliteFact]
    public void The_bulk_assignment_path_on_a_full_disk_is_PimStoreFull_and_keeps_only_whole_batches()
    {
        using var t = new TestStore();
        var before = t.Store.GetInfo();
        FillDisk(t.Store);
        PimException? full = null;
        long committed;
        using (var writer = t.Store.Assignments.BeginAssign(PimAssignmentType.Eligible, batchSize: 25))
        {
            for (var i = 0; i < 20000 && full is null; i++)
            {
                try
                {
                    writer.Add(new PimAssignmentInput
                    {
                        Principal = $"user{i:D5}@contoso.com", Role = new PimRoleReference("Security Reader"),
                        Justification = new string('j', 300), Permanent = true,
                    });
                }
                catch (PimException e)
                {
                    full = e;
                }
            }
            if (full is null)
            {
                try { writer.Flush(); }
                catch (PimException e) { full = e; }
            }
            committed = writer.Committed;
        }
        Assert.NotNull(full);
        AssertFull(full!);
        Assert.Equal(0, committed % 25); // whole batches only

        var store = Reopen(t);
        var after = store.GetInfo();
        Assert.Equal(committed, after.EligibleAssignmentCount);
        Assert.Equal(before.ActiveAssignmentCount, after.ActiveAssignmentCount);
        // Each assignment is one audit record; nothing of the batch that hit the full disk.
        Assert.Equal(before.AuditRecordCount + committed, after.AuditRecordCount);
    }

    /// <summary>
    /// The disk fills at commit: a TEMP trigger on the engine's pooled connections writes 16 MB into the store when the
    /// audit chain's head is written (the last write before every commit), past a cap that leaves room for the rows themselves.
    /// TEMP objects live on the connection only: the store's schema is untouched, and the blob is rolled back with the change.
    /// </summary>
    private static void FillDiskAtCommit(PimStore store, int connections = 4) => CapPooledConnections(store, connections, 1000,
        "CREATE TEMP TRIGGER fill_disk_at_commit BEFORE INSERT ON main.store_info WHEN NEW.key = 'audit_head_hash' BEGIN " +
        "INSERT INTO store_info (key, value) VALUES ('filler-' || hex(randomblob(8)), zeroblob(16000000)); END;");

    [SqliteFact]
    public void A_single_change_when_the_disk_fills_at_commit_is_PimStoreFull_and_writes_nothing()
    {
        using var t = new TestStore();
        var before = t.Store.GetInfo();
        FillDiskAtCommit(t.Store);
        var e = Assert.ThrowsAny<PimException>(() => t.Store.Roles.Create("Written at a full disk", "never stored"));
        AssertFull(e);

        var store = Reopen(t);
        var after = store.GetInfo();
        Assert.Equal(before.RoleCount, after.RoleCount);
        Assert.Equal(before.AuditRecordCount, after.AuditRecordCount);
    }

    /// <summary>One assignment (New-PimEligibleAssignment without pipeline input) goes through the same writer.</summary>
    [SqliteFact]
    public void One_assignment_when_the_disk_fills_at_commit_is_PimStoreFull_and_writes_nothing()
    {
        using var t = new TestStore();
        var before = t.Store.GetInfo();
        FillDiskAtCommit(t.Store);
        var e = Assert.ThrowsAny<PimException>(() => t.Store.Assignments.Assign(PimAssignmentType.Eligible,
            new PimAssignmentInput { Principal = "user1@contoso.com", Role = new PimRoleReference("Security Reader"), Permanent = true }));
        AssertFull(e);

        var store = Reopen(t);
        var after = store.GetInfo();
        Assert.Equal(before.EligibleAssignmentCount, after.EligibleAssignmentCount);
        Assert.Equal(before.AuditRecordCount, after.AuditRecordCount);
        Assert.Empty(store.Notifications.Query(new PimNotificationQuery()));
    }

    /// <summary>The bulk path (Import-Csv | New-PimEligibleAssignment) when the disk fills as a batch commits.</summary>
    [SqliteFact]
    public void The_bulk_assignment_path_when_the_disk_fills_at_commit_is_PimStoreFull()
    {
        using var t = new TestStore();
        var before = t.Store.GetInfo();
        FillDiskAtCommit(t.Store);
        PimException? full = null;
        long committed;
        using (var writer = t.Store.Assignments.BeginAssign(PimAssignmentType.Eligible, batchSize: 10))
        {
            for (var i = 0; i < 10 && full is null; i++)
            {
                try
                {
                    writer.Add(new PimAssignmentInput { Principal = $"user{i}@contoso.com", Role = new PimRoleReference("Security Reader"), Permanent = true });
                }
                catch (PimException e)
                {
                    full = e;
                }
            }
            committed = writer.Committed;
        }
        Assert.NotNull(full);
        AssertFull(full!);
        Assert.Equal(0, committed);
        Assert.Contains("starting with row 1 ", full!.Message); // the error names the first row not written

        var store = Reopen(t);
        var after = store.GetInfo();
        Assert.Equal(before.EligibleAssignmentCount, after.EligibleAssignmentCount);
        Assert.Equal(before.AuditRecordCount, after.AuditRecordCount);
        Assert.Empty(store.Notifications.Query(new PimNotificationQuery()));
    }

    [Fact]
    public void PostgreSQL_disk_full_is_PimStoreFull()
    {
        using var provider = new PostgresStoreProvider("Host=127.0.0.1;Port=1;Database=pim;Username=pim;Password=not-shown");
        var diskFull = new PostgresException("could not extend file \"base/16384/16385\": No space left on device",
            "ERROR", "ERROR", PostgresErrorCodes.DiskFull);
        var e = provider.Translate(diskFull);
        Assert.NotNull(e);
        AssertFull(e!);
        Assert.Contains("127.0.0.1:1", e!.Message);
        Assert.DoesNotContain("not-shown", e.Message + e.Target + e.RecommendedAction);
    }

    [Fact]
    public void SQLite_disk_full_is_PimStoreFull()
    {
        var provider = new PimModule.Storage.Sqlite.SqliteStoreProvider(Path.Combine(Path.GetTempPath(), "pim-full.db"));
        var e = provider.Translate(new SqliteException("SQLite Error 13: 'database or disk is full'.", 13));
        Assert.NotNull(e);
        AssertFull(e!);
    }
}

/// <summary>Tests that change pooled connections themselves: they run after the parallel ones, one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PooledConnectionsCollection
{
    public const string Name = "Pooled connections";
}
