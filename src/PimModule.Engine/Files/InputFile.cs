using System.Text;
using PimModule.Errors;

namespace PimModule.Files;

/// <summary>
/// The files the import cmdlets read (-Path, -Reference, -Difference): read up to a limit, so a device or a link to one
/// (<c>/dev/zero</c>, whose length is 0) is refused by name (<c>PimInputTooLong</c>) instead of filling the memory, and a
/// file that cannot be read is the cmdlet's own error, never a raw .NET exception.
/// </summary>
public static class InputFile
{
    /// <summary>The text of <paramref name="path"/> (a resolved path), at most <paramref name="maxMegabytes"/> MB of it.</summary>
    public static string ReadText(string path, int maxMegabytes, string hint, PimRefusal notFound, PimRefusal? notReadable = null)
    {
        notReadable ??= notFound;
        var max = maxMegabytes * 1024 * 1024;
        try
        {
            using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            var text = new StringBuilder();
            var buffer = new char[64 * 1024];
            int read;
            while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (text.Length + read > max)
                    throw PimErrors.InputTooLong($"'{path}' holds more than {maxMegabytes} MB of text; nothing was read from it.", path, hint);
                text.Append(buffer, 0, read);
            }
            return text.ToString();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw notFound($"Cannot read '{path}': there is no such file.", path, hint, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw notReadable($"Cannot read '{path}': {e.Message}", path, hint, e);
        }
    }
}
