namespace PimModule.Storage;

/// <summary>
/// The credentials table: which public key is bound to which principal (one key, one principal), pending a second
/// administrator, or revoked. What verification trusts is the log's RegisterCredential / RevokeCredential records; this
/// table is what the engine reads inside each write. No other file writes SQL against credentials.
/// </summary>
internal static class CredentialsTable
{
    public const string Active = "Active";
    public const string Pending = "Pending";
    public const string Revoked = "Revoked";

    internal sealed record Row(string Thumbprint, string Principal, string PrincipalKey, string Algorithm, string PublicKey, string State,
        string RegisteredBy, DateTime RegisteredUtc, string? ConfirmedBy, string? RevokedBy, DateTime? RevokedUtc, bool IsRoot);

    private const string Select =
        "SELECT thumbprint, principal, principal_key, algorithm, public_key, state, registered_by, registered_utc, confirmed_by, revoked_by, revoked_utc, is_root FROM credentials";

    public static void Insert(UnitOfWork work, Row r) => work.Execute(
        "INSERT INTO credentials (thumbprint, principal, principal_key, algorithm, public_key, state, registered_by, registered_utc, confirmed_by, revoked_by, revoked_utc, is_root) " +
        "VALUES (@Thumbprint, @Principal, @PrincipalKey, @Algorithm, @PublicKey, @State, @RegisteredBy, @RegisteredUtc, @ConfirmedBy, @RevokedBy, @RevokedUtc, @IsRoot)", r);

    public static Row? ByThumbprint(UnitOfWork work, string thumbprint)
        => work.QueryFirstOrDefault<Row>(Select + " WHERE thumbprint = @thumbprint", new { thumbprint });

    /// <summary>The bindings of a principal (every state), newest first.</summary>
    public static List<Row> OfPrincipal(UnitOfWork work, string principalKey)
        => work.Query<Row>(Select + " WHERE principal_key = @principalKey ORDER BY registered_utc DESC, thumbprint", new { principalKey });

    public static List<Row> All(UnitOfWork work) => work.Query<Row>(Select + " ORDER BY principal_key, registered_utc DESC, thumbprint");

    /// <summary>True when <paramref name="thumbprint"/> is bound, active, to <paramref name="principalKey"/> (checked inside every sealed write).</summary>
    public static bool IsActiveFor(UnitOfWork work, string thumbprint, string principalKey)
        => work.Scalar<long>("SELECT COUNT(*) FROM credentials WHERE thumbprint = @thumbprint AND principal_key = @principalKey AND state = @state",
            new { thumbprint, principalKey, state = Active }) > 0;

    public static int Confirm(UnitOfWork work, string thumbprint, string confirmedBy)
        => work.Execute("UPDATE credentials SET state = @active, confirmed_by = @confirmedBy WHERE thumbprint = @thumbprint AND state = @pending",
            new { thumbprint, confirmedBy, active = Active, pending = Pending });

    public static int Revoke(UnitOfWork work, string thumbprint, string revokedBy, DateTime revokedUtc)
        => work.Execute("UPDATE credentials SET state = @revoked, revoked_by = @revokedBy, revoked_utc = @revokedUtc WHERE thumbprint = @thumbprint AND state <> @revoked",
            new { thumbprint, revokedBy, revokedUtc, revoked = Revoked });

    /// <summary>Whether the principal holds an active root-level key (the root, a rotated root, a break-glass root).</summary>
    public static bool IsRootPrincipal(UnitOfWork work, string principalKey)
        => work.Scalar<long>("SELECT COUNT(*) FROM credentials WHERE principal_key = @principalKey AND state = @state AND is_root = 1",
            new { principalKey, state = Active }) > 0;

    /// <summary>The active root-level keys.</summary>
    public static long ActiveRootCount(UnitOfWork work)
        => work.Scalar<long>("SELECT COUNT(*) FROM credentials WHERE state = @state AND is_root = 1", new { state = Active });

    public static long Count(UnitOfWork work) => work.Scalar<long>("SELECT COUNT(*) FROM credentials");
}
