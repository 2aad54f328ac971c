using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using PimModule.Identity.Keys;
using Xunit;

namespace PimModule.Tests;

/// <summary>Keys, thumbprints and JWS seals (issue 13's building blocks): only the bound key and its algorithm verify.</summary>
[Trait("Provider", "Neutral")]
public class SealTests
{
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("{\"from\":1,\"to\":2}");

    [Theory]
    [InlineData(256, "ES256")]
    [InlineData(384, "ES384")]
    public void An_ec_key_seals_and_verifies(int bits, string alg)
    {
        using var key = PimKey.Create(bits);
        Assert.Equal(alg, key.Algorithm);
        var jws = Jws.Sign(key, "user1@contoso.com", Payload);
        var env = Jws.Parse(jws);
        Assert.Equal("user1@contoso.com", env.Actor);
        using var pub = PimKey.FromPublicPem(key.PublicKeyPem());
        Assert.Equal(Payload, Jws.Verify(env, pub));
    }

    [Fact]
    public void A_certificate_and_its_public_key_have_one_thumbprint_and_rsa_uses_ps256()
    {
        using var rsa = RSA.Create(2048);
        var req = new CertificateRequest("CN=runbook", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        using var fromCert = PimKey.FromCertificate(cert, requirePrivateKey: true);
        using var fromPem = PimKey.FromPublicPem(PemEncoding.WriteString("PUBLIC KEY", rsa.ExportSubjectPublicKeyInfo()));
        using var fromCertPem = PimKey.FromPublicPem(cert.ExportCertificatePem());
        Assert.Equal(fromPem.Thumbprint, fromCert.Thumbprint);
        Assert.Equal(fromPem.Thumbprint, fromCertPem.Thumbprint);
        Assert.Equal("PS256", fromCert.Algorithm);
        Assert.Equal(Payload, Jws.Verify(Jws.Parse(Jws.Sign(fromCert, "runbook@contoso.com", Payload)), fromPem));
    }

    [Fact]
    public void A_small_rsa_key_is_refused()
    {
        using var rsa = RSA.Create(1024);
        var e = Assert.Throws<PimException>(() => PimKey.FromPublicPem(PemEncoding.WriteString("PUBLIC KEY", rsa.ExportSubjectPublicKeyInfo())));
        Assert.Equal("PimCredentialInvalid", e.ErrorId);
    }

    [Fact]
    public void Another_key_does_not_verify_even_with_its_own_jwk_embedded()
    {
        using var victim = PimKey.Create();
        using var attacker = PimKey.Create();
        // The attacker signs with their key, names the victim's key id and embeds their own public key (jwk).
        var header = new JsonObject { ["alg"] = "ES256", ["kid"] = victim.Thumbprint, ["typ"] = Jws.Type, [Jws.ActorHeader] = "admin@contoso.com",
            ["jwk"] = new JsonObject { ["kty"] = "EC" }, ["x5c"] = new JsonArray("MIIB") };
        var input = Jws.Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Jws.Base64Url(Payload);
        var forged = input + "." + Jws.Base64Url(attacker.Sign(Encoding.ASCII.GetBytes(input)));
        var e = Assert.Throws<PimException>(() => Jws.Verify(Jws.Parse(forged), victim));
        Assert.Equal("PimSealInvalid", e.ErrorId);
    }

    [Fact]
    public void The_algorithm_is_the_keys_never_the_envelopes()
    {
        using var key = PimKey.Create(384);
        var jws = Jws.Sign(key, "a@contoso.com", Payload);
        var parts = jws.Split('.');
        var header = JsonNode.Parse(Jws.FromBase64Url(parts[0]))!.AsObject();
        foreach (var alg in new[] { "none", "ES256", "HS256" })
        {
            header["alg"] = alg;
            var swapped = Jws.Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + parts[1] + "." + parts[2];
            Assert.Equal("PimSealInvalid", Assert.Throws<PimException>(() => Jws.Verify(Jws.Parse(swapped), key)).ErrorId);
        }
    }

    [Fact]
    public void A_one_byte_change_anywhere_fails()
    {
        using var key = PimKey.Create();
        var jws = Jws.Sign(key, "a@contoso.com", Payload);
        for (var i = 0; i < jws.Length; i++)
        {
            if (jws[i] == '.') continue;
            var c = jws[i] == 'A' ? 'B' : 'A';
            var edited = jws[..i] + c + jws[(i + 1)..];
            Assert.Throws<PimException>(() => Jws.Verify(Jws.Parse(edited), key));
        }
    }

    [Fact]
    public void Critical_extensions_are_refused()
    {
        using var key = PimKey.Create();
        var header = new JsonObject { ["alg"] = "ES256", ["kid"] = key.Thumbprint, [Jws.ActorHeader] = "a@contoso.com", ["crit"] = new JsonArray("b64"), ["b64"] = false };
        var input = Jws.Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Jws.Base64Url(Payload);
        var jws = input + "." + Jws.Base64Url(key.Sign(Encoding.ASCII.GetBytes(input)));
        Assert.Equal("PimSealInvalid", Assert.Throws<PimException>(() => Jws.Parse(jws)).ErrorId);
    }

    [Fact]
    public void A_private_key_round_trips_encrypted_and_a_wrong_passphrase_is_refused()
    {
        using var key = PimKey.Create();
        var pem = key.PrivateKeyPem("correct horse");
        Assert.Contains("BEGIN ENCRYPTED PRIVATE KEY", pem);
        using var back = PimKey.FromPrivatePem(pem, "correct horse");
        Assert.Equal(key.Thumbprint, back.Thumbprint);
        Assert.Equal("PimCredentialPassphraseInvalid", Assert.Throws<PimException>(() => PimKey.FromPrivatePem(pem, "wrong")).ErrorId);
        Assert.Equal("PimCredentialPassphraseInvalid", Assert.Throws<PimException>(() => PimKey.FromPrivatePem(pem, "")).ErrorId);
        using var plain = PimKey.FromPrivatePem(key.PrivateKeyPem(""), "");
        Assert.Equal(key.Thumbprint, plain.Thumbprint);
    }

    [Fact]
    public void Canonical_json_sorts_members_by_code_units_and_escapes_as_ecmascript()
    {
        var node = JsonNode.Parse("{\"b\":1,\"a\":[true,null,\"x\\u0001\\n\\\"\"],\"\\u00e9\":\"\\u20ac\",\"A\":-9007199254740991}");
        Assert.Equal("{\"A\":-9007199254740991,\"a\":[true,null,\"x\\u0001\\n\\\"\"],\"b\":1,\"é\":\"€\"}",
            PimModule.Audit.CanonicalJson.SerializeToString(node));
        Assert.Throws<ArgumentException>(() => PimModule.Audit.CanonicalJson.Serialize(JsonNode.Parse("1.5")));
    }

    /// <summary>A library PimModule does not use (Debian's python3-jwcrypto) verifies a seal; a one-byte edit fails there too.</summary>
    [Fact]
    public void A_third_party_library_verifies_a_seal()
    {
        // Debian's python3-jwcrypto (.ci/run installs it) belongs to Debian's python3, which need not be the first on PATH.
        var python = new[] { "/usr/bin/python3", "python3" }.FirstOrDefault(HasJwcrypto);
        if (python is null)
        {
            Assert.True(Environment.GetEnvironmentVariable("CI") is null, "CI must have python3-jwcrypto (.ci/run installs it).");
            return;
        }
        foreach (var bits in new[] { 256, 384 })
        {
            using var key = PimKey.Create(bits);
            var jws = Jws.Sign(key, "user1@contoso.com", Payload);
            Assert.Equal(Encoding.UTF8.GetString(Payload), RunJwcrypto(python, key.PublicKeyPem(), jws, out var ok));
            Assert.True(ok);
            var edited = jws[..^3] + (jws[^3] == 'A' ? 'B' : 'A') + jws[^2..];
            RunJwcrypto(python, key.PublicKeyPem(), edited, out ok);
            Assert.False(ok);
        }
    }

    private static bool HasJwcrypto(string python)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(python, "-c \"import jwcrypto\"") { RedirectStandardError = true })!;
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static string RunJwcrypto(string python, string pem, string jws, out bool ok)
    {
        const string script = "import sys\nfrom jwcrypto import jwk, jws\nkey = jwk.JWK.from_pem(sys.argv[1].encode())\n" +
                              "t = jws.JWS()\nt.deserialize(sys.argv[2])\ntry:\n    t.verify(key)\nexcept Exception as e:\n    print('INVALID', e); sys.exit(3)\n" +
                              "sys.stdout.write(t.payload.decode())\n";
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(pem);
        psi.ArgumentList.Add(jws);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        ok = p.ExitCode == 0;
        if (p.ExitCode is not (0 or 3)) throw new InvalidOperationException($"python3 failed ({p.ExitCode}): {error}");
        return output;
    }
}

