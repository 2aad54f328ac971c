using System.Text;
using CsCheck;
using Xunit;
using ZXing;
using ZXing.Common;
using ZXing.QrCode;

namespace PimModule.Tests;

/// <summary>Register-PimMfaMethod's terminal QR code: what it draws scans back to the URI (ZXing reads it), in both styles.</summary>
public class TerminalQrCodeTests
{
    private const string Uri = "otpauth://totp/PimModule:user1%40contoso.com?secret=KVW4W6EYFNI3DT6WV7DKMILFPZ35U7EO&issuer=PimModule&algorithm=SHA1&digits=6&period=30";

    [Theory]
    [InlineData(TerminalQrCode.Style.HalfBlocks)]
    [InlineData(TerminalQrCode.Style.Ascii)]
    public void Scans_back_to_the_uri(TerminalQrCode.Style style)
    {
        var lines = TerminalQrCode.Render(Uri, style);
        Assert.All(lines, l => Assert.Equal(lines[0].Length, l.Length)); // a rectangle: drawn on a white background, every line is
        var modules = Parse(lines, style);
        Assert.Equal(Flatten(TerminalQrCode.Modules(Uri)), Flatten(modules));
        Assert.Equal(Uri, Decode(modules));
    }

    [Fact]
    public void Half_blocks_are_square_and_half_as_tall_as_ascii()
    {
        var size = TerminalQrCode.Modules(Uri).GetLength(0);
        var blocks = TerminalQrCode.Render(Uri, TerminalQrCode.Style.HalfBlocks);
        var ascii = TerminalQrCode.Render(Uri, TerminalQrCode.Style.Ascii);
        Assert.Equal(size, blocks[0].Length);
        Assert.Equal((size + 1) / 2, blocks.Count);
        Assert.Equal(2 * size, ascii[0].Length);
        Assert.Equal(size, ascii.Count);
        Assert.All(ascii, l => Assert.True(l.All(c => c is '#' or ' '), "plain ASCII only"));
        Assert.All(blocks, l => Assert.True(l.All(c => c is ' ' or TerminalQrCode.Upper or TerminalQrCode.Lower or TerminalQrCode.Full)));
        // The quiet zone (4 modules) is light all round.
        Assert.True(blocks[0].All(c => c == ' ') && blocks[1].All(c => c == ' ') && blocks.All(l => l[..4].All(c => c == ' ')));
    }

    /// <summary>The drawing read back into modules (true = dark), as a camera would see it.</summary>
    private static bool[,] Parse(IReadOnlyList<string> lines, TerminalQrCode.Style style)
    {
        if (style == TerminalQrCode.Style.Ascii)
        {
            var n = lines.Count;
            var m = new bool[n, n];
            for (var y = 0; y < n; y++)
                for (var x = 0; x < n; x++)
                    m[y, x] = lines[y].Substring(2 * x, 2) switch { "##" => true, "  " => false, var other => throw new System.FormatException(other) };
            return m;
        }
        var size = lines[0].Length;
        var b = new bool[size, size];
        for (var row = 0; row < lines.Count; row++)
            for (var x = 0; x < size; x++)
            {
                (bool top, bool bottom) = lines[row][x] switch
                {
                    TerminalQrCode.Full => (true, true),
                    TerminalQrCode.Upper => (true, false),
                    TerminalQrCode.Lower => (false, true),
                    ' ' => (false, false),
                    var other => throw new System.FormatException(other.ToString()),
                };
                b[2 * row, x] = top;
                if (2 * row + 1 < size) b[2 * row + 1, x] = bottom;
                else Assert.False(bottom);
            }
        return b;
    }

    private static bool[] Flatten(bool[,] m) => m.Cast<bool>().ToArray();

    /// <summary>Decodes modules with ZXing, as an image of 4×4 pixels per module (dark = black).</summary>
    private static string? Decode(bool[,] modules)
    {
        const int Scale = 4;
        var size = modules.GetLength(0);
        var width = size * Scale;
        var pixels = new byte[width * width];
        for (var y = 0; y < width; y++)
            for (var x = 0; x < width; x++)
                pixels[y * width + x] = modules[y / Scale, x / Scale] ? (byte)0 : (byte)255;
        var bitmap = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(pixels, width, width, RGBLuminanceSource.BitmapFormat.Gray8)));
        return new QRCodeReader().decode(bitmap)?.Text;
    }
}

