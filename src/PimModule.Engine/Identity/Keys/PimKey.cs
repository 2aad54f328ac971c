using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PimModule.Errors;

namespace PimModule.Identity.Keys;

/// <summary>
/// A principal's signing key: ECDSA P-256 / P-384 (made by New-PimCredential) or RSA of at least 2048 bits (from an X.509
/// certificate). Only .NET's own cryptography. The algorithm is bound to the key (ES256, ES384, PS256) and never taken
/// from an envelope. <see cref="Thumbprint"/> is the SHA-256 of the SubjectPublicKeyInfo, upper-case hex: the same for a
/// PEM public key and for a certificate holding that key.
/// </summary>
internal sealed class PimKey : IDisposable
{
    public const int MinRsaBits = 2048;

    private readonly ECDsa? _ec;
    private readonly RSA? _rsa;

    private PimKey(ECDsa? ec, RSA? rsa, bool hasPrivateKey)
    {
        _ec = ec;
        _rsa = rsa;
        HasPrivateKey = hasPrivateKey;
        var spki = ec?.ExportSubjectPublicKeyInfo() ?? rsa!.ExportSubjectPublicKeyInfo();
        Thumbprint = ThumbprintOf(spki);
        Algorithm = ec is not null
            ? ec.KeySize switch { 256 => "ES256", 384 => "ES384", _ => throw Unsupported($"an EC key of {ec.KeySize} bits") }
            : "PS256";
    }

    public string Thumbprint { get; }

    /// <summary>The JWS algorithm of this key (RFC 7518): ES256 (P-256), ES384 (P-384) or PS256 (RSA).</summary>
    public string Algorithm { get; }

    public bool HasPrivateKey { get; }

    public static string ThumbprintOf(ReadOnlySpan<byte> subjectPublicKeyInfo) => Convert.ToHexString(SHA256.HashData(subjectPublicKeyInfo));

    /// <summary>A new ECDSA key pair (P-256 by default, or P-384).</summary>
    public static PimKey Create(int curveBits = 256)
    {
        var curve = curveBits switch
        {
            256 => ECCurve.NamedCurves.nistP256,
            384 => ECCurve.NamedCurves.nistP384,
            _ => throw Unsupported($"a P-{curveBits} curve"),
        };
        return new PimKey(ECDsa.Create(curve), null, true);
    }

    /// <summary>A public key from its PEM (BEGIN PUBLIC KEY), or from a certificate's PEM (BEGIN CERTIFICATE).</summary>
    public static PimKey FromPublicPem(string pem)
    {
        if (pem.Contains("BEGIN CERTIFICATE", StringComparison.Ordinal))
        {
            X509Certificate2 cert;
            try
            {
                cert = X509Certificate2.CreateFromPem(pem);
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                throw PimErrors.CredentialInvalid($"The certificate is not readable: {e.Message}", null, "Give the certificate's PEM as exported, or an X509Certificate2.", e);
            }
            using (cert) return FromCertificate(cert, requirePrivateKey: false);
        }
        if (!PemEncoding.TryFind(pem, out var fields) || pem[fields.Label] is not "PUBLIC KEY")
            throw PimErrors.CredentialInvalid("The public key is not a PEM 'PUBLIC KEY' (SubjectPublicKeyInfo) nor a certificate.", null,
                "Give the text Export-PimCredential wrote (or -PublicKeyPath <its file>), New-PimCredential's output, or an X509Certificate2.");
        var spki = Convert.FromBase64String(pem[fields.Base64Data]);
        return FromSubjectPublicKeyInfo(spki);
    }

    public static PimKey FromSubjectPublicKeyInfo(byte[] spki)
    {
        // The key's algorithm is read from the SubjectPublicKeyInfo itself: EC or RSA, nothing else.
        try
        {
            var ec = ECDsa.Create();
            ec.ImportSubjectPublicKeyInfo(spki, out _);
            return new PimKey(ec, null, false);
        }
        catch (CryptographicException)
        {
        }
        try
        {
            var rsa = RSA.Create();
            rsa.ImportSubjectPublicKeyInfo(spki, out _);
            if (rsa.KeySize < MinRsaBits) throw Unsupported($"an RSA key of {rsa.KeySize} bits");
            return new PimKey(null, rsa, false);
        }
        catch (CryptographicException e)
        {
            throw PimErrors.CredentialInvalid("The public key is neither an EC (P-256, P-384) nor an RSA key.", null,
                "Give a key made by New-PimCredential, or a certificate with an RSA key of at least 2048 bits.", e);
        }
    }

