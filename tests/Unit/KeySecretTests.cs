using PimModule.Identity.Keys;
using PimModule.MultiFactor;
using Xunit;

namespace PimModule.Tests;

/// <summary>In a Verified store a principal's MFA secret is encrypted to that principal's own keys: nobody else reads it.</summary>
public sealed class KeySecretTests : IDisposable
{
    private readonly TestTarget _target = new();
    private readonly string _home = Path.Combine(Path.GetTempPath(), "pim-keysecret-" + Guid.NewGuid().ToString("N"));
    private readonly List<PimStore> _open = [];

    public void Dispose()
    {
        foreach (var s in _open) s.Dispose();
        _target.Dispose();
        try { Directory.Delete(_home, true); } catch (IOException) { }
    }

    /// <summary>Opens the Verified store as a principal with their own PimModule folder (their keys and known stores).</summary>
    private PimStore Open(string principal)
    {
        var o = _target.Options(principal, null, PimIdentityMode.Verified);
        var store = PimStore.Open(new PimStoreOptions
        {
            Provider = o.Provider, Path = o.Path, ConnectionString = o.ConnectionString, Principal = principal, IdentityMode = PimIdentityMode.Verified,
            UserFolder = Path.Combine(_home, principal),
        });
        _open.Add(store);
        return store;
    }

    private string KeyFile(string principal) => Path.Combine(_home, principal, "keys", principal + ".pem");

    [Fact]
    public void Another_principal_the_root_and_the_shared_key_cannot_read_a_principals_MFA_secret()
    {
        var admin = Open("admin@contoso.com");
        foreach (var p in new[] { "user1@contoso.com", "user2@contoso.com" })
        {
            var credential = CredentialFolder.Create(p, null, "", root: Path.Combine(_home, p, "keys"));
            admin.Credentials.Register(p, credential.PublicKey, propose: false);
        }
        var user1 = Open("user1@contoso.com");
        var registration = user1.Mfa.Register(null, force: false)!;

        var text = user1.Read(w => w.Scalar<string>("SELECT secret_protected FROM mfa_methods WHERE principal_key = 'user1@contoso.com'"))!;
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