/// <summary>Get-PimMfaCode -Uri / -Secret: what an authenticator app computes, and what it refuses without echoing the secret.</summary>
public class AuthenticatorCodeTests
{
    // RFC 6238 appendix B seeds, in base32.
    private static readonly string Sha1 = Totp.ToBase32(Encoding.ASCII.GetBytes("12345678901234567890"));
    private static readonly string Sha256 = Totp.ToBase32(Encoding.ASCII.GetBytes("12345678901234567890123456789012"));
    private static readonly string Sha512 = Totp.ToBase32(Encoding.ASCII.GetBytes("1234567890123456789012345678901234567890123456789012345678901234"));

    private static DateTime At(long unixSeconds) => DateTime.UnixEpoch.AddSeconds(unixSeconds);

    [Theory]
    [InlineData("SHA1", 59L, "94287082")]
    [InlineData("SHA256", 59L, "46119246")]
    [InlineData("SHA512", 59L, "90693936")]
    [InlineData("SHA1", 1111111109L, "07081804")]
    [InlineData("SHA256", 1111111109L, "68084774")]
    [InlineData("SHA512", 1111111109L, "25091201")]
    [InlineData("sha512", 20000000000L, "47863826")]
    public void Uri_honours_algorithm_and_digits_rfc6238_vectors(string algorithm, long unixSeconds, string expected)
    {
        var secret = algorithm.ToUpperInvariant() switch { "SHA1" => Sha1, "SHA256" => Sha256, _ => Sha512 };
        var key = AuthenticatorCode.ParseUri($"otpauth://totp/Example:alice@example.com?secret={secret}&issuer=Example&algorithm={algorithm}&digits=8");
        Assert.Equal(expected, AuthenticatorCode.Compute(key, At(unixSeconds)));
    }

    [Fact]
    public void Uri_defaults_and_the_store_registration_agree()
    {
        var now = new DateTime(2026, 4, 6, 8, 0, 17, DateTimeKind.Utc);
        var secret = Totp.FromBase32(Sha1);
        var expected = Totp.Code(secret, Totp.StepAt(now));
        Assert.Equal(expected, AuthenticatorCode.Compute(AuthenticatorCode.ParseUri($"otpauth://totp/x?secret={Sha1}"), now));
        Assert.Equal(expected, AuthenticatorCode.Compute(AuthenticatorCode.ParseSecret(Sha1.ToLowerInvariant()), now));
        Assert.Equal(expected, AuthenticatorCode.Compute(AuthenticatorCode.ParseSecret(string.Join(' ', Sha1.Chunk(4).Select(c => new string(c))) + "===="), now));
        Assert.Equal(expected, AuthenticatorCode.Compute(AuthenticatorCode.ParseUri($"OTPAUTH://TOTP/PimModule:a%40b.c?Secret={Sha1}&period=30&digits=6&algorithm=SHA1#x"), now));
    }

    [Fact]
    public void Uri_honours_the_period()
    {
        var key = AuthenticatorCode.ParseUri($"otpauth://totp/x?secret={Sha1}&period=60");
        var secret = Totp.FromBase32(Sha1);
        var at = new DateTime(2026, 4, 6, 8, 0, 59, DateTimeKind.Utc);
        Assert.Equal(Totp.Code(secret, Totp.StepAt(at, 60)), AuthenticatorCode.Compute(key, at));
        Assert.Equal(AuthenticatorCode.Compute(key, at.AddSeconds(-59)), AuthenticatorCode.Compute(key, at)); // one 60-second step
        Assert.NotEqual(Totp.Code(secret, Totp.StepAt(at, 60)), Totp.Code(secret, Totp.StepAt(at)));
    }

