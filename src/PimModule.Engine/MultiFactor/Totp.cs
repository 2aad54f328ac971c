using System.Security.Cryptography;

namespace PimModule.MultiFactor;

/// <summary>
/// RFC 6238 time-based one-time passwords, and RFC 4648 base32. The store's methods use HMAC-SHA-1, 30-second steps and
/// 6 digits; <see cref="Code"/> and <see cref="StepAt"/> also take the other digits, algorithms and periods an otpauth://
/// URI may name (Get-PimMfaCode -Uri).
/// </summary>
public static class Totp
{
    public const int StepSeconds = 30;
    public const int Digits = 6;

    /// <summary>The time step <paramref name="utc"/> falls in: whole <paramref name="period"/>s since the Unix epoch.</summary>
    public static long StepAt(DateTime utc, int period = StepSeconds) => (long)Math.Floor((utc - DateTime.UnixEpoch).TotalSeconds / period);

    /// <summary>When <paramref name="step"/> starts (UTC): the first moment its code is the one an authenticator shows.</summary>
    public static DateTime StepStart(long step, int period = StepSeconds) => DateTime.UnixEpoch.AddSeconds((double)step * period);

    /// <summary>The code for a time step (RFC 4226 dynamic truncation), zero-padded to <paramref name="digits"/>.</summary>
    public static string Code(byte[] secret, long step, int digits = Digits, HashAlgorithmName? algorithm = null)
    {
        Span<byte> counter = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(counter, step);
        var alg = algorithm ?? HashAlgorithmName.SHA1;
        byte[] hash = alg == HashAlgorithmName.SHA256 ? HMACSHA256.HashData(secret, counter)
            : alg == HashAlgorithmName.SHA512 ? HMACSHA512.HashData(secret, counter)
            : HMACSHA1.HashData(secret, counter);
        var offset = hash[^1] & 0x0f;
        var binary = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        var mod = (int)Math.Pow(10, digits);
        return (binary % mod).ToString(new string('0', digits), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The step of <paramref name="code"/> within ±<paramref name="skew"/> steps of now, or null.</summary>
    public static long? Match(byte[] secret, string code, DateTime nowUtc, int skew = 1)
    {
        var now = StepAt(nowUtc);
        for (var s = now - skew; s <= now + skew; s++)
            if (CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(Code(secret, s)),
                    System.Text.Encoding.ASCII.GetBytes(code)))
                return s;
        return null;
    }

    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public static string ToBase32(byte[] data)
    {
        var sb = new System.Text.StringBuilder((data.Length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                sb.Append(Alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0) sb.Append(Alphabet[(buffer << (5 - bits)) & 31]);
        return sb.ToString();
    }

    public static byte[] FromBase32(string text)
    {
        var clean = text.Trim().TrimEnd('=').Replace(" ", "").ToUpperInvariant();
        var bytes = new List<byte>(clean.Length * 5 / 8);
        int buffer = 0, bits = 0;
        foreach (var c in clean)
        {
            var v = Alphabet.IndexOf(c);
            if (v < 0) throw new FormatException($"'{c}' is not a base32 character.");
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)((buffer >> (bits - 8)) & 0xff));
                bits -= 8;
            }
        }
        return bytes.ToArray();
    }
}
