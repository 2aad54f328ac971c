namespace PimModule.Storage;

/// <summary>
/// The snapshots of a Verified store's verified state (schema 14): a root key's envelope over what each stands at, and its
/// content in chunks. Nothing read here is believed until the envelope verifies (Snapshots/SnapshotTrust.cs). No other
/// file writes SQL against snapshots or snapshot_chunks.
/// </summary>
internal static class SnapshotsTable
{
    internal sealed record Row(long Sequence, string HeadHash, string Actor, string KeyId, long CreatedUtc, long Size, string Envelope);

    /// <summary>The size of a chunk of a snapshot's content (a PostgreSQL value of a few MB streams; one of hundreds would not).</summary>
    public const int ChunkSize = 4 * 1024 * 1024;

    private const string Columns = "sequence, head_hash, actor, key_id, created_utc, size, envelope";

    public static void Insert(UnitOfWork work, Row row) => work.Execute(
        $"INSERT INTO snapshots ({Columns}) VALUES (@Sequence, @HeadHash, @Actor, @KeyId, @CreatedUtc, @Size, @Envelope)", row);

    public static void InsertChunk(UnitOfWork work, long sequence, int chunk, byte[] data)
        => work.Execute("INSERT INTO snapshot_chunks (sequence, chunk, data) VALUES (@sequence, @chunk, @data)", new { sequence, chunk, data });

    /// <summary>The newest snapshot at or before <paramref name="upTo"/> (null: none).</summary>
    public static Row? Newest(UnitOfWork work, long upTo)
        => work.QueryFirstOrDefault<Row>($"SELECT {Columns} FROM snapshots WHERE sequence <= @upTo ORDER BY sequence DESC LIMIT 1", new { upTo });

    public static Row? At(UnitOfWork work, long sequence)
        => work.QueryFirstOrDefault<Row>($"SELECT {Columns} FROM snapshots WHERE sequence = @sequence", new { sequence });

    /// <summary>The snapshots after <paramref name="after"/> up to <paramref name="upTo"/>, in chain order.</summary>
    public static List<Row> Between(UnitOfWork work, long after, long upTo)
        => work.Query<Row>($"SELECT {Columns} FROM snapshots WHERE sequence > @after AND sequence <= @upTo ORDER BY sequence", new { after, upTo });

    public static List<Row> All(UnitOfWork work) => Between(work, long.MinValue, long.MaxValue);

    /// <summary>A snapshot's content, chunk by chunk in order (streamed: one chunk in memory at a time).</summary>
    public static IEnumerable<(int Chunk, byte[] Data)> Chunks(UnitOfWork work, long sequence)
        => work.Stream<(int, byte[])>("SELECT chunk, data FROM snapshot_chunks WHERE sequence = @sequence ORDER BY chunk", new { sequence });

    public static bool Exists(UnitOfWork work, long sequence) => work.Scalar<long>("SELECT COUNT(*) FROM snapshots WHERE sequence = @sequence", new { sequence }) > 0;
}