    [Theory]
    [InlineData("https://example.com/?secret={S}")]
    [InlineData("otpauth://hotp/x?secret={S}&counter=1")]
    [InlineData("otpauth://totp?secret={S}")]
    [InlineData("otpauth://totp/x")]
    [InlineData("otpauth://totp/x?issuer=y")]
    [InlineData("otpauth://totp/x?secret=")]
    [InlineData("otpauth://totp/x?secret={S}0")]
    [InlineData("otpauth://totp/x?secret=GEZDGNBVGY3TQOJ")]
    [InlineData("otpauth://totp/x?secret={S}&secret={S}")]
    [InlineData("otpauth://totp/x?secret={S}&algorithm=MD5")]
    [InlineData("otpauth://totp/x?secret={S}&digits=10")]
    [InlineData("otpauth://totp/x?secret={S}&digits=5")]
    [InlineData("otpauth://totp/x?secret={S}&digits=six")]
    [InlineData("otpauth://totp/x?secret={S}&period=0")]
    [InlineData("otpauth://totp/x?secret={S}&period=-30")]
    [InlineData("otpauth://totp/x?secret={S}&period=99999")]
    [InlineData("")]
    public void A_bad_uri_is_PimInputInvalid_and_never_echoes_it(string template)
    {
        var uri = template.Replace("{S}", Sha1);
        var e = Assert.Throws<PimException>(() => AuthenticatorCode.ParseUri(uri));
        Assert.Equal("PimInputInvalid", e.ErrorId);
        Assert.Equal("Uri", e.Target);
        AssertNoSecret(e, Sha1, uri);
    }

    [Theory]
    [InlineData("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ0")] // a zero
    [InlineData("GEZDGNBVGY3TQOJ")]                  // 15 characters: under 80 bits
    [InlineData("GEZDGNBV-GY3TQOJQ-GEZDGNBV")]
    [InlineData("")]
    [InlineData("   ")]
    public void A_bad_secret_is_PimInputInvalid_and_never_echoes_it(string secret)
    {
        var e = Assert.Throws<PimException>(() => AuthenticatorCode.ParseSecret(secret));
        Assert.Equal("PimInputInvalid", e.ErrorId);
        Assert.Equal("Secret", e.Target);
        AssertNoSecret(e, secret);
    }

    [Fact]
    public void Limits_and_control_characters_are_refused_without_the_value()
    {
        var longUri = $"otpauth://totp/x?secret={Sha1}&issuer=" + new string('a', AuthenticatorCode.UriLength);
        var tooLong = Assert.Throws<PimException>(() => AuthenticatorCode.ParseUri(longUri));
        Assert.Equal("PimInputTooLong", tooLong.ErrorId);
        AssertNoSecret(tooLong, Sha1, longUri);
        var e = Assert.Throws<PimException>(() => AuthenticatorCode.ParseSecret(new string('A', AuthenticatorCode.SecretLength + 1)));
        Assert.Equal("PimInputTooLong", e.ErrorId);
        var control = Assert.Throws<PimException>(() => AuthenticatorCode.ParseUri($"otpauth://totp/x?secret={Sha1}\n"));
        Assert.Equal("PimInputInvalid", control.ErrorId);
        AssertNoSecret(control, Sha1);
        var nul = Assert.Throws<PimException>(() => AuthenticatorCode.ParseSecret(Sha1 + "\0"));
        Assert.Equal("PimInputInvalid", nul.ErrorId);
        AssertNoSecret(nul, Sha1);
    }

    [Fact]
    public void Any_text_either_gives_a_code_or_is_refused_by_the_module()
    {
        Gen.String.Sample(text =>
        {
            foreach (var parse in new Func<string, AuthenticatorCode.Key>[] { AuthenticatorCode.ParseSecret, AuthenticatorCode.ParseUri, t => AuthenticatorCode.ParseUri("otpauth://totp/x?" + t) })
            {
                try
                {
                    var code = AuthenticatorCode.Compute(parse(text), DateTime.UtcNow);
                    Assert.True(code.Length is >= 6 and <= 8 && code.All(char.IsAsciiDigit));
                }
                catch (PimException e)
                {
                    Assert.StartsWith("PimInput", e.ErrorId);
                }
            }
        });
    }

    /// <summary>Neither the secret (nor its first 8 characters, in any case) nor the whole input is in the refusal.</summary>
    private static void AssertNoSecret(PimException e, string secret, string? input = null)
    {
        foreach (var text in new[] { e.Message, e.RecommendedAction ?? "", e.Target?.ToString() ?? "", e.InnerException?.Message ?? "" })
        {
            if (secret.Trim().Length >= 8)
            {
                Assert.DoesNotContain(secret, text);
                Assert.DoesNotContain(secret.Trim()[..8], text, StringComparison.OrdinalIgnoreCase);
            }
            if (input is { Length: > 0 }) Assert.DoesNotContain(input, text);
        }
    }
}

/// <summary>The reused code's refusal says when the next code is valid; Get-PimMfaCode -Principal works in a Lab store.</summary>
public class MfaCodeInStoreTests
{
    private static readonly PimRoleReference Reader = new("Security Reader");

