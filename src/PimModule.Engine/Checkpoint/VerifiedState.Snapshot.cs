using K4os.Compression.LZ4;
using K4os.Compression.LZ4.Streams;
using System.Security.Cryptography;
using Dapper;
using Microsoft.Data.Sqlite;
using PimModule.Identity.Keys;

namespace PimModule.Checkpoint;

/// <summary>
/// A checkpoint as a snapshot's content: written out (New-PimSnapshot: a copy of the checkpoint, compressed as LZ4 frames) and taken in
/// (a new user's first connect, Test-PimAuditLog -Since: the content replaces what the checkpoint held). Whether the content
/// counts is not decided here: the caller verified the root's envelope over its SHA-256 first (Snapshots/SnapshotTrust.cs).
/// </summary>
internal sealed partial class VerifiedState
{
    /// <summary>
    /// Where a replay with no checkpoint starts: null, from the genesis (Test-PimAuditLog); 0, the newest snapshot that
    /// counts (a user's checkpoint file); a sequence, the snapshot there (Test-PimAuditLog -Since).
    /// </summary>
    internal long? StartFrom { get; set; }

    /// <summary>What a sync found about snapshots and did not stop for (a snapshot refused, one that disagrees): the command tells them.</summary>
    internal System.Collections.Concurrent.ConcurrentQueue<PimException> Notices { get; } = new();

    /// <summary>The snapshots whose digest a replay compared with its own state (and the one it started from, if any).</summary>
    internal int SnapshotsCompared { get; set; }

    /// <summary>The archives a replay from the genesis reads before the store's own records (Test-PimAuditLog -ArchivePath).</summary>
    internal IReadOnlyList<Audit.LogArchive.File>? Archives { get; set; }

    /// <summary>The snapshot the last replay started from (null: the genesis, or the checkpoint).</summary>
    internal long? StartedAt { get; set; }

    /// <summary>What a checkpoint's copy stands at, and the digest of its state.</summary>
    internal sealed record Content(long Sequence, string Hash, SealState State, string Digest, string Format);

    /// <summary>The checkpoint's format (a snapshot of another one is not taken in: its replay decided by other tables).</summary>
    internal static string CheckpointFormat => Format;

