using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Data.Sqlite;
using PimModule.Identity.Keys;

namespace PimModule.Checkpoint;

/// <summary>
/// The digest of a verified state: SHA-256 over every table of a checkpoint, row by row in key order, and the seal
/// verifier's state, each value tagged with its type and length (one spelling per state). Two replays of the same log to the
/// same record reach the same digest, whoever ran them and however often they stopped: what a snapshot seals, and what a
/// user whose checkpoint reaches a snapshot compares. Left out, because they say how a replay ran and not what it reached:
/// the counters of records and seals checked, and the wording of why a record does not count (its time is told against the
/// verifier's own clock); which records do not count, and why in one word, is in.
/// </summary>
internal static class StateDigest
{
    /// <summary>What of a table is left out: the wording of why a record does not count (told against the verifier's clock).</summary>
    private static readonly Dictionary<string, string[]> LeftOut = new(StringComparer.Ordinal) { ["verified_refused"] = ["reason"] };

    /// <summary>The digest (lower-case hex) of the state held in <paramref name="db"/> with <paramref name="state"/> as its seal state.</summary>
    public static string Of(SqliteConnection db, SqliteTransaction? tx, SealState state)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var w = new Writer(hash);
        w.Text("pim-state-1");
        // Every table of the checkpoint (a table added later is in without a word here), in name order, each row by row in
        // the order of its key, each column but those left out.
        var tables = db.Query<string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'verified\\_%' ESCAPE '\\' ORDER BY name", transaction: tx).AsList();
        foreach (var table in tables)
        {
            var columns = db.Query<(string Name, long Pk)>($"SELECT name, pk FROM pragma_table_info('{table}') ORDER BY cid", transaction: tx).AsList();
            var kept = columns.Where(c => !(LeftOut.TryGetValue(table, out var left) && left.Contains(c.Name))).Select(c => c.Name).ToList();
            var key = columns.Where(c => c.Pk > 0).OrderBy(c => c.Pk).Select(c => c.Name).ToList();
            w.Text(table);
            using var cmd = db.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = $"SELECT {string.Join(", ", kept)} FROM {table} ORDER BY {(key.Count > 0 ? string.Join(", ", key) : string.Join(", ", kept))}";
            using var reader = cmd.ExecuteReader();
            for (var i = 0; i < reader.FieldCount; i++) w.Text(reader.GetName(i));
            long rows = 0;
            while (reader.Read())
            {
                rows++;
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    if (reader.IsDBNull(i)) { w.Tag('N'); continue; }
                    switch (reader.GetFieldType(i))
                    {
                        case var t when t == typeof(long): w.Long(reader.GetInt64(i)); break;
                        case var t when t == typeof(byte[]): w.Bytes((byte[])reader.GetValue(i)); break;
                        case var t when t == typeof(double): w.Text(reader.GetDouble(i).ToString("R", CultureInfo.InvariantCulture)); break;
                        default: w.Text(reader.GetString(i)); break;
                    }
                }
            }
            w.Long(rows);
        }
        Seal(w, state);
        w.Flush();
        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }

    private static void Seal(Writer w, SealState s)
    {
        w.Text("seal-state");
        w.Long(s.SealedUpTo); w.Text(s.PrevHash); w.Long(s.GenesisFrom); w.Text(s.RootThumbprint); w.Text(s.RootPrincipal);
        w.Texts(s.Bindings.Select(b => b.Key.ToLowerInvariant() + "\n" + b.Value.Principal + "\n" + b.Value.Pem));
        w.Texts(s.Revoked.Select(r => r.ToLowerInvariant()));
        w.Texts(s.RootKeys.Select(r => r.ToLowerInvariant()));
        w.Texts(s.RootPrincipals);
        w.Texts(s.Proposals.Select(p => p.Key.ToLowerInvariant() + "\n" + string.Join("\n", p.Value)));
        w.Long(s.Restores.Count);
        foreach (var r in s.Restores) w.Long(r);
        w.Long(s.ArchivedUntil);
        w.Texts(s.Admins.Select(a => a.Key + "\n" + a.Value.Principal + "\n" + a.Value.Start.ToString(CultureInfo.InvariantCulture) + "\n" +
                                     (a.Value.End?.ToString(CultureInfo.InvariantCulture) ?? "-")));
        var t = s.Time;
        w.Long(t.RootFloor); w.Long(t.LatestSeen); w.Long(t.LatestCounted);
        w.Texts(t.ActorFloors.Select(f => f.Key + "\n" + f.Value.ToString(CultureInfo.InvariantCulture)));
        w.Texts(t.Pending.Select(p => p.Key.ToString(CultureInfo.InvariantCulture) + "\n" + p.Value.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>Writes tagged values into a buffer hashed 64 KB at a time (a state of a million rows is tens of millions of values).</summary>
    private sealed class Writer(IncrementalHash hash)
    {
        private readonly byte[] _buffer = new byte[1 << 16];
        private int _used;

        public void Flush()
        {
            hash.AppendData(_buffer, 0, _used);
            _used = 0;
        }

        private Span<byte> Take(int count)
        {
            if (_used + count > _buffer.Length) Flush();
            var span = _buffer.AsSpan(_used, count);
            _used += count;
            return span;
        }

        public void Tag(char tag) => Take(1)[0] = (byte)tag;

        public void Long(long value)
        {
            var span = Take(9);
            span[0] = (byte)'I';
            BinaryPrimitives.WriteInt64BigEndian(span[1..], value);
        }

        public void Text(string? value)
        {
            if (value is null) { Tag('N'); return; }
            var length = Encoding.UTF8.GetByteCount(value);
            Head('T', length);
            if (length <= _buffer.Length) Encoding.UTF8.GetBytes(value, Take(length));
            else { Flush(); hash.AppendData(Encoding.UTF8.GetBytes(value)); }
        }

        public void Bytes(byte[] value)
        {
            Head('B', value.Length);
            if (value.Length <= _buffer.Length) value.CopyTo(Take(value.Length));
            else { Flush(); hash.AppendData(value); }
        }

        private void Head(char tag, long length)
        {
            var span = Take(9);
            span[0] = (byte)tag;
            BinaryPrimitives.WriteInt64BigEndian(span[1..], length);
        }

        /// <summary>A set of texts, in ordinal order (the order a dictionary or set was filled in says nothing).</summary>
        public void Texts(IEnumerable<string> values)
        {
            var sorted = values.ToList();
            sorted.Sort(StringComparer.Ordinal);
            Long(sorted.Count);
            foreach (var v in sorted) Text(v);
        }
    }
}
