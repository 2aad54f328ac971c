using System.Security.Cryptography;
using PimModule.Storage;
using PimModule.Audit.Events;
using PimModule.Audit;
using PimModule.Errors;
using PimModule.Identity;
using PimModule.Interop;
using PimModule.Notifications;
using PimModule.Validation;

namespace PimModule.MultiFactor;

/// <summary>MFA by TOTP: registration, and checking a code (±1 step of skew, never the same step twice).</summary>
public sealed class MfaService
{
    private readonly StoreSession _store;
    internal MfaService(StoreSession store) => _store = store;

    public PimMfaRegistration? Register(string? principal, bool force, Func<PimChange, bool>? confirm = null) => _store.Change(
        work =>
        {
            var p = principal is null ? work.Actor : DirectoryMap.Canonical(work, principal, "Principal");
            if (!global::PimModule.Identity.Principal.Same(p, work.Actor))
                Authorization.RequireRoleAdministrator(work, $"register an MFA method for {p}");
            else
                Policy.SelfServiceRate.Check(work, "Register-PimMfaMethod");
            var exists = MfaMethodsTable.Exists(work, Principal.Fold(p));
            if (exists && !force)
                throw PimErrors.MfaAlreadyRegistered($"{p} already has an MFA method; registering again replaces it and the old authenticator stops working.", p,
                    "Add -Force to replace it.");
            return p;
        },
        p => new PimChange(p, "Register a TOTP MFA method"),
        (work, p) =>
        {
            var secret = RandomNumberGenerator.GetBytes(20);
            var key = Principal.Fold(p);
            var context = SecretProtector.MfaContext(Mfa.StoreId(work), key);
            // A Verified store keeps it encrypted to the principal's own keys; a Lab store with the shared key.
            var protectedSecret = work.IdentityMode == PimIdentityMode.Verified
                ? KeySecrets.Protect(work, p, secret, context) : SecretProtector.Protect(secret, context);
            // An administrator registering another principal's method (the helpdesk reset) also lifts a lock and
            // forgets the lockouts; registering one's own again keeps them, so it is no way around a lock.
            var reset = !Principal.Same(p, work.Actor);
            var lockedUntil = MfaMethodsTable.Get(work, key)?.LockedUntilUtc;
            MfaMethodsTable.Register(work, key, p, protectedSecret, liftLock: reset);
            AuditLog.Append(work, new MfaMethodRegistered(p, reset && lockedUntil is { } until && until > work.Now));
            var b32 = Totp.ToBase32(secret);
            return new PimMfaRegistration
            {
                Principal = p, Secret = b32, CreatedDateTime = work.Now,
                Uri = $"otpauth://totp/PimModule:{Uri.EscapeDataString(p)}?secret={b32}&issuer=PimModule&algorithm=SHA1&digits={Totp.Digits}&period={Totp.StepSeconds}",
            };
        },
        confirm);

    /// <summary>
    /// The code <paramref name="principal"/>'s authenticator shows now, from the store's copy of their secret
    /// (Get-PimMfaCode -Principal): in a Lab store only, where identity is claimed and the secret is kept under the
    /// store's shared key, so a demo or a test runs without an authenticator. The acting principal's own code, or any
    /// principal's for a role administrator (as Register-PimMfaMethod -Principal). In a Verified store the code is a
    /// second factor beside the principal's key, held by their authenticator alone: refused (PimMfaCodeUnavailable)
    /// before anything is read. A read: nothing is written, counted or audited.
    /// </summary>
    public string CurrentCode(string? principal)
    {
        Input.Text(principal, "Principal", Input.PrincipalLength, PimErrors.PrincipalInvalid);
        if (string.IsNullOrWhiteSpace(principal)) global::PimModule.Identity.Principal.Validate(principal); // refuses it: PimPrincipalInvalid
        if (_store.IdentityMode == PimIdentityMode.Verified) throw CodeUnavailable(principal!.Trim(' '));
        return _store.Read(work =>
        {
            if (work.IdentityMode == PimIdentityMode.Verified) throw CodeUnavailable(principal!.Trim(' '));
            var p = DirectoryMap.Canonical(work, principal, "Principal");
            if (!Principal.Same(p, work.Actor))
                Authorization.RequireRoleAdministrator(work, $"read the MFA code of {p}");
            var method = MfaMethodsTable.Get(work, Principal.Fold(p))
                ?? throw PimErrors.MfaNotRegistered($"{p} has no MFA method, so there is no code to compute.", p,
                    $"Register one first: Register-PimMfaMethod -Principal {p}.");
            var secret = KeySecrets.IsKeySecret(method.SecretProtected) ? null
                : SecretProtector.TryUnprotect(method.SecretProtected, SecretProtector.MfaContext(Mfa.StoreId(work), method.PrincipalKey));
            if (secret is null)
                throw PimErrors.MfaSecretInvalid($"The MFA method of {p} cannot be read here: its secret was not written for {p} in this store, or this " +
                    $"machine has another key (${SecretProtector.KeyVariable}). No code can be computed (nothing was counted or changed).", p,
                    $"Register the method again (Register-PimMfaMethod -Principal {p} -Force), or use the store's ${SecretProtector.KeyVariable}.");
            return Totp.Code(secret, Totp.StepAt(work.Now));
        });
    }