[Trait("Provider", "Neutral")]
public sealed class CredentialFolderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pim-keys-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_credential_is_made_once_kept_owner_only_and_loads_back()
    {
        var c = CredentialFolder.Create("User1@Contoso.com", null, "", root: _root);
        Assert.Equal(Path.Combine(_root, "user1@contoso.com.pem"), c.Path);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", c.PublicKey);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(c.Path!));
        Assert.DoesNotContain("PUBLIC", File.ReadAllText(c.Path!));
        using var key = CredentialFolder.Load("user1@contoso.com", null, "", root: _root);
        Assert.Equal(c.Thumbprint, key.Thumbprint);
        Assert.Equal("PimCredentialExists", Assert.Throws<PimException>(() => CredentialFolder.Create("user1@contoso.com", null, "", root: _root)).ErrorId);
        Assert.Equal("PimCredentialNotFound", Assert.Throws<PimException>(() => CredentialFolder.Load("user2@contoso.com", null, "", root: _root)).ErrorId);
    }
}

[Trait("Provider", "Neutral")]
public class KeyEncryptionTests
{
    [Fact]
    public void A_secret_encrypted_to_a_principal_opens_only_with_their_key_and_context()
    {
        using var rsa = RSA.Create(2048);
        var req = new CertificateRequest("CN=r", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        foreach (var make in new Func<PimKey>[] { () => PimKey.Create(256), () => PimKey.Create(384), () => PimKey.FromCertificate(cert, true) })
        {
            using var mine = make();
            using var other = PimKey.Create(256);
            using var publicOnly = PimKey.FromPublicPem(mine.PublicKeyPem());
            var secret = Encoding.UTF8.GetBytes("JBSWY3DPEHPK3PXP");
            var sealedText = publicOnly.EncryptTo(secret, "user1@contoso.com|store-1");
            Assert.Equal(secret, mine.Decrypt(sealedText, "user1@contoso.com|store-1"));
            Assert.Equal("PimMfaSecretInvalid", Assert.Throws<PimException>(() => mine.Decrypt(sealedText, "user2@contoso.com|store-1")).ErrorId);
            Assert.Equal("PimMfaSecretInvalid", Assert.Throws<PimException>(() => other.Decrypt(sealedText, "user1@contoso.com|store-1")).ErrorId);
        }
    }
}
