using System.Security.Cryptography;

namespace PimModule.Storage;

/// <summary>
/// Ids for new rows: GUIDs whose text sorts in the order this process made them (a random per-process prefix,
/// then a counter), so the bulk paths append to the key indexes instead of inserting at random places in them.
/// They carry no time and reveal nothing but their order within one process.
/// </summary>
internal static class Ids
{
    private static readonly int Prefix = RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue);
    private static long _counter = RandomNumberGenerator.GetInt32(0, int.MaxValue) * 1024L;

    /// <summary>Random bytes from the system's generator, fetched a block at a time per thread (a bulk import makes four ids a row).</summary>
    [ThreadStatic] private static byte[]? _random;
    [ThreadStatic] private static int _used;

    private const int RandomBlock = 6 * 512;

    public static Guid New()
    {
        var n = Interlocked.Increment(ref _counter);
        var random = _random;
        if (random is null || _used == RandomBlock)
        {
            random = _random ??= new byte[RandomBlock];
            RandomNumberGenerator.Fill(random);
            _used = 0;
        }
        var r = random.AsSpan(_used, 6);
        var id = new Guid(Prefix, (short)(n >> 32), (short)(n >> 16), (byte)(n >> 8), (byte)n, r[0], r[1], r[2], r[3], r[4], r[5]);
        r.Clear(); // each random byte is used once
        _used += 6;
        return id;
    }
}