    private static PimException CodeUnavailable(string principal) => PimErrors.MfaCodeUnavailable(
        $"This is a Verified store: the MFA code of {principal} is a second factor that only their authenticator holds, so the store does not " +
        "compute it (Get-PimMfaCode -Principal works in Lab stores only). Nothing was read or changed.", principal,
        "Use the code your authenticator app shows, or, in a script, Get-PimMfaCode -Uri $mfa.Uri with the Uri of your own " +
        "Register-PimMfaMethod ($mfa = Register-PimMfaMethod).");
}

/// <summary>A code checked and accepted: its step (consumed in the caller's transaction) and, when the stored secret
/// was in the legacy unbound format, the secret re-encrypted with its binding.</summary>
internal sealed record MfaProof(long Step, string? Reprotected);

/// <summary>
/// A code refused after it was checked: the failure is already counted and audited in the caller's write transaction,
/// which holds nothing else of the call. The caller commits that transaction, then throws <see cref="Refusal"/>
/// (PimStore.Write, AssignmentWriter.Add): the one refusal that changes the store.
/// </summary>
internal sealed class MfaFailure(PimException refusal) : Exception(refusal.Message, refusal)
{
    public PimException Refusal { get; } = refusal;
}

/// <summary>
/// Checking MFA codes. A principal's MFA locks after <see cref="MaxFailures"/> refused codes in a row, for
/// <see cref="FirstLockout"/>, doubling with each further lockout up to <see cref="MaxLockout"/>; a locked principal's
/// code is not checked at all. An accepted code ends the run of failures but not the series of lockouts: the series
/// starts again only when a lockout comes more than <see cref="LockoutMemory"/> after the previous one ended (or an
/// administrator registers the principal's method again). Every refused code is audited (MfaFailed, without the code).
/// Counting happens in the write transaction, which the providers serialise, so parallel guessers share one count.
/// </summary>
internal static class Mfa
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan FirstLockout = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan MaxLockout = TimeSpan.FromHours(24);
    public static readonly TimeSpan LockoutMemory = TimeSpan.FromHours(24);

    /// <summary>How long the <paramref name="lockout"/>-th lockout of a series lasts: 5 min, 10, 20, … at most 24 h.</summary>
    public static TimeSpan LockoutDuration(int lockout)
    {
        var minutes = FirstLockout.TotalMinutes * Math.Pow(2, Math.Clamp(lockout, 1, 30) - 1);
        return minutes >= MaxLockout.TotalMinutes ? MaxLockout : TimeSpan.FromMinutes(minutes);
    }

    /// <summary>The store's id (bound into every ciphertext), read once per unit of work.</summary>
    public static string StoreId(UnitOfWork work) => work.Memo("store_id",
        () => StoreInfoTable.Get(work, StoreInfoTable.StoreId) ?? "");

    /// <summary>
    /// Checks <paramref name="principal"/>'s code for <paramref name="purpose"/> (e.g. "Activation" of <paramref name="role"/>).
    /// In a read (no transaction: -WhatIf, the first pass of -Confirm) the code itself is never checked: only that one
    /// is given, a method exists and MFA is not locked; null is returned. In a write transaction, which must not hold
    /// any write of the call yet, a refused code throws <see cref="MfaFailure"/> (counted and audited); an accepted one
    /// returns the proof the caller consumes (<see cref="Consume"/>).
    /// </summary>
    public static MfaProof? Verify(UnitOfWork work, string principal, string? code, PimRole role, string purpose, string setting)
    {
        Input.Text(code, "MfaCode", Input.MfaCodeLength, secret: true);
        if (string.IsNullOrWhiteSpace(code))
            throw PimErrors.MfaRequired($"The settings of '{role.Name}' require multifactor authentication ({setting}), and no MFA code was given.", role.Name,
                "Give -MfaCode with the 6-digit code from your authenticator (Register-PimMfaMethod sets one up).");
        var method = MfaMethodsTable.Get(work, Principal.Fold(principal));
        if (method is null)
            throw PimErrors.MfaNotRegistered($"{principal} has no MFA method, so the MFA code cannot be checked.", principal,
                "Register one with Register-PimMfaMethod, add the secret to an authenticator app, and try again.");
        if (method.LockedUntilUtc is { } until && until > work.Now) throw Locked(principal, until, (int)method.Lockouts);
        if (work.Transaction is null) return null; // a read never checks a code: nothing could count the failure

        if (work.Writes != 0 || AuditLog.Unwritten(work) != 0)
            throw new InvalidOperationException("An MFA code is checked before the call writes anything, so that a refused code commits only its own failure.");
        var c = code.Trim();
        if (c.Length != Totp.Digits || !c.All(char.IsAsciiDigit))
            throw Fail(work, principal, method, role, purpose, "NotACode", PimErrors.MfaInvalid($"The MFA code given for {principal} is not a code: it must be {Totp.Digits} digits.", principal,
                "Give the 6-digit code your authenticator shows now."));
        var context = SecretProtector.MfaContext(StoreId(work), method.PrincipalKey);
        var keySecret = KeySecrets.IsKeySecret(method.SecretProtected);
        var secret = keySecret ? KeySecrets.TryUnprotect(work.Sealer?.Key, method.SecretProtected, context)
            : work.IdentityMode == PimIdentityMode.Verified ? null // a Verified store reads no secret under the shared key
            : SecretProtector.TryUnprotect(method.SecretProtected, context);
        if (secret is null && work.IdentityMode == PimIdentityMode.Verified)
            throw Fail(work, principal, method, role, purpose, "SecretInvalid", PimErrors.MfaSecretInvalid($"The MFA method of {principal} cannot be used with the key you act with: " +
                "its secret is encrypted to the keys the principal had when it was registered (or was not written for them in this store). No code can pass until it is registered again.", principal,
                "Register your MFA method again while connected with this key (Register-PimMfaMethod -Force), or connect with the key you registered it with."));
        if (secret is null)
            throw Fail(work, principal, method, role, purpose, "SecretInvalid", PimErrors.MfaSecretInvalid($"The MFA method of {principal} cannot be used: its secret was not written for {principal} in this store, or this machine " +
                $"has another key (${SecretProtector.KeyVariable}). No code can pass until the method is registered again.", principal,
                $"Ask an administrator to register your method again (Register-PimMfaMethod -Principal {principal} -Force); if the store's " +
                $"rows may have been changed outside PimModule, check it (Test-PimAuditLog). Use the store's ${SecretProtector.KeyVariable} everywhere."));
        var step = Totp.Match(secret, c, work.Now);
        if (step is null)
            throw Fail(work, principal, method, role, purpose, "WrongCode", PimErrors.MfaInvalid($"The MFA code is wrong or has expired for {principal}.", principal,
                "Give the code your authenticator shows now (check the device's clock)."));
        if (step <= method.LastStep)
            throw Fail(work, principal, method, role, purpose, "CodeReused", Reused(principal, method.LastStep, work.Now));
        return new MfaProof(step.Value, !keySecret && SecretProtector.IsLegacy(method.SecretProtected) ? SecretProtector.Protect(secret, context) : null);
    }

    private static PimException Locked(string principal, DateTime until, int lockouts) => PimErrors.MfaLocked($"MFA for {principal} is locked until {until:u} after {MaxFailures} refused codes in a row (lockout {Math.Max(lockouts, 1)}; " +
        $"each further lockout lasts twice as long, up to {MaxLockout.TotalHours:0} hours). No code is checked before then. " +
        $"Wait until {until:u} and give the code your authenticator shows then; if you did not enter those codes, tell an administrator.",
        principal,
        $"Wait until {until:u}, or ask an administrator to register your MFA method again (Register-PimMfaMethod -Principal {principal} -Force), " +
        "which lifts the lock; see who failed with Get-PimAuditLog -Action MfaFailed.");

    /// <summary>Counts and audits a refused code in the caller's transaction; locks after the fifth in a row.</summary>
    private static MfaFailure Fail(UnitOfWork work, string principal, MfaMethodsTable.Row method, PimRole role, string purpose, string reason, PimException refusal)
    {
        var failed = (int)method.FailedCount + 1;
        var lockouts = (int)method.Lockouts;
        DateTime? lockedUntil = null;
        if (failed >= MaxFailures)
        {
            // A lockout more than a day after the previous one ended starts the series again at 5 minutes.
            lockouts = method.LockedUntilUtc is { } previous && work.Now - previous > LockoutMemory ? 1 : lockouts + 1;
            lockedUntil = work.Now + LockoutDuration(lockouts);
        }
        MfaMethodsTable.RecordFailure(work, method.PrincipalKey, lockedUntil is null ? failed : 0, lockouts, lockedUntil);
        AuditLog.Append(work, new MfaFailed(role.Id, new MfaRefusal(principal, purpose, role.Name, reason, failed, lockouts, lockedUntil)));
        if (lockedUntil is { } until)
            refusal = PimErrors.Retold(refusal,
                $"{refusal.Message} That was the {MaxFailures}th refused code in a row: MFA for {principal} is now locked until {until:u} " +
                $"(lockout {lockouts}); no code is checked before then.",
                $"Wait until {until:u}, or ask an administrator to register your MFA method again (Register-PimMfaMethod -Principal {principal} -Force).");
        return new MfaFailure(refusal);
    }

    /// <summary>Marks the step used and ends the run of failures, in the caller's transaction; refuses if another request used it first.</summary>
    public static void Consume(UnitOfWork work, string principal, MfaProof proof)
    {
        var key = Principal.Fold(principal);
        if (MfaMethodsTable.Consume(work, key, proof.Step, proof.Reprotected) == 0)
            throw Reused(principal, Math.Max(proof.Step, MfaMethodsTable.Get(work, key)?.LastStep ?? proof.Step), work.Now);
    }

    /// <summary>
    /// The refusal of a code whose step is not after the last one used (<paramref name="lastStep"/>): it says when the next
    /// code is valid — the UTC start of the step after it, and how many seconds that is away — or that the code shown now is.
    /// </summary>
    internal static PimException Reused(string principal, long lastStep, DateTime now)
    {
        var next = Totp.StepStart(lastStep + 1);
        var wait = (int)Math.Ceiling((next - now).TotalSeconds);
        return wait > 0
            ? PimErrors.MfaCodeReused($"This MFA code was already used; a code is accepted only once. The next code is valid from {next:u} " +
                $"({wait} second{(wait == 1 ? "" : "s")} from now).", principal,
                $"Wait until {next:u} ({wait} second{(wait == 1 ? "" : "s")}) and give the code your authenticator shows then " +
                "(in a script: Start-Sleep, then Get-PimMfaCode).")
            : PimErrors.MfaCodeReused("This MFA code was already used; a code is accepted only once. A newer code is valid now.", principal,
                "Give the code your authenticator shows now.");
    }

    /// <summary>
    /// Re-encrypts legacy (unbound) TOTP secrets and the SMTP password with their binding, when the store is migrated
    /// to schema 5 by a process that has a key; texts this key cannot read stay as they are (re-encrypted at their
    /// next use by a process that can).
    /// </summary>
    public static void BindLegacySecrets(UnitOfWork work)
    {
        if (!SecretProtector.HasKey()) return; // never create a key file just by opening a store
        try
        {
            var storeId = StoreId(work);
            foreach (var (key, text) in MfaMethodsTable.Legacy(work))
            {
                var context = SecretProtector.MfaContext(storeId, key);
                if (SecretProtector.TryUnprotect(text, context) is { } plain)
                    MfaMethodsTable.Rebind(work, key, SecretProtector.Protect(plain, context), text);
            }
            NotificationService.BindLegacyPassword(work);
        }
        catch (PimException e) when (e.ErrorId == PimErrors.IdOf(nameof(PimErrors.SecretKeyInvalid)))
        {
            // A bad $env:PIM_SECRET_KEY is refused where a secret is used; opening the store does not depend on it.
        }
    }
}
