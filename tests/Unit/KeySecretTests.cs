using PimModule.Identity.Keys;
using PimModule.MultiFactor;
using Xunit;

namespace PimModule.Tests;

/// <summary>In a Verified store a principal's MFA secret is encrypted to that principal's own keys: nobody else reads it.</summary>
public sealed class KeySecretTests : IDisposable
{
    private readonly VerifiedPeople _people = new();

    public void Dispose() => _people.Dispose();

    private PimStore Open(string principal) => _people.Open(principal);

    private string KeyFile(string principal) => Path.Combine(_people.KeysOf(principal), principal + ".pem");

    [Fact]
    public void Another_principal_the_root_and_the_shared_key_cannot_read_a_principals_MFA_secret()
    {
        var admin = Open("admin@contoso.com");
        foreach (var p in new[] { "user1@contoso.com", "user2@contoso.com" })
        {
            var credential = CredentialFolder.Create(p, null, "", root: _people.KeysOf(p));
            admin.Credentials.Register(p, credential.PublicKey, propose: false);
        }
        var user1 = Open("user1@contoso.com");
        var registration = user1.Mfa.Register(null, force: false)!;

        var text = user1.Session.Read(w => w.Scalar<string>("SELECT secret_protected FROM mfa_methods WHERE principal_key = 'user1@contoso.com'"))!;
        var context = SecretProtector.MfaContext(user1.StoreId, "user1@contoso.com");
        Assert.StartsWith(KeySecrets.Prefix, text);
        using var user1Key = PimKey.FromPrivatePem(File.ReadAllText(KeyFile("user1@contoso.com")), "");
        var entries = text[KeySecrets.Prefix.Length..].Split('|');
        var only = Assert.Single(entries); // encrypted to user1's one key, and to nobody else's
        Assert.StartsWith(user1Key.Thumbprint + " ", only);
        var cipher = only[(only.IndexOf(' ') + 1)..];

        Assert.Equal(Totp.ToBase32(user1Key.Decrypt(cipher, context)), registration.Secret);
        Assert.Null(SecretProtector.TryUnprotect(text, context)); // the shared PIM_SECRET_KEY reads nothing
        foreach (var other in new[] { "user2@contoso.com", "admin@contoso.com" })
        {
            using var key = PimKey.FromPrivatePem(File.ReadAllText(KeyFile(other)), "");
            Assert.Equal("PimMfaSecretInvalid", Assert.Throws<PimException>(() => key.Decrypt(cipher, context)).ErrorId);
        }
    }
}
