using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PimModule.Audit;

/// <summary>
/// An audit record's hash (<see cref="AuditLog.ComputeHash"/>): SHA-256, as lowercase hex, over the UTF-8 of its fields,
/// each written as its length in UTF-16 code units, a colon and its text ("-1:" for none). The fields are encoded straight
/// into a buffer the thread keeps, with no text built first: the writer hashes every record of a bulk import and the
/// verifier every record of the log. Byte for byte what encoding the joined text would give (each field is encoded on
/// its own, and a surrogate cannot pair across the ASCII between fields).
/// </summary>
internal static class RecordHash
{
    /// <summary>The largest buffer a thread keeps (a bigger record rents one for its hash).</summary>
    private const int KeptBuffer = 64 * 1024;

    [ThreadStatic] private static byte[]? _buffer;

    public static string Compute(long seq, string id, long atTicks, string actor, string action, string targetType,
        string? targetId, string? roleId, string? principal, string? before, string? after, string prevHash)
    {
        // Each field: at most 11 characters of length and a colon, then at most 3 bytes per UTF-16 code unit.
        var max = 12 * 12 + 2 * 20 + 3 * (id.Length + actor.Length + action.Length + targetType.Length + (targetId?.Length ?? 0)
            + (roleId?.Length ?? 0) + (principal?.Length ?? 0) + (before?.Length ?? 0) + (after?.Length ?? 0) + prevHash.Length);
        byte[]? rented = null;
        var buffer = max <= KeptBuffer
            ? _buffer ??= new byte[KeptBuffer]
            : rented = System.Buffers.ArrayPool<byte>.Shared.Rent(max);
        try
        {
            var n = 0;
            Span<char> digits = stackalloc char[20];
            seq.TryFormat(digits, out var d, default, CultureInfo.InvariantCulture);
            Field(buffer, ref n, digits[..d]);
            Field(buffer, ref n, id);
            atTicks.TryFormat(digits, out d, default, CultureInfo.InvariantCulture);
            Field(buffer, ref n, digits[..d]);
            Field(buffer, ref n, actor);
            Field(buffer, ref n, action);
            Field(buffer, ref n, targetType);
            Field(buffer, ref n, targetId);
            Field(buffer, ref n, roleId);
            Field(buffer, ref n, principal);
            Field(buffer, ref n, before);
            Field(buffer, ref n, after);
            Field(buffer, ref n, prevHash);
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(buffer.AsSpan(0, n), hash);
            return Hex(hash);
        }
        finally
        {
            if (rented is not null) System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static void Field(byte[] buffer, ref int n, string? value)
    {
        if (value is null)
        {
            buffer[n++] = (byte)'-';
            buffer[n++] = (byte)'1';
            buffer[n++] = (byte)':';
            return;
        }
        Field(buffer, ref n, value.AsSpan());
    }

    private static void Field(byte[] buffer, ref int n, ReadOnlySpan<char> value)
    {
        value.Length.TryFormat(buffer.AsSpan(n), out var d, default, CultureInfo.InvariantCulture);
        n += d;
        buffer[n++] = (byte)':';
        n += Encoding.UTF8.GetBytes(value, buffer.AsSpan(n));
    }

    private static string Hex(ReadOnlySpan<byte> hash)
    {
        Span<char> text = stackalloc char[hash.Length * 2];
        const string digits = "0123456789abcdef";
        for (var i = 0; i < hash.Length; i++)
        {
            text[2 * i] = digits[hash[i] >> 4];
            text[2 * i + 1] = digits[hash[i] & 0xF];
        }
        return new string(text);
    }
}
