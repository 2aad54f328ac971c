using System.Security.Cryptography;
using System.Text;
using PimModule.Errors;

namespace PimModule.MultiFactor;

/// <summary>
/// Encrypts secrets kept in the store (TOTP secrets, the SMTP password) with AES-256-GCM. The key comes from
/// $env:PIM_SECRET_KEY (base64 of 32 bytes: share it between the machines and accounts that use one store),
/// else from a key file in the user's PimModule data folder, created on first use readable by the user only
/// (mode 0600 on Linux and macOS; the profile's ACL on Windows). A copy of the store alone reveals no secret.
/// Each ciphertext is bound to where it belongs (AES-GCM associated data: the store id and, for a TOTP secret, the
/// principal's key), so copying one principal's ciphertext onto another's row, or into another store, makes it
/// undecryptable rather than usable. Texts written before that binding ("v1:") are still read and re-encrypted.
/// </summary>
internal static class SecretProtector
{
    public const string KeyVariable = "PIM_SECRET_KEY";
    private static readonly object Gate = new();
    private static byte[]? _key;
    private static string? _keySource;

    internal static byte[] Key()
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
        throw PimErrors.SecretKeyInvalid($"${KeyVariable} must be the base64 text of 32 random bytes.", KeyVariable,
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


    /// <summary>
    /// Encrypts <paramref name="plain"/> bound to <paramref name="context"/> (AES-GCM associated data): the text
    /// decrypts only with the same context, so a ciphertext copied onto another row or into another store is refused.
    /// Format "v2:" + base64(nonce 12 | tag 16 | cipher).
    /// </summary>
    public static string Protect(byte[] plain, string context)
    {
        var nonce = RandomNumberGenerator.GetBytes(12);
        var cipher = new byte[plain.Length];
        var tag = new byte[16];
        using var aes = new AesGcm(Key(), 16);
        aes.Encrypt(nonce, plain, cipher, tag, Encoding.UTF8.GetBytes(context));
        return "v2:" + Convert.ToBase64String([.. nonce, .. tag, .. cipher]);
    }

    /// <summary>True for a ciphertext written before secrets were bound to their context ("v1:", no associated data).</summary>
    public static bool IsLegacy(string text) => text.StartsWith("v1:", StringComparison.Ordinal);

    /// <summary>
    /// Decrypts a secret: "v2:" with <paramref name="context"/> as associated data; a legacy "v1:" text without (the
    /// caller re-encrypts it with <see cref="Protect"/> when it can). Null when it cannot be decrypted: another key,
    /// another context (a copied row), or a damaged text. Never throws for the text itself.
    /// </summary>
    public static byte[]? TryUnprotect(string text, string context)
    {
        var legacy = IsLegacy(text);
        if (!legacy && !text.StartsWith("v2:", StringComparison.Ordinal)) return null;
        var key = Key(); // a bad $env:PIM_SECRET_KEY is its own refusal (PimSecretKeyInvalid)
        try
        {
            var all = Convert.FromBase64String(text[3..]);
            if (all.Length < 28) return null;
            var plain = new byte[all.Length - 28];
            using var aes = new AesGcm(key, 16);
            aes.Decrypt(all[..12], all[28..], all[12..28], plain, legacy ? null : Encoding.UTF8.GetBytes(context));
            return plain;
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Decrypts a secret (see <see cref="TryUnprotect"/>), refusing with PimSecretUnreadable when it cannot.</summary>
    public static byte[] Unprotect(string text, string context, string what)
        => TryUnprotect(text, context) ?? throw PimErrors.SecretUnreadable($"The {what} in the store cannot be decrypted with this machine's key, or it was not written for this store.", what,
            $"Use the same ${KeyVariable} (or key file) as the process that stored it, or set it again.");

    /// <summary>True when a key exists ($env:PIM_SECRET_KEY, or the key file); creates nothing.</summary>
    public static bool HasKey()
    {
        var fromEnv = Environment.GetEnvironmentVariable(KeyVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv)) return true;
        return File.Exists(KeyFile());
    }

    /// <summary>The associated data of a principal's TOTP secret: the store and the principal's key.</summary>
    public static string MfaContext(string storeId, string principalKey) => $"pim-mfa-v2|{storeId}|{principalKey}";

    /// <summary>The associated data of the SMTP password: the store and its purpose.</summary>
    public static string MailPasswordContext(string storeId) => $"pim-smtp-v2|{storeId}|mail.password";
}