    /// <summary>The key of a certificate (with its private key when the certificate has one and it is asked for).</summary>
    public static PimKey FromCertificate(X509Certificate2 certificate, bool requirePrivateKey)
    {
        if (certificate.GetECDsaPrivateKey() is { } ecPrivate) return new PimKey(ecPrivate, null, true);
        if (certificate.GetRSAPrivateKey() is { } rsaPrivate)
        {
            if (rsaPrivate.KeySize < MinRsaBits) throw Unsupported($"an RSA key of {rsaPrivate.KeySize} bits");
            return new PimKey(null, rsaPrivate, true);
        }
        if (requirePrivateKey)
            throw PimErrors.CredentialInvalid($"The certificate {certificate.Subject} has no private key here.", certificate.Thumbprint,
                "Give a certificate with its private key (a PFX, or one from the certificate store that holds its key).");
        if (certificate.GetECDsaPublicKey() is { } ec) return new PimKey(ec, null, false);
        if (certificate.GetRSAPublicKey() is { } rsa)
        {
            if (rsa.KeySize < MinRsaBits) throw Unsupported($"an RSA key of {rsa.KeySize} bits");
            return new PimKey(null, rsa, false);
        }
        throw Unsupported("the certificate's key algorithm");
    }

    /// <summary>The public key as PEM (SubjectPublicKeyInfo).</summary>
    public string PublicKeyPem()
        => PemEncoding.WriteString("PUBLIC KEY", _ec?.ExportSubjectPublicKeyInfo() ?? _rsa!.ExportSubjectPublicKeyInfo());

