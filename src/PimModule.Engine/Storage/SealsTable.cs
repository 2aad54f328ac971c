namespace PimModule.Storage;

/// <summary>
/// The seals table: one row per sealed transaction of a Verified store — its actor's JWS over the audit chain's head
/// before (from_sequence) and after (to_sequence) it. No other file writes SQL against seals.
/// </summary>
internal static class SealsTable
{
    internal sealed record Row(long FromSequence, long ToSequence, string Actor, string KeyId, string Envelope);

    public static void Insert(UnitOfWork work, Row r) => work.Execute(
        "INSERT INTO seals (to_sequence, from_sequence, actor, key_id, envelope) VALUES (@ToSequence, @FromSequence, @Actor, @KeyId, @Envelope)", r);

    /// <summary>Every seal in chain order.</summary>
    public static List<Row> All(UnitOfWork work) => After(work, -1);

    /// <summary>The seals of the transactions after record <paramref name="from"/> (from_sequence at or after it) up to <paramref name="upTo"/>, in chain order.</summary>
    public static List<Row> After(UnitOfWork work, long from, long upTo = long.MaxValue)
        => work.Query<Row>("SELECT from_sequence, to_sequence, actor, key_id, envelope FROM seals WHERE from_sequence >= @from AND to_sequence <= @upTo ORDER BY to_sequence",
            new { from, upTo });

    /// <summary>The seal whose transaction holds record <paramref name="sequence"/>; null when none does.</summary>
    public static Row? Covering(UnitOfWork work, long sequence)
        => work.QueryFirstOrDefault<Row>("SELECT from_sequence, to_sequence, actor, key_id, envelope FROM seals WHERE to_sequence >= @sequence ORDER BY to_sequence LIMIT 1",
            new { sequence }) is { } r && r.FromSequence < sequence ? r : null;

    /// <summary>Removes the seals of the archived transactions after <paramref name="after"/> up to <paramref name="upTo"/>.</summary>
    public static void DeleteRange(UnitOfWork work, long after, long upTo)
        => work.Execute("DELETE FROM seals WHERE from_sequence >= @after AND to_sequence <= @upTo", new { after, upTo });

    public static long Count(UnitOfWork work) => work.Scalar<long>("SELECT COUNT(*) FROM seals");
}
