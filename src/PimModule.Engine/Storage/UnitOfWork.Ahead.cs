using System.Data;
using Dapper;

namespace PimModule.Storage;

/// <summary>A unit of work's questions sent ahead (<see cref="AheadQuery"/>): on PostgreSQL with the check of the verified head, in one round trip.</summary>
internal sealed partial class UnitOfWork
{
    /// <summary>
    /// The head the store recorded, read in the round trip that also read this unit of work's first rows (a read with
    /// queries sent ahead, PostgreSQL): when the verified state already stands there (<see cref="PimModule.Checkpoint.VerifiedState.StandsAt"/>,
    /// the very test the sync makes first), the state is up to date for this unit of work, as a sync that found nothing to
    /// do would leave it, and those rows are kept; otherwise they are dropped and <see cref="VerifiedNow"/> syncs as ever.
    /// </summary>
    internal void HeadRead(long sequence, string? hash, List<(AheadQuery Query, object? Result)> answers)
    {
        if (Verified is { } v && !_verifiedSynced)
        {
            if (!v.StandsAt(sequence, hash, Now)) return; // not current: the rows read with it are not used; the sync reads the store again
            _verifiedSynced = true;
        }
        _ahead = answers;
    }

    private List<(AheadQuery Query, object? Result)>? _ahead;

    /// <summary>
    /// PostgreSQL: sends <paramref name="queries"/> in one batch — in a Verified store with the store's recorded head, in one
    /// read-only snapshot (the head and the rows agree) — and keeps their rows for the questions they are (<see cref="AheadQuery"/>)
    /// when the verified state stands at that head (<see cref="HeadRead"/>). Then, as every unit of work, the verified state is
    /// brought up to the store's head before anything is read from it (<see cref="VerifiedNow"/>): nothing to do when it
    /// stands there; otherwise the sync verifies the tail as ever, and the rows sent ahead are not used. A query whose
    /// parameter names another query's with another value is left for the read to ask. SQLite: nothing is sent ahead (a
    /// statement costs no round trip there); the state is synced as in any unit of work.
    /// </summary>
    internal void ReadAhead(IReadOnlyList<AheadQuery> queries)
    {
        if (!OnPostgres || Transaction is not null || _verifiedSynced || (queries.Count == 0 && Verified is null))
        {
            VerifiedNow();
            return;
        }
        ReadAheadOnPostgres(queries);
    }

    // Npgsql's types are named only in here (its exception in a catch clause too): a SQLite store never loads Npgsql.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void ReadAheadOnPostgres(IReadOnlyList<AheadQuery> queries)
    {
        var sent = new List<AheadQuery>(queries.Count);
        var names = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        var parameters = new DynamicParameters();
        bool Fits(object param)
        {
            var props = param.GetType().GetProperties();
            foreach (var p in props)
                if (names.TryGetValue(p.Name, out var had) && !Equals(had, p.GetValue(param))) return false;
            foreach (var p in props) names[p.Name] = p.GetValue(param);
            parameters.AddDynamicParams(param);
            return true;
        }
        var sql = new System.Text.StringBuilder();
        var head = Verified is not null ? StoreInfoTable.ManySql(this) : null;
        if (head is not null)
        {
            Fits(new { headKeys = Audit.AuditLog.HeadKeys });
            sql.Append("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; ").Append(head).Append("; ");
        }
        foreach (var q in queries)
        {
            if (!Fits(q.Param)) continue;
            sent.Add(q);
            sql.Append(q.Sql).Append("; ");
        }
        if (head is not null) sql.Append("COMMIT");
        var answers = new List<(AheadQuery, object?)>(sent.Count);
        long sequence;
        string? hash;
        try
        {
            // Prepared: the same few statements every call (Test-PimAccess), parsed and planned once per pooled connection.
            using var grid = Connection.QueryMultiple(sql.ToString(), new Prepared(parameters));
            (sequence, hash) = head is null ? (0, null)
                : Audit.AuditLog.RecordedHead(grid.Read<StoreInfoTable.Row>().ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal));
            foreach (var q in sent) answers.Add((q, q.ReadFrom(grid)));
        }
        catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.FeatureNotSupported)
        {
            // A statement prepared before the store's schema changed under this session ("cached plan must not change result
            // type"): the connection's prepared statements are dropped, and this read asks as an unbatched one does.
            using (var rollback = Connection.CreateCommand())
            {
                rollback.CommandText = "ROLLBACK";
                rollback.ExecuteNonQuery();
            }
            ((Npgsql.NpgsqlConnection)Connection).UnprepareAll();
            VerifiedNow();
            return;
        }
        HeadRead(sequence, hash, answers);
        VerifiedNow();
    }

    /// <summary>Parameters of a batch that is prepared once its parameters are bound (Dapper binds, then runs the command).</summary>
    private sealed class Prepared(DynamicParameters parameters) : SqlMapper.IDynamicParameters
    {
        public void AddParameters(IDbCommand command, SqlMapper.Identity identity)
        {
            ((SqlMapper.IDynamicParameters)parameters).AddParameters(command, identity);
            ((Npgsql.NpgsqlCommand)command).Prepare(); // no round trip once this connection has them
        }
    }

    /// <summary>The rows of a question sent ahead (<see cref="AheadQuery"/>) that this one is, each handed out once.</summary>
    private bool Answered(string sql, object? param, bool first, out object? result)
    {
        result = null;
        if (_ahead is not { Count: > 0 } ahead) return false;
        for (var i = 0; i < ahead.Count; i++)
            if (ahead[i].Query.Answers(sql, param, first))
            {
                result = ahead[i].Result;
                ahead.RemoveAt(i);
                return true;
            }
        return false;
    }
}