    /// <summary>The private key as PKCS#8 PEM; encrypted (PBKDF2-SHA256, AES-256-CBC) when a passphrase is given.</summary>
    public string PrivateKeyPem(ReadOnlySpan<char> passphrase)
    {
        if (!HasPrivateKey) throw new InvalidOperationException("A public key has no private key to export.");
        AsymmetricAlgorithm key = (AsymmetricAlgorithm?)_ec ?? _rsa!;
        if (passphrase.IsEmpty) return key.ExportPkcs8PrivateKeyPem();
        var pbe = new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 600_000);
        return key.ExportEncryptedPkcs8PrivateKeyPem(passphrase, pbe);
    }

    /// <summary>A private key from PKCS#8 PEM (encrypted or not); a wrong or missing passphrase is PimCredentialPassphraseInvalid.</summary>
    /// <param name="passphraseParameter">The parameter that gives the passphrase, named in the recommended action.</param>
    public static PimKey FromPrivatePem(string pem, ReadOnlySpan<char> passphrase, string passphraseParameter = "CredentialPassphrase")
    {
        var encrypted = pem.Contains("BEGIN ENCRYPTED PRIVATE KEY", StringComparison.Ordinal);
        if (encrypted && passphrase.IsEmpty)
            throw PimErrors.CredentialPassphraseInvalid("The private key is encrypted and no passphrase was given.", null,
                $"Give -{passphraseParameter} (Read-Host -AsSecureString).");
        foreach (var make in new Func<AsymmetricAlgorithm>[] { () => ECDsa.Create(), () => RSA.Create() })
        {
            var key = make();
            try
            {
                if (encrypted) key.ImportFromEncryptedPem(pem, passphrase);
                else key.ImportFromPem(pem);
                return key is ECDsa ec ? new PimKey(ec, null, true) : Rsa((RSA)key);
            }
            catch (CryptographicException) when (encrypted && key is RSA)
            {
                key.Dispose();
                throw PimErrors.CredentialPassphraseInvalid("The passphrase does not open the private key.", null,
                    $"Give -{passphraseParameter}: the passphrase the credential was made with.");
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                key.Dispose();
            }
        }
        throw PimErrors.CredentialInvalid("The file holds no EC or RSA private key in PEM (PKCS#8).", null,
            "Give a credential file written by New-PimCredential.");

        static PimKey Rsa(RSA rsa)
        {
            if (rsa.KeySize < MinRsaBits) throw Unsupported($"an RSA key of {rsa.KeySize} bits");
            return new PimKey(null, rsa, true);
        }
    }

    public byte[] Sign(ReadOnlySpan<byte> data)
    {
        if (!HasPrivateKey) throw new InvalidOperationException("A public key cannot sign.");
        return _ec is not null
            ? _ec.SignData(data, Hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
            : _rsa!.SignData(data.ToArray(), HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
    }

    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
        => _ec is not null
            ? _ec.VerifyData(data, signature, Hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
            : _rsa!.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);

    // ---- encryption to this key (a principal's MFA secret, the mailer's SMTP password) -------------------------------
    // EC: an ephemeral ECDH key on the same curve, SHA-256 of the shared secret as the AES-256-GCM key. RSA: OAEP-SHA256
    // wraps a random AES key. Either way the context (principal and store) is the associated data, so a ciphertext copied
    // onto another row or into another store does not decrypt. Format "k1:" + base64(len(header) 2 bytes | header | nonce 12
    // | tag 16 | cipher), the header being the ephemeral public key (EC) or the wrapped key (RSA).

    public string EncryptTo(ReadOnlySpan<byte> plain, string context)
    {
        byte[] header, aesKey;
        if (_ec is not null)
        {
            using var ephemeral = ECDiffieHellman.Create(_ec.ExportParameters(false).Curve);
            using var peer = ECDiffieHellman.Create(_ec.ExportParameters(false));
            aesKey = ephemeral.DeriveKeyFromHash(peer.PublicKey, HashAlgorithmName.SHA256);
            header = ephemeral.PublicKey.ExportSubjectPublicKeyInfo();
        }
        else
        {
            aesKey = RandomNumberGenerator.GetBytes(32);
            header = _rsa!.Encrypt(aesKey, RSAEncryptionPadding.OaepSHA256);
        }
        var nonce = RandomNumberGenerator.GetBytes(12);
        var tag = new byte[16];
        var cipher = new byte[plain.Length];
        using (var aes = new AesGcm(aesKey, 16)) aes.Encrypt(nonce, plain, cipher, tag, System.Text.Encoding.UTF8.GetBytes(context));
        CryptographicOperations.ZeroMemory(aesKey);
        return "k1:" + Convert.ToBase64String([(byte)(header.Length >> 8), (byte)header.Length, .. header, .. nonce, .. tag, .. cipher]);
    }

    /// <summary>Decrypts what <see cref="EncryptTo"/> made for this key and context; anything else is PimMfaSecretInvalid.</summary>
    public byte[] Decrypt(string text, string context)
    {
        if (!HasPrivateKey) throw new InvalidOperationException("A public key cannot decrypt.");
        try
        {
            if (!text.StartsWith("k1:", StringComparison.Ordinal)) throw new CryptographicException("not a k1 ciphertext");
            var bytes = Convert.FromBase64String(text[3..]);
            var headerLength = (bytes[0] << 8) | bytes[1];
            var header = bytes.AsSpan(2, headerLength);
            var nonce = bytes.AsSpan(2 + headerLength, 12);
            var tag = bytes.AsSpan(14 + headerLength, 16);
            var cipher = bytes.AsSpan(30 + headerLength);
            byte[] aesKey;
            if (_ec is not null)
            {
                using var mine = ECDiffieHellman.Create(_ec.ExportParameters(true));
                using var ephemeral = ECDiffieHellman.Create();
                ephemeral.ImportSubjectPublicKeyInfo(header, out _);
                aesKey = mine.DeriveKeyFromHash(ephemeral.PublicKey, HashAlgorithmName.SHA256);
            }
            else aesKey = _rsa!.Decrypt(header.ToArray(), RSAEncryptionPadding.OaepSHA256);
            var plain = new byte[cipher.Length];
            using (var aes = new AesGcm(aesKey, 16)) aes.Decrypt(nonce, cipher, tag, plain, System.Text.Encoding.UTF8.GetBytes(context));
            CryptographicOperations.ZeroMemory(aesKey);
            return plain;
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException or IndexOutOfRangeException)
        {
            throw PimErrors.MfaSecretInvalid("The secret does not decrypt with this key for this principal and store: it was not made for them here.", null,
                "Register the MFA method again (Register-PimMfaMethod).", e);
        }
    }

    private HashAlgorithmName Hash => Algorithm == "ES384" ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256;

    private static PimException Unsupported(string what)
        => PimErrors.CredentialInvalid($"PimModule does not accept {what}: keys are ECDSA P-256 or P-384, or RSA of at least {MinRsaBits} bits.", null,
            "Make a key with New-PimCredential, or use a certificate with an RSA key of at least 2048 bits.");

    public void Dispose()
    {
        _ec?.Dispose();
        _rsa?.Dispose();
    }
}
