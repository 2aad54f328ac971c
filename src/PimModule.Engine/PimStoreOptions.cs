namespace PimModule;

/// <summary>How to open a store.</summary>
public sealed class PimStoreOptions
{
    public PimStoreProvider Provider { get; init; } = PimStoreProvider.Sqlite;
    /// <summary>The SQLite file (Provider = Sqlite).</summary>
    public string? Path { get; init; }
    /// <summary>The connection string (Provider = PostgreSql; Npgsql's syntax: Host=…;Port=…;Database=…;Username=…;Password=…).</summary>
    public string? ConnectionString { get; init; }
    /// <summary>The acting principal; the operating-system user when null.</summary>
    public string? Principal { get; init; }
    /// <summary>
    /// The clock the engine reads; null = the system clock. Internal: only xunit (FakeTimeProvider) sets it — nothing in
    /// the module users load can move its clock.
    /// </summary>
    internal TimeProvider? Clock { get; init; }

    /// <summary>
    /// The identity mode: for a new store, what it is created as (null = Verified); for an existing store, what the caller
    /// expects (null = whatever it is; another mode is refused with PimIdentityModeMismatch).
    /// </summary>
    public PimIdentityMode? IdentityMode { get; init; }

    /// <summary>Verified stores: the private key's file (PEM), else the principal's key in their PimModule key folder.</summary>
    public string? CredentialPath { get; init; }

    /// <summary>The passphrase of an encrypted key file (and of the key made for a store's creator).</summary>
    public System.Security.SecureString? CredentialPassphrase { get; init; }

    /// <summary>Verified stores: a certificate with its private key (ECDSA P-256/P-384, or RSA of 2048 bits or more) to act with.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? Certificate { get; init; }

    /// <summary>"&lt;storeId&gt;:&lt;root thumbprint&gt;" (or the thumbprint alone): the store must be this one, whatever this user pinned before.</summary>
    public string? TrustAnchor { get; init; }

    /// <summary>The per-user PimModule folder (keys, known stores); null = the platform's. Internal: xunit gives each test its own.</summary>
    internal string? UserFolder { get; init; }

    /// <summary>Told the last record verified, every 10,000 records, while a store's log is verified (the first connect verifies all of it).</summary>
    public Action<long>? VerificationProgress { get; init; }

    /// <summary>Opened by Confirm-PimStoreRestore: a log that does not extend the pin is let in, and only the confirmation writes.</summary>
    internal bool AcceptingRestore { get; init; }

    /// <summary>These options with the identity parameters a caller gave (each null keeps what is there).</summary>
    public PimStoreOptions WithIdentity(PimIdentityMode? mode, string? credentialPath, System.Security.SecureString? passphrase,
        System.Security.Cryptography.X509Certificates.X509Certificate2? certificate, string? trustAnchor) => new()
    {
        Provider = Provider, Path = Path, ConnectionString = ConnectionString, Principal = Principal, Clock = Clock, UserFolder = UserFolder,
        VerificationProgress = VerificationProgress,
        IdentityMode = mode ?? IdentityMode,
        CredentialPath = credentialPath ?? (certificate is null ? CredentialPath : null),
        CredentialPassphrase = passphrase ?? CredentialPassphrase,
        Certificate = certificate ?? (credentialPath is null ? Certificate : null),
        TrustAnchor = trustAnchor ?? TrustAnchor,
    };
}
