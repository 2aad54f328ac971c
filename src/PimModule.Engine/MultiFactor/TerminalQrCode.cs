using QRCoder;

namespace PimModule.MultiFactor;

/// <summary>
/// A QR code drawn with text, for a terminal (Register-PimMfaMethod shows its otpauth:// URI this way, for an
/// authenticator app to scan). QRCoder makes the module matrix (error correction M, with its 4-module quiet zone); it is
/// drawn here so that no QRCoder type leaves the engine. In every line a character stands for DARK modules, a space for
/// light ones, and every line has the same width: drawn black on white (the cmdlet asks the host for those colours), it
/// scans on a dark or a light terminal alike.
/// <list type="bullet">
/// <item><see cref="Style.HalfBlocks"/>: one character per module across, two modules down ('▀', '▄', '█', ' '):
/// compact and square, for a UTF-8 terminal.</item>
/// <item><see cref="Style.Ascii"/>: two characters per module across ("##" or "  "), one line per row, for a host that
/// cannot draw those blocks (another output encoding, output redirected).</item>
/// </list>
/// </summary>
public static class TerminalQrCode
{
    public enum Style
    {
        HalfBlocks,
        Ascii,
    }

    public const char Upper = '\u2580', Lower = '\u2584', Full = '\u2588';

    /// <summary>The lines that draw <paramref name="text"/> as a QR code, top to bottom.</summary>
    public static IReadOnlyList<string> Render(string text, Style style)
    {
        var m = Modules(text);
        var size = m.GetLength(0);
        var lines = new List<string>(size);
        if (style == Style.Ascii)
        {
            for (var y = 0; y < size; y++)
            {
                var line = new System.Text.StringBuilder(size * 2);
                for (var x = 0; x < size; x++) line.Append(m[y, x] ? "##" : "  ");
                lines.Add(line.ToString());
            }
            return lines;
        }
        for (var y = 0; y < size; y += 2)
        {
            var line = new char[size];
            for (var x = 0; x < size; x++)
            {
                var top = m[y, x];
                var bottom = y + 1 < size && m[y + 1, x];
                line[x] = top ? (bottom ? Full : Upper) : bottom ? Lower : ' ';
            }
            lines.Add(new string(line));
        }
        return lines;
    }

    /// <summary>The module matrix of <paramref name="text"/>, quiet zone included: true for a dark module.</summary>
    internal static bool[,] Modules(string text)
    {
        using var data = QRCodeGenerator.GenerateQrCode(text, QRCodeGenerator.ECCLevel.M);
        var rows = data.ModuleMatrix;
        var size = rows.Count;
        var m = new bool[size, size];
        for (var y = 0; y < size; y++)
            for (var x = 0; x < size; x++)
                m[y, x] = rows[y][x];
        return m;
    }
}
