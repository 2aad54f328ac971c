namespace PimModule.Storage;

/// <summary>
/// The mfa_methods table (a principal's TOTP method, its last accepted step and its lockout state): its SQL and its row
/// type. No other file writes SQL against mfa_methods.
/// </summary>
internal static partial class MfaMethodsTable
{
    /// <summary>What checking a code needs of a method.</summary>
    internal sealed record Row(string PrincipalKey, string SecretProtected, long LastStep, long FailedCount, long Lockouts, DateTime? LockedUntilUtc);

    /// <summary>A secret and the principal it belongs to (re-encrypting legacy secrets).</summary>
    internal sealed record Secret(string PrincipalKey, string SecretProtected);

    public static Row? Get(UnitOfWork work, string principalKey) => work.QueryFirstOrDefault<Row>(
        "SELECT principal_key, secret_protected, last_step, failed_count, lockouts, locked_until_utc FROM mfa_methods WHERE principal_key = @principalKey",
        new { principalKey });

    public static bool Exists(UnitOfWork work, string principalKey)
        => work.Scalar<long>("SELECT COUNT(*) FROM mfa_methods WHERE principal_key = @principalKey", new { principalKey }) > 0;

    /// <summary>
    /// Registers a method, replacing the principal's existing one (its steps start again; <paramref name="liftLock"/> also
    /// forgets its failures and lockouts), else adding it.
    /// </summary>
    public static void Register(UnitOfWork work, string principalKey, string principal, string secretProtected, bool liftLock)
    {
        var args = new { principalKey, principal, secretProtected, now = work.Now };
        var updated = work.Execute(
            "UPDATE mfa_methods SET principal = @principal, secret_protected = @secretProtected, created_utc = @now, last_step = 0" +
            (liftLock ? ", failed_count = 0, lockouts = 0, locked_until_utc = NULL" : "") + " WHERE principal_key = @principalKey", args);
        if (updated == 0)
            work.Execute("INSERT INTO mfa_methods (principal_key, principal, secret_protected, created_utc, last_step) " +
                         "VALUES (@principalKey, @principal, @secretProtected, @now, 0)", args);
    }

    /// <summary>Records a refused code: the run of failures, the lockouts, the lock (null keeps the previous one).</summary>
    public static void RecordFailure(UnitOfWork work, string principalKey, long failedCount, long lockouts, DateTime? lockedUntil) => work.Execute(
        "UPDATE mfa_methods SET failed_count = @failedCount, lockouts = @lockouts, locked_until_utc = COALESCE(@lockedUntil, locked_until_utc), " +
        "last_failure_utc = @now WHERE principal_key = @principalKey",
        new { failedCount, lockouts, lockedUntil, now = work.Now, principalKey });

    /// <summary>Marks an accepted step used and ends the run of failures, unless a later step was used first; the rows changed.</summary>
    public static int Consume(UnitOfWork work, string principalKey, long step, string? reprotected) => work.Execute(
        "UPDATE mfa_methods SET last_step = @step, failed_count = 0, secret_protected = COALESCE(@reprotected, secret_protected) " +
        "WHERE principal_key = @principalKey AND last_step < @step",
        new { step, reprotected, principalKey });

    /// <summary>The secrets still in the legacy format (not bound to their store and principal).</summary>
    public static List<Secret> Legacy(UnitOfWork work)
        => work.Query<Secret>("SELECT principal_key, secret_protected FROM mfa_methods WHERE secret_protected LIKE 'v1:%'");

    /// <summary>Replaces a secret while it still is <paramref name="expected"/>.</summary>
    public static int Rebind(UnitOfWork work, string principalKey, string secretProtected, string expected) => work.Execute(
        "UPDATE mfa_methods SET secret_protected = @secretProtected WHERE principal_key = @principalKey AND secret_protected = @expected",
        new { secretProtected, principalKey, expected });

    /// <summary>Removes every method (Protect-PimStore: secrets kept under the shared key are not read in a Verified store); the rows removed.</summary>
    public static int DeleteAll(UnitOfWork work) => work.Execute("DELETE FROM mfa_methods", new { });
}