    /// <summary>
    /// Writes a copy of this checkpoint, compressed, to <paramref name="output"/>: what it stands at and its state's digest.
    /// The copy is consistent (one read of the file); what it stands at is read from the copy itself, so another session
    /// of this user moving the checkpoint on meanwhile changes nothing of what is sealed.
    /// </summary>
    internal Content WriteContent(Stream output)
    {
        var folder = Directory.CreateTempSubdirectory("pim-snapshot-"); // owner-only (0700) where the platform has modes
        try
        {
            var copy = System.IO.Path.Combine(folder.FullName, "state.db");
            lock (_gate) _db.Execute("VACUUM INTO @copy", new { copy });
            Content content;
            using (var db = OpenFile(copy, SqliteOpenMode.ReadOnly))
                content = Read(db) ?? throw new InvalidOperationException("The checkpoint's copy holds no verified head.");
            using (var source = new FileStream(copy, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20))
            using (var lz4 = LZ4Stream.Encode(output, LZ4Level.L00_FAST, leaveOpen: true))
                source.CopyTo(lz4, 1 << 20);
            return content;
        }
        finally
        {
            try { folder.Delete(recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// Replaces what this checkpoint holds with a snapshot's content (<paramref name="compressed"/>, whose SHA-256 the caller
    /// checked against the root's envelope). Returns what it stands at; null when the content is not a checkpoint of this
    /// format, or holds anything but its tables (nothing is changed then).
    /// </summary>
    internal Content? TakeContent(string compressed)
    {
        // Decompressed beside the checkpoint file (the same folder, owner-only), so that it can take the file's place.
        var folder = File is null ? Directory.CreateTempSubdirectory("pim-snapshot-").FullName : System.IO.Path.GetDirectoryName(File)!;
        var file = System.IO.Path.Combine(folder, $".{System.IO.Path.GetRandomFileName()}.taking");
        try
        {
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 1 << 20 };
            if (!OperatingSystem.IsWindows()) create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var source = new FileStream(compressed, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20))
            using (var lz4 = LZ4Stream.Decode(source))
            using (var target = new FileStream(file, create))
                lz4.CopyTo(target, 1 << 20);
            Content? content;
            using (var db = OpenFile(file, SqliteOpenMode.ReadOnly))
            {
                // Only the checkpoint's own tables and indexes: no trigger or view would run in this user's checkpoint.
                var objects = db.Query<(string Type, string Name)>("SELECT type, name FROM sqlite_master").ToList();
                if (objects.Any(o => o.Type is not ("table" or "index") || !(o.Name == "meta" || o.Name.StartsWith("verified_", StringComparison.Ordinal)
                                                                              || o.Name.StartsWith("ix_", StringComparison.Ordinal) || o.Name.StartsWith("sqlite_autoindex_", StringComparison.Ordinal))))
                    return null;
                // Its digest is not computed again: the root's envelope seals the content's SHA-256, which the caller checked.
                content = Read(db, digest: false);
                if (content is null || content.Format != Format) return null;
                if (File is null) db.BackupDatabase(_db); // a checkpoint in memory (Test-PimAuditLog -Since)
            }
            // (Closed first: a file open elsewhere is not renamed on every platform.) A checkpoint another process holds
            // open is copied into instead.
            if (File is not null && !Replace(file))
                using (var db = OpenFile(file, SqliteOpenMode.ReadOnly)) db.BackupDatabase(_db);
            lock (_gate) _synced = null;
            return content;
        }
        catch (Exception e) when (e is SqliteException or InvalidDataException or InvalidOperationException or ArgumentException or IOException)
        {
            return null; // not a checkpoint: the caller replays the whole log
        }
        finally
        {
            try { System.IO.File.Delete(file); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            if (File is null) try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// The checkpoint file becomes <paramref name="file"/> (renamed onto it, then opened again): no copy of what may be hundreds
    /// of MB. Not when another process of this user holds the checkpoint open (its log file stays: its pages would be read
    /// into the new file) — false then, and nothing changed.
    /// </summary>
    private bool Replace(string file)
    {
        lock (_gate)
        {
            _viewById?.Dispose();
            _viewById = null;
            _db.Execute("PRAGMA wal_checkpoint(TRUNCATE)");
            _db.Close();
            try
            {
                if (System.IO.File.Exists(File + "-wal") || System.IO.File.Exists(File + "-shm")) return false;
                System.IO.File.Move(file, File!, overwrite: true);
                return true;
            }
            catch (IOException) { return false; }
            catch (UnauthorizedAccessException) { return false; }
            finally
            {
                _db.Dispose();
                _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = File, Pooling = false, DefaultTimeout = 60 }.ToString());
                _db.Open();
                _db.Execute(Pragmas);
            }
        }
    }

    /// <summary>Empties the checkpoint (a snapshot's content that did not count): the next replay starts from the genesis.</summary>
    internal void Empty()
    {
        lock (_gate)
        {
            using var tx = _db.BeginTransaction(deferred: false);
            Clear(tx);
            tx.Commit();
            _synced = null;
            StartedAt = null;
        }
    }

    /// <summary>The digest of this checkpoint's state as it is in <paramref name="tx"/> (a replay's open transaction).</summary>
    internal string DigestIn(SqliteTransaction tx, SealState state) => StateDigest.Of(_db, tx, state);

    private static SqliteConnection OpenFile(string file, SqliteOpenMode mode)
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = mode, Pooling = false }.ToString());
        db.Open();
        return db;
    }

    private static Content? Read(SqliteConnection db, bool digest = true)
    {
        using var tx = db.BeginTransaction(deferred: true);
        var rows = db.Query<(string Key, string Value)>("SELECT key, value FROM meta", transaction: tx).ToDictionary(r => r.Key, r => r.Value);
        if (!rows.TryGetValue("format", out var format) || !rows.TryGetValue("head_sequence", out var seq) || !rows.TryGetValue("head_hash", out var hash)
            || !rows.TryGetValue("seal_state", out var json) || !long.TryParse(seq, out var n)) return null;
        var state = SealState.FromJson(json);
        return state is null ? null : new Content(n, hash, state, digest ? StateDigest.Of(db, tx, state) : "", format);
    }

    /// <summary>SHA-256 (lower-case hex) of a file's bytes.</summary>
    internal static string Sha256Of(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }
}
