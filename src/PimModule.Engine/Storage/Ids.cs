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

    public static Guid New()
    {
        var n = Interlocked.Increment(ref _counter);
        Span<byte> tail = stackalloc byte[8];
        RandomNumberGenerator.Fill(tail[2..]);
        tail[0] = (byte)(n >> 8);
        tail[1] = (byte)n;
        return new Guid(Prefix, (short)(n >> 32), (short)(n >> 16), tail.ToArray());
    }
}
