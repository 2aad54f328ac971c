namespace PimModule.Storage;

/// <summary>
/// The snapshots of a Verified store's verified state (schema 14): a root key's envelope over what each stands at, and its
/// content in chunks. Nothing read here is believed until the envelope verifies (Snapshots/SnapshotTrust.cs). No other
/// file writes SQL against snapshots.
/// </summary>
internal static class SnapshotsTable
{
    internal sealed record Row(long Sequence, string HeadHash, string Actor, string KeyId, long CreatedUtc, long Size, string Envelope);

    private const string Columns = "sequence, head_hash, actor, key_id, created_utc, size, envelope";

    public static void Insert(UnitOfWork work, Row row) => work.Execute(
        $"INSERT INTO snapshots ({Columns}) VALUES (@Sequence, @HeadHash, @Actor, @KeyId, @CreatedUtc, @Size, @Envelope)", row);

    /// <summary>The newest snapshot at or before <paramref name="upTo"/> (null: none).</summary>
    public static Row? Newest(UnitOfWork work, long upTo)
        => work.QueryFirstOrDefault<Row>($"SELECT {Columns} FROM snapshots WHERE sequence <= @upTo ORDER BY sequence DESC LIMIT 1", new { upTo });

    public static Row? At(UnitOfWork work, long sequence)
        => work.QueryFirstOrDefault<Row>($"SELECT {Columns} FROM snapshots WHERE sequence = @sequence", new { sequence });

    /// <summary>The snapshots after <paramref name="after"/> up to <paramref name="upTo"/>, in chain order.</summary>
    public static List<Row> Between(UnitOfWork work, long after, long upTo)
        => work.Query<Row>($"SELECT {Columns} FROM snapshots WHERE sequence > @after AND sequence <= @upTo ORDER BY sequence", new { after, upTo });

    public static List<Row> All(UnitOfWork work) => Between(work, long.MinValue, long.MaxValue);

    /// <summary>Removes the snapshots before <paramref name="sequence"/> and their content (an archive up to it).</summary>
    public static void DeleteBefore(UnitOfWork work, long sequence)
    {
        SnapshotChunksTable.DeleteBefore(work, sequence);
        work.Execute("DELETE FROM snapshots WHERE sequence < @sequence", new { sequence });
    }

    public static bool Exists(UnitOfWork work, long sequence) => work.Scalar<long>("SELECT COUNT(*) FROM snapshots WHERE sequence = @sequence", new { sequence }) > 0;
}
