using System.Security.Cryptography;
using System.Text;

namespace PimModule;

/// <summary>
/// Encrypts secrets kept in the store (TOTP secrets, the SMTP password) with AES-256-GCM. The key comes from
/// $env:PIM_SECRET_KEY (base64 of 32 bytes: share it between the machines and accounts that use one store),
/// else from a key file in the user's PimModule data folder, created on first use readable by the user only
/// (mode 0600 on Linux and macOS; the profile's ACL on Windows). A copy of the store alone reveals no secret.
/// </summary>
internal static class SecretProtector
{
    public const string KeyVariable = "PIM_SECRET_KEY";
    private static readonly object Gate = new();
    private static byte[]? _key;
    private static string? _keySource;

    private static byte[] Key()
    {
        var fromEnv = Environment.GetEnvironmentVariable(KeyVariable);
        lock (Gate)
        {
            var source = string.IsNullOrWhiteSpace(fromEnv) ? KeyFile() : "env:" + fromEnv;
            if (_key is not null && _keySource == source) return _key;
            _key = string.IsNullOrWhiteSpace(fromEnv) ? LoadOrCreateFile(source) : Decode(fromEnv);
            _keySource = source;
            return _key;
        }
    }

    private static byte[] Decode(string text)
    {
        try
        {
            var k = Convert.FromBase64String(text.Trim());
            if (k.Length == 32) return k;
        }
        catch (FormatException) { }
        throw new PimException("PimSecretKeyInvalid", PimErrorCategory.InvalidData,
            $"${KeyVariable} must be the base64 text of 32 random bytes.", KeyVariable,
            "Set it to [Convert]::ToBase64String([Security.Cryptography.RandomNumberGenerator]::GetBytes(32)), the same everywhere the store is used.");
    }

    private static string KeyFile() => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData,
        Environment.SpecialFolderOption.Create), "PimModule", "secret.key");

    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private static byte[] LoadOrCreateFile(string path)
    {
        var folder = Path.GetDirectoryName(path)!;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(folder);
        else
        {
            // The module's own per-user folder: 0700, and the key 0600 (tightened if an older version left them open).
            Directory.CreateDirectory(folder, OwnerOnlyFolder);
            Tighten(folder, OwnerOnlyFolder);
            if (File.Exists(path)) Tighten(path, OwnerOnlyFile);
        }
        if (File.Exists(path)) return Decode(File.ReadAllText(path));
        var key = RandomNumberGenerator.GetBytes(32);
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnlyFile;
            using var fs = new FileStream(path, options);
            fs.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(key)));
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            return Decode(File.ReadAllText(path)); // another process created it first
        }
    }

    private static void Tighten(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows()) return;
        try
        {
            if ((File.GetUnixFileMode(path) & ~mode) != 0) File.SetUnixFileMode(path, mode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // another owner's file: used as it is
        }
    }

    public static string Protect(byte[] plain)
    {
        var nonce = RandomNumberGenerator.GetBytes(12);
        var cipher = new byte[plain.Length];
        var tag = new byte[16];
        using var aes = new AesGcm(Key(), 16);
        aes.Encrypt(nonce, plain, cipher, tag);
        return "v1:" + Convert.ToBase64String([.. nonce, .. tag, .. cipher]);
    }

    public static byte[] Unprotect(string text, string what)
    {
        try
        {
            var all = Convert.FromBase64String(text["v1:".Length..]);
            var plain = new byte[all.Length - 28];
            using var aes = new AesGcm(Key(), 16);
            aes.Decrypt(all[..12], all[28..], all[12..28], plain);
            return plain;
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException)
        {
            throw new PimException("PimSecretUnreadable", PimErrorCategory.SecurityError,
                $"The {what} in the store cannot be decrypted with this machine's key.", what,
                $"Use the same ${KeyVariable} (or key file) as the process that stored it, or register it again.", e);
        }
    }
}
