using System.Security.Cryptography;
using CsCheck;
using PimModule.Identity.Keys;
using Xunit;

namespace PimModule.Tests;

/// <summary>
/// The public key an administrator is handed (issue 26): whatever text comes, it is a public key or the module's own
/// refusal; a private key in any of its forms is PimCredentialPrivateKeyGiven and none of its text is repeated.
/// </summary>
[Trait("Provider", "Neutral")]
public class OnboardingTests
{
    private static readonly Gen<string> Base64Line = Gen.String[Gen.Char["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"], 32, 64];

    private static readonly Gen<string> Label = Gen.OneOfConst("PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY",
        "OPENSSH PRIVATE KEY", "DSA PRIVATE KEY", "private key");

    private static readonly Gen<string> Around = Gen.OneOfConst("", " ", "\r\n", "\n\n  ", "\t", "note: \n");

    [Fact]
    public void Any_text_given_as_a_public_key_is_a_key_or_the_modules_own_refusal()
        => Gen.OneOf(Gen.String, Gen.String[Gen.Char[' ', '~'], 0, 300],
                Gen.Select(Base64Line, l => "-----BEGIN PUBLIC KEY-----\n" + l + "\n-----END PUBLIC KEY-----"))
            .Sample(text =>
            {
                try { CredentialService.PublicKeyOf(text, "user1@contoso.com").Dispose(); }
                catch (PimException) { }
            }, iter: 2000, threads: 1);

    [Fact]
    public void A_private_key_in_any_form_is_refused_and_none_of_it_is_repeated()
        => Gen.Select(Label, Base64Line.Array[1, 4], Around, Around, (label, lines, before, after) => (label, lines, before, after))
            .Sample(t =>
            {
                var text = $"{t.before}-----BEGIN {t.label}-----\r\n{string.Join("\r\n", t.lines)}\r\n-----END {t.label}-----{t.after}";
                var e = Assert.Throws<PimException>(() => CredentialService.PublicKeyOf(text, "user1@contoso.com"));
                Assert.Equal("PimCredentialPrivateKeyGiven", e.ErrorId);
                Assert.Equal(PimErrorCategory.SecurityError, e.Category);
                Assert.Equal("user1@contoso.com", e.Target);
                foreach (var line in t.lines)
                {
                    Assert.DoesNotContain(line, e.Message, StringComparison.Ordinal);
                    Assert.DoesNotContain(line, e.RecommendedAction ?? "", StringComparison.Ordinal);
                }
                // As the array of lines Get-Content gives, and inside a PimCredential, the same.
                var inCredential = new PimCredential { Principal = "user1@contoso.com", PublicKey = text };
                Assert.Equal("PimCredentialPrivateKeyGiven", Assert.Throws<PimException>(() => CredentialService.PublicKeyOf(inCredential, "user1@contoso.com")).ErrorId);
            }, iter: 500, threads: 1);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void New_PimCredentials_key_file_is_refused_and_its_public_half_is_taken(bool encrypted)
    {
        using var key = PimKey.Create();
        var file = key.PrivateKeyPem(encrypted ? "correct horse" : "");
        Assert.Equal("PimCredentialPrivateKeyGiven", Assert.Throws<PimException>(() => CredentialService.PublicKeyOf(file, "user1@contoso.com")).ErrorId);
        var half = CredentialService.PublicHalf("user1@contoso.com", "/keys/user1.pem", file, encrypted ? "correct horse" : "");
        Assert.DoesNotContain("PRIVATE", half.PublicKey, StringComparison.Ordinal);
        Assert.Equal(key.Thumbprint, half.Thumbprint);
        Assert.Equal(encrypted, half.Encrypted);
        using var back = CredentialService.PublicKeyOf("\r\n  " + half.PublicKey.Replace("\n", "\r\n") + "\r\n\r\n", "user1@contoso.com");
        Assert.Equal(key.Thumbprint, back.Thumbprint);
    }

    [Fact]
    public void Other_private_key_encodings_are_refused()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var rsa = RSA.Create(2048);
        foreach (var text in new[] { ec.ExportECPrivateKeyPem(), rsa.ExportRSAPrivateKeyPem(), rsa.ExportPkcs8PrivateKeyPem(),
                     "PuTTY-User-Key-File-3: ecdsa-sha2-nistp256\nEncryption: none\nPrivate-Lines: 1\nAAAA\n" })
            Assert.Equal("PimCredentialPrivateKeyGiven", Assert.Throws<PimException>(() => CredentialService.PublicKeyOf(text, "user1@contoso.com")).ErrorId);
    }

    [Theory]
    [InlineData("user1@contoso.com", "user1@contoso.com", "user1@contoso.com.pem")]
    [InlineData("o'brien@contoso.com", "'o''brien@contoso.com'", "'o''brien@contoso.com.pem'")]
    [InlineData("CONTOSO\\user1", "'CONTOSO\\user1'", "CONTOSO_user1.pem")]
    [InlineData("user_fabrikam.com#EXT#@contoso.com", "'user_fabrikam.com#EXT#@contoso.com'", "'user_fabrikam.com#EXT#@contoso.com.pem'")]
    public void The_onboarding_steps_name_both_commands_with_the_principal_as_PowerShell_takes_it(string principal, string argument, string file)
    {
        var steps = PimErrors.OnboardingSteps(principal);
        Assert.Contains($"New-PimCredential -Principal {argument}", steps, StringComparison.Ordinal);
        Assert.Contains($"Export-PimCredential -Principal {argument} -Path {file}", steps, StringComparison.Ordinal);
        Assert.Contains($"Register-PimCredential -Principal {argument} -PublicKeyPath {file}", steps, StringComparison.Ordinal);
    }
}
