using System.Security.Cryptography;
using PimModule.Storage;

namespace PimModule;

/// <summary>MFA by TOTP: registration, and checking a code (±1 step of skew, never the same step twice).</summary>
public sealed class MfaService
{
    private readonly PimStore _store;
    internal MfaService(PimStore store) => _store = store;

    public PimMfaRegistration? Register(string? principal, bool force, Func<PimChange, bool>? confirm = null) => _store.Change(
        work =>
        {
            var p = principal is null ? work.Actor : PimModule.Principal.Validate(principal);
            if (!PimModule.Principal.Same(p, work.Actor))
                Authorization.RequireRoleAdministrator(work, $"register an MFA method for {p}");
            var exists = work.ScalarLong("SELECT COUNT(*) FROM mfa_methods WHERE principal_key = @p", ("@p", Principal.Fold(p))) > 0;
            if (exists && !force)
                throw new PimException("PimMfaAlreadyRegistered", PimErrorCategory.ResourceExists,
                    $"{p} already has an MFA method; registering again replaces it and the old authenticator stops working.", p,
                    "Add -Force to replace it.");
            return p;
        },
        p => new PimChange(p, "Register a TOTP MFA method"),
        (work, p) =>
        {
            var secret = RandomNumberGenerator.GetBytes(20);
            work.Execute("DELETE FROM mfa_methods WHERE principal_key = @p", ("@p", Principal.Fold(p)));
            work.Execute("INSERT INTO mfa_methods (principal_key, principal, secret_protected, created_utc, last_step) VALUES (@k, @p, @s, @t, 0)",
                ("@k", Principal.Fold(p)), ("@p", p), ("@s", SecretProtector.Protect(secret)), ("@t", work.Now));
            AuditLog.Append(work, "RegisterMfaMethod", "MfaMethod", p, null, p, null, new { Principal = p, Method = "TOTP" });
            var b32 = Totp.ToBase32(secret);
            return new PimMfaRegistration
            {
                Principal = p, Secret = b32, CreatedDateTime = work.Now,
                Uri = $"otpauth://totp/PimModule:{Uri.EscapeDataString(p)}?secret={b32}&issuer=PimModule&algorithm=SHA1&digits={Totp.Digits}&period={Totp.StepSeconds}",
            };
        },
        confirm);
}

internal static class Mfa
{
    /// <summary>Checks a code (read-only) and returns its time step; the caller consumes it in its transaction.</summary>
    public static long Verify(UnitOfWork work, string principal, string? code, string role, string setting)
    {
        Input.Text(code, "MfaCode", Input.MfaCodeLength, secret: true);
        if (string.IsNullOrWhiteSpace(code))
            throw new PimException("PimMfaRequired", PimErrorCategory.PermissionDenied,
                $"The settings of '{role}' require multifactor authentication ({setting}), and no MFA code was given.", role,
                "Give -MfaCode with the 6-digit code from your authenticator (Register-PimMfaMethod sets one up).");
        var c = code.Trim();
        if (c.Length != Totp.Digits || !c.All(char.IsAsciiDigit))
            throw new PimException("PimMfaInvalid", PimErrorCategory.SecurityError,
                $"'{code}' is not an MFA code: it must be {Totp.Digits} digits.", code, "Give the 6-digit code your authenticator shows now.");
        var row = work.Query("SELECT secret_protected, last_step FROM mfa_methods WHERE principal_key = @p",
            r => (Secret: r.GetString(0), Last: r.GetInt64(1)), ("@p", Principal.Fold(principal))).FirstOrDefault();
        if (row.Secret is null)
            throw new PimException("PimMfaNotRegistered", PimErrorCategory.PermissionDenied,
                $"{principal} has no MFA method, so the MFA code cannot be checked.", principal,
                "Register one with Register-PimMfaMethod, add the secret to an authenticator app, and try again.");
        var step = Totp.Match(SecretProtector.Unprotect(row.Secret, $"MFA secret of {principal}"), c, work.Now);
        if (step is null)
            throw new PimException("PimMfaInvalid", PimErrorCategory.SecurityError,
                $"The MFA code is wrong or has expired for {principal}.", principal,
                "Give the code your authenticator shows now (check the device's clock).");
        if (step <= row.Last)
            throw new PimException("PimMfaCodeReused", PimErrorCategory.SecurityError,
                $"This MFA code was already used; a code is accepted only once.", principal,
                "Wait for the next code (30 seconds) and give that.");
        return step.Value;
    }

    /// <summary>Marks the step used, in the caller's transaction; refuses if another request used it first.</summary>
    public static void Consume(UnitOfWork work, string principal, long step)
    {
        if (work.Execute("UPDATE mfa_methods SET last_step = @s WHERE principal_key = @p AND last_step < @s",
                ("@s", step), ("@p", Principal.Fold(principal))) == 0)
            throw new PimException("PimMfaCodeReused", PimErrorCategory.SecurityError,
                "This MFA code was already used; a code is accepted only once.", principal, "Wait for the next code and give that.");
    }

    /// <summary>Verify and consume (for callers already in a write transaction).</summary>
    public static void Require(UnitOfWork work, string principal, string? code, string role, string setting)
        => Consume(work, principal, Verify(work, principal, code, role, setting));
}