    [Fact]
    public void A_reused_code_says_when_the_next_one_is_valid()
    {
        using var t = new TestStore();
        t.Store.Assignments.Assign(PimAssignmentType.Eligible, new PimAssignmentInput { Principal = "user1@contoso.com", Role = Reader });
        t.Store.Assignments.Assign(PimAssignmentType.Eligible, new PimAssignmentInput { Principal = "user1@contoso.com", Role = new PimRoleReference("Global Reader") });
        var user = t.Open("user1@contoso.com");
        var secret = Totp.FromBase32(user.Mfa.Register(null, false)!.Secret);
        var now = t.Clock.GetUtcNow().UtcDateTime;
        var step = Totp.StepAt(now);
        var code = Totp.Code(secret, step);
        user.Activations.RequestActivation(new PimActivationInput { Role = Reader, Justification = "x", MfaCode = code });
        t.Clock.Advance(TimeSpan.FromSeconds(1));
        now = t.Clock.GetUtcNow().UtcDateTime;
        var next = Totp.StepStart(step + 1);
        var wait = (int)Math.Ceiling((next - now).TotalSeconds);
        Assert.InRange(wait, 1, Totp.StepSeconds);
        var e = Assert.Throws<PimException>(() => user.Activations.RequestActivation(
            new PimActivationInput { Role = new PimRoleReference("Global Reader"), Justification = "x", MfaCode = code }));
        Assert.Equal("PimMfaCodeReused", e.ErrorId);
        Assert.Contains($"The next code is valid from {next:u} ({wait} second", e.Message);
        Assert.Contains($"Wait until {next:u}", e.RecommendedAction);
        Assert.DoesNotContain(code, e.Message);

        // An older code still inside the skew window, once a later step has begun: the code shown now is valid now.
        t.Clock.Advance(next - now);
        var older = Assert.Throws<PimException>(() => user.Activations.RequestActivation(
            new PimActivationInput { Role = new PimRoleReference("Global Reader"), Justification = "x", MfaCode = code }));
        Assert.Equal("PimMfaCodeReused", older.ErrorId);
        Assert.Contains("A newer code is valid now", older.Message);
        Assert.Equal(PimRequestStatus.Provisioned, user.Activations.RequestActivation(new PimActivationInput
            { Role = new PimRoleReference("Global Reader"), Justification = "x", MfaCode = Totp.Code(secret, step + 1) })!.Status);
    }

    [Fact]
    public void Reused_counts_the_seconds_to_the_step_after_the_last_one_used()
    {
        var lastStep = Totp.StepAt(new DateTime(2026, 4, 6, 8, 0, 0, DateTimeKind.Utc)) + 1; // a code from the next step, taken by skew
        var now = new DateTime(2026, 4, 6, 8, 0, 10, DateTimeKind.Utc);
        var e = Mfa.Reused("user1@contoso.com", lastStep, now);
        Assert.Contains("valid from 2026-04-06 08:01:00Z (50 seconds from now)", e.Message);
        Assert.Equal(PimErrorCategory.SecurityError, e.Category);
    }

    [Fact]
    public void The_store_copy_gives_the_code_in_a_lab_store_to_oneself_or_an_administrator()
    {
        using var t = new TestStore();
        var admin = t.Store;
        var user = t.Open("user1@contoso.com");
        var secret = Totp.FromBase32(user.Mfa.Register(null, false)!.Secret);
        var expected = Totp.Code(secret, Totp.StepAt(t.Clock.GetUtcNow().UtcDateTime));
        Assert.Equal(expected, user.Mfa.CurrentCode("user1@contoso.com"));
        Assert.Equal(expected, user.Mfa.CurrentCode("USER1@contoso.com"));
        Assert.Equal(expected, admin.Mfa.CurrentCode("user1@contoso.com"));
        Assert.Equal("PimNotAuthorized", Assert.Throws<PimException>(() => t.Open("user2@contoso.com").Mfa.CurrentCode("user1@contoso.com")).ErrorId);
        Assert.Equal("PimMfaNotRegistered", Assert.Throws<PimException>(() => admin.Mfa.CurrentCode("user3@contoso.com")).ErrorId);
        Assert.Equal("PimPrincipalInvalid", Assert.Throws<PimException>(() => admin.Mfa.CurrentCode("")).ErrorId);
        Assert.Equal("PimInputTooLong", Assert.Throws<PimException>(() => admin.Mfa.CurrentCode(new string('a', 300))).ErrorId);
    }
}
