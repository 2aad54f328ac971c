namespace PimModule.Storage;

/// <summary>The content of each snapshot (SnapshotsTable), in chunks of a few MB. No other file writes SQL against snapshot_chunks.</summary>
internal static class SnapshotChunksTable
{
    /// <summary>The size of a chunk (a PostgreSQL value of a few MB streams; one of hundreds would not).</summary>
    public const int ChunkSize = 4 * 1024 * 1024;

    public static void Insert(UnitOfWork work, long sequence, int chunk, byte[] data)
        => work.Execute("INSERT INTO snapshot_chunks (sequence, chunk, data) VALUES (@sequence, @chunk, @data)", new { sequence, chunk, data });

    /// <summary>A snapshot's content, chunk by chunk in order (streamed: one chunk in memory at a time).</summary>
    public static IEnumerable<(int Chunk, byte[] Data)> Of(UnitOfWork work, long sequence)
        => work.Stream<(int, byte[])>("SELECT chunk, data FROM snapshot_chunks WHERE sequence = @sequence ORDER BY chunk", new { sequence });

    public static void DeleteBefore(UnitOfWork work, long sequence) => work.Execute("DELETE FROM snapshot_chunks WHERE sequence < @sequence", new { sequence });
}
