using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Xunit;

namespace PimModule.Tests;

/// <summary>Brute force of MFA codes: every refused code audited and counted, lockout after 5 in a row, doubling.</summary>
public class MfaLockoutTests
{
    private static readonly PimRoleReference Reader = new("Security Reader");
    private static readonly PimRoleReference GlobalReader = new("Global Reader");
    private static readonly PimRoleReference ReportsReader = new("Reports Reader");
    private const string User = "user1@contoso.com";

    /// <summary>user1 eligible for three roles that need MFA to activate, with a registered method.</summary>
    internal static (TestStore Store, string Secret) Setup()
    {
        var t = new TestStore();
        foreach (var role in new[] { Reader, GlobalReader, ReportsReader })
        {
            t.Store.Settings.Update(role, new PimRoleSettingUpdate { ActivationRequirement = PimActivationRequirement.Mfa });
            t.Store.Assignments.Assign(PimAssignmentType.Eligible, new PimAssignmentInput { Principal = User, Role = role });
        }
        var user = t.As(User);
        var secret = user.Mfa.Register(null, false)!.Secret;
        return (t, secret);
    }

    internal static string CodeNow(TestStore t, string secret)
        => Totp.Code(Totp.FromBase32(secret), Totp.StepAt(t.Clock.GetUtcNow().UtcDateTime));

    /// <summary>A 6-digit code that is none of the three accepted now.</summary>
    internal static string WrongCode(TestStore t, string secret, int seed = 0)
    {
        var step = Totp.StepAt(t.Clock.GetUtcNow().UtcDateTime);
        var key = Totp.FromBase32(secret);
        var right = new[] { Totp.Code(key, step - 1), Totp.Code(key, step), Totp.Code(key, step + 1) };
        for (var i = seed; ; i++)
        {
            var c = ((i * 7919L + 123457) % 1000000).ToString("D6");
            if (!right.Contains(c)) return c;
        }
    }

    private static PimActivationInput Activation(string? code, PimRoleReference? role = null)
        => new() { Role = role ?? Reader, Justification = "x", MfaCode = code };

    private static PimException Refused(PimStore store, string? code, PimRoleReference? role = null)
        => Assert.Throws<PimException>(() => store.Activations.RequestActivation(Activation(code, role)));

    private static string Refusal(PimStore store, string? code, PimRoleReference? role = null) => Refused(store, code, role).ErrorId;

    internal static List<PimAuditRecord> Failures(PimStore store)
        => store.Audit.Query(new PimAuditQuery { Actions = ["MfaFailed"] }).ToList();

    private static (long Assignments, int Requests) Counts(PimStore store)
        => (store.GetInfo().AssignmentCount, store.Requests.Query(new PimRequestQuery()).Count());

    private static void LockOnce(TestStore t, string secret, TimeSpan expected)
    {
        for (var i = 0; i < 4; i++) Assert.Equal("PimMfaInvalid", Refusal(t.Store, WrongCode(t, secret, i)));
        var fifth = Refused(t.Store, WrongCode(t, secret, 4));
        Assert.Equal("PimMfaInvalid", fifth.ErrorId);
        Assert.Contains($"locked until {t.Clock.GetUtcNow().UtcDateTime + expected:u}", fifth.Message);
    }

    [Fact]
    public void Five_refused_codes_in_a_row_lock_MFA_and_each_is_audited_without_the_code()
    {
        var (t, secret) = Setup();
        using var _ = t;
        var before = Counts(t.Store);
        var codes = Enumerable.Range(0, 5).Select(i => WrongCode(t, secret, i)).ToList();
        for (var i = 0; i < 4; i++) Assert.Equal("PimMfaInvalid", Refusal(t.Store, codes[i]));
        var fifth = Refused(t.Store, codes[4]);
        Assert.Equal("PimMfaInvalid", fifth.ErrorId);
        Assert.Contains("locked until", fifth.Message);

        // Locked: even the right code is not checked.
        var locked = Refused(t.Store, CodeNow(t, secret));
        Assert.Equal("PimMfaLocked", locked.ErrorId);
        Assert.Equal(PimErrorCategory.SecurityError, locked.Category);
        Assert.Contains((t.Clock.GetUtcNow().UtcDateTime + TimeSpan.FromMinutes(5)).ToString("u"), locked.Message);
        Assert.Equal("PimMfaLocked", Refusal(t.Store, WrongCode(t, secret, 9)));

        var failures = Failures(t.Store);
        Assert.Equal(5, failures.Count); // the refusals while locked checked no code
        Assert.All(failures, f =>
        {
            Assert.Equal(User, f.Principal);
            Assert.Equal("Security Reader", f.Role);
            Assert.Contains("\"Purpose\":\"Activation\"", f.After);
            Assert.DoesNotContain(codes, c => f.After!.Contains(c));
        });
        Assert.Contains("\"LockedUntil\":\"", failures[^1].After);
        Assert.Equal(before, Counts(t.Store)); // nothing else of the refused calls was written
        Assert.True(t.Store.Audit.Verify().IsValid);
    }

    [Fact]
    public void The_lock_lasts_5_minutes_and_doubles_with_each_further_lockout_up_to_24_hours()
    {
        var (t, secret) = Setup();
        using var _ = t;
        foreach (var minutes in new[] { 5, 10, 20, 40, 80, 160, 320, 640, 1280, 1440, 1440 })
        {
            LockOnce(t, secret, TimeSpan.FromMinutes(minutes));
            t.Clock.Advance(TimeSpan.FromMinutes(minutes) - TimeSpan.FromSeconds(1));
            Assert.Equal("PimMfaLocked", Refusal(t.Store, CodeNow(t, secret)));
            t.Clock.Advance(TimeSpan.FromSeconds(1));
        }
        // After the last lock a right code is accepted.
        Assert.Equal(PimRequestStatus.Provisioned, t.Store.Activations.RequestActivation(Activation(CodeNow(t, secret)))!.Status);
    }

    [Fact]
    public void An_accepted_code_ends_the_run_of_failures_but_not_the_series_of_lockouts()
    {
        var (t, secret) = Setup();
        using var _ = t;
        for (var i = 0; i < 4; i++) Assert.Equal("PimMfaInvalid", Refusal(t.Store, WrongCode(t, secret, i)));
        t.Store.Activations.RequestActivation(Activation(CodeNow(t, secret)));
        t.Clock.Advance(TimeSpan.FromSeconds(30));
        for (var i = 0; i < 4; i++)
        {
            var e = Refused(t.Store, WrongCode(t, secret, i), GlobalReader);
            Assert.Equal("PimMfaInvalid", e.ErrorId);
            Assert.DoesNotContain("locked", e.Message);
        }
        Assert.Contains("locked until", Refused(t.Store, WrongCode(t, secret, 4), GlobalReader).Message); // 5 in a row
        t.Clock.Advance(TimeSpan.FromMinutes(5));
        t.Store.Activations.RequestActivation(Activation(CodeNow(t, secret), GlobalReader)); // accepted again
        t.Clock.Advance(TimeSpan.FromSeconds(30));
        // The success did not start the series again: the next lockout is the second (10 minutes).
        for (var i = 0; i < 4; i++) Assert.Equal("PimMfaInvalid", Refusal(t.Store, WrongCode(t, secret, i), ReportsReader));
        Assert.Contains($"locked until {t.Clock.GetUtcNow().UtcDateTime.AddMinutes(10):u}", Refused(t.Store, WrongCode(t, secret, 4), ReportsReader).Message);
    }

    [Fact]
    public void The_series_starts_again_when_a_lockout_comes_more_than_a_day_after_the_previous_one_ended()
    {
        var (t, secret) = Setup();
        using var _ = t;
        LockOnce(t, secret, TimeSpan.FromMinutes(5));
        t.Clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromHours(23));
        LockOnce(t, secret, TimeSpan.FromMinutes(10)); // within a day of the last lock's end: doubled
        t.Clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));
        LockOnce(t, secret, TimeSpan.FromMinutes(5)); // a quiet day: back to 5 minutes
    }

    [Fact]
    public void An_administrator_registering_the_method_again_lifts_the_lock_the_principal_cannot()
    {
        var (t, secret) = Setup();
        using var _ = t;
        LockOnce(t, secret, TimeSpan.FromMinutes(5));
        var own = t.Store.Mfa.Register(null, true)!.Secret; // the principal's own re-registration keeps the lock
        Assert.Equal("PimMfaLocked", Refusal(t.Store, CodeNow(t, own)));
        var reset = t.Open("admin@contoso.com").Mfa.Register(User, true)!.Secret;
        Assert.Equal(PimRequestStatus.Provisioned, t.Store.Activations.RequestActivation(Activation(CodeNow(t, reset)))!.Status);
        Assert.Contains(t.Store.Audit.Query(new PimAuditQuery { Actions = ["RegisterMfaMethod"] }), r => r.After!.Contains("\"LockLifted\":true"));
    }

    [Fact]
    public void RepeatedMfaFailures_names_the_principal_the_failures_and_the_lockout_within_its_window()
    {
        var (t, secret) = Setup();
        using var _ = t;
        var admin = t.Open("admin@contoso.com");
        for (var i = 0; i < 4; i++) Refusal(t.Store, WrongCode(t, secret, i));
        Assert.DoesNotContain(admin.Alerts.Get(), a => a.AlertType == AlertService.RepeatedMfaFailures); // 4 < 5
        var lockedAt = t.Clock.GetUtcNow().UtcDateTime;
        Refusal(t.Store, WrongCode(t, secret, 4));
        var alert = Assert.Single(admin.Alerts.Get(), a => a.AlertType == AlertService.RepeatedMfaFailures);
        Assert.Equal([User], alert.Principals);
        Assert.Equal(5, alert.Count);
        Assert.Equal("High", alert.Severity);
        Assert.Equal(["Security Reader"], alert.Roles);
        Assert.Contains($"{User}: 5 refused MFA codes, 1 lockout(s), locked until {lockedAt.AddMinutes(5):u}", alert.Description);
        Assert.Contains("Register-PimMfaMethod -Principal", alert.Fix);
        t.Clock.Advance(TimeSpan.FromHours(25));
        Assert.DoesNotContain(admin.Alerts.Get(), a => a.AlertType == AlertService.RepeatedMfaFailures); // out of the window
        Assert.Contains(admin.Alerts.Get(lockedAt.AddMinutes(1)), a => a.AlertType == AlertService.RepeatedMfaFailures); // -AsOf
        admin.Alerts.SetSetting(AlertService.RepeatedMfaFailures, null, null, null, TimeSpan.FromDays(2));
        Assert.Contains(admin.Alerts.Get(), a => a.AlertType == AlertService.RepeatedMfaFailures);
    }

    [Fact]
    public void Parallel_guessers_on_one_store_get_no_more_than_five_codes_checked_before_the_lock()
    {
        var (t, secret) = Setup();
        using var _ = t;
        var before = Counts(t.Store);
        var stores = new[] { t.Open(User), t.Open(User), t.Store };
        var results = new ConcurrentBag<string>();
        var threads = Enumerable.Range(0, 6).Select(n => new Thread(() =>
        {
            var store = stores[n % stores.Length];
            for (var i = 0; i < 6; i++)
            {
                try { store.Activations.RequestActivation(Activation(WrongCode(t, secret, n * 10 + i))); results.Add("accepted"); }
                catch (PimException e) { results.Add(e.ErrorId); }
            }
        })).ToList();
        threads.ForEach(th => th.Start());
        threads.ForEach(th => th.Join());
        Assert.Equal(36, results.Count);
        Assert.Equal(5, results.Count(r => r == "PimMfaInvalid"));
        Assert.Equal(31, results.Count(r => r == "PimMfaLocked"));
        Assert.Equal(5, Failures(t.Store).Count);
        Assert.Equal(before, Counts(t.Store));
        Assert.Equal("PimMfaLocked", Refusal(t.Store, CodeNow(t, secret)));
        Assert.True(t.Store.Audit.Verify().IsValid);
    }

    [Fact]
    public void WhatIf_never_checks_a_code_and_leaves_a_right_one_unused()
    {
        var (t, secret) = Setup();
        using var _ = t;
        var head = t.Store.GetInfo().AuditRecordCount;
        for (var i = 0; i < 8; i++)
        {
            var (passes, message, _) = t.Store.Activations.CheckActivation(Activation(WrongCode(t, secret, i)));
            Assert.True(passes);
            Assert.Contains("does not check", message);
        }
        var right = CodeNow(t, secret);
        Assert.True(t.Store.Activations.CheckActivation(Activation(right)).Passes);
        Assert.Equal(head, t.Store.GetInfo().AuditRecordCount);
        Assert.Empty(Failures(t.Store));
        Assert.Equal(PimRequestStatus.Provisioned, t.Store.Activations.RequestActivation(Activation(right))!.Status);
    }

    [Fact]
    public void WhatIf_reports_a_lock_without_checking_the_code()
    {
        var (t, secret) = Setup();
        using var _ = t;
        LockOnce(t, secret, TimeSpan.FromMinutes(5));
        var (passes, _, blocker) = t.Store.Activations.CheckActivation(Activation(CodeNow(t, secret)));
        Assert.False(passes);
        Assert.Equal("PimMfaLocked", blocker!.ErrorId);
        Assert.Equal(5, Failures(t.Store).Count);
    }

    [Fact]
    public void An_active_assignment_refuses_a_wrong_admin_code_commits_only_its_failure_and_WhatIf_checks_nothing()
    {
        using var t = new TestStore();
        var role = new PimRoleReference("Exchange Administrator");
        t.Store.Settings.Update(role, new PimRoleSettingUpdate { RequireMfaOnActiveAssignment = true, RequireJustificationOnActiveAssignment = false });
        var secret = t.Store.Mfa.Register(null, false)!.Secret;
        PimAssignmentInput Row(string who, string code) => new() { Principal = who, Role = role, Duration = TimeSpan.FromDays(1), MfaCode = code };
        var before = Counts(t.Store);

        // -WhatIf: the confirm callback says no; the (wrong) code is never checked.
        string? said = null;
        Assert.Null(t.Store.Assignments.Assign(PimAssignmentType.Active, Row("a@contoso.com", WrongCode(t, secret)), c => { said = c.Action; return false; }));
        Assert.Contains("MFA code would be checked", said);
        Assert.Empty(Failures(t.Store));

        var e = Assert.Throws<PimException>(() => t.Store.Assignments.Assign(PimAssignmentType.Active, Row("a@contoso.com", WrongCode(t, secret))));
        Assert.Equal("PimMfaInvalid", e.ErrorId);
        var failure = Assert.Single(Failures(t.Store));
        Assert.Contains("\"Purpose\":\"ActiveAssignment\"", failure.After);
        Assert.Equal("admin@contoso.com", failure.Principal);
        Assert.Equal(before, Counts(t.Store));

        // In one pipeline, rows before a refused code are kept, and one accepted code serves the rest of the pipeline.
        using (var writer = t.Store.Assignments.BeginAssign(PimAssignmentType.Active))
        {
            writer.Add(new PimAssignmentInput { Principal = "b@contoso.com", Role = new PimRoleReference("Global Reader"), Duration = TimeSpan.FromDays(1), Justification = "x" });
            writer.Add(Row("c@contoso.com", WrongCode(t, secret, 3)));
            var code = CodeNow(t, secret);
            writer.Add(Row("d@contoso.com", code));
            writer.Add(Row("e@contoso.com", code));
            writer.Add(Row("f@contoso.com", ""));
            var outcomes = writer.Flush();
            Assert.Equal(new string?[] { null, "PimMfaInvalid", null, null, "PimMfaRequired" }, outcomes.Select(o => o.Refusal?.ErrorId).ToArray());
        }
        Assert.Equal(before.Assignments + 3, t.Store.GetInfo().AssignmentCount);
        Assert.Equal(2, Failures(t.Store).Count);
        Assert.True(t.Store.Audit.Verify().IsValid);
    }
}

/// <summary>Secrets bound to their store and principal (AES-GCM associated data).</summary>
public class SecretBindingTests
{
    private static readonly PimRoleReference Reader = new("Security Reader");
    private const string User = "user1@contoso.com";

    private static string Cell(TestStore t, string sql) => t.Store.Session.Read(w => w.Scalar<string>(sql)!);

    /// <summary>A secret in the format written before the binding: "v1:" and AES-GCM without associated data.</summary>
    private static string LegacyProtect(byte[] plain)
    {
        var nonce = RandomNumberGenerator.GetBytes(12);
        var cipher = new byte[plain.Length];
        var tag = new byte[16];
        using var aes = new AesGcm(SecretProtector.Key(), 16);
        aes.Encrypt(nonce, plain, cipher, tag);
        return "v1:" + Convert.ToBase64String([.. nonce, .. tag, .. cipher]);
    }

    [Fact]
    public void A_secret_is_bound_to_its_context()
    {
        var plain = RandomNumberGenerator.GetBytes(20);
        var text = SecretProtector.Protect(plain, SecretProtector.MfaContext("s1", "a@contoso.com"));
        Assert.StartsWith("v2:", text);
        Assert.Equal(plain, SecretProtector.TryUnprotect(text, SecretProtector.MfaContext("s1", "a@contoso.com")));
        Assert.Null(SecretProtector.TryUnprotect(text, SecretProtector.MfaContext("s1", "b@contoso.com")));
        Assert.Null(SecretProtector.TryUnprotect(text, SecretProtector.MfaContext("s2", "a@contoso.com")));
        Assert.Null(SecretProtector.TryUnprotect(text, SecretProtector.MailPasswordContext("s1")));
        Assert.Null(SecretProtector.TryUnprotect("v2:garbage", "x"));
        Assert.Equal(plain, SecretProtector.TryUnprotect(LegacyProtect(plain), "anything")); // legacy texts have no binding
    }

    [Fact]
    public void An_encrypted_secret_copied_onto_another_principals_row_is_refused_and_audited()
    {
        var (t, victimSecret) = MfaLockoutTests.Setup();
        using var _ = t;
        var attacker = t.Open("attacker@contoso.com");
        var attackerSecret = attacker.Mfa.Register(null, false)!.Secret;
        t.Sql("UPDATE mfa_methods SET secret_protected = (SELECT secret_protected FROM mfa_methods WHERE principal_key = 'attacker@contoso.com') " +
              "WHERE principal_key = 'user1@contoso.com'");
        var assignments = t.Store.GetInfo().AssignmentCount;
        var e = Assert.Throws<PimException>(() => t.Store.Activations.RequestActivation(new PimActivationInput
            { Role = Reader, Justification = "x", MfaCode = MfaLockoutTests.CodeNow(t, attackerSecret) }));
        Assert.Equal("PimMfaSecretInvalid", e.ErrorId);
        Assert.Null(e.InnerException);
        Assert.Equal(assignments, t.Store.GetInfo().AssignmentCount);
        Assert.Contains("\"Reason\":\"SecretInvalid\"", Assert.Single(MfaLockoutTests.Failures(t.Store)).After);
        // The victim's own authenticator does not pass either, until the method is registered again.
        Assert.Equal("PimMfaSecretInvalid", Assert.Throws<PimException>(() => t.Store.Activations.RequestActivation(new PimActivationInput
            { Role = Reader, Justification = "x", MfaCode = MfaLockoutTests.CodeNow(t, victimSecret) })).ErrorId);
    }

    [Fact]
    public void An_encrypted_secret_copied_from_another_store_is_refused()
    {
        var (t, _) = MfaLockoutTests.Setup();
        using var __ = t;
        using var other = new TestStore("user1@contoso.com");
        var otherSecret = other.Store.Mfa.Register(null, false)!.Secret;
        var copied = Cell(other, "SELECT secret_protected FROM mfa_methods");
        t.Sql($"UPDATE mfa_methods SET secret_protected = '{copied}' WHERE principal_key = 'user1@contoso.com'");
        Assert.Equal("PimMfaSecretInvalid", Assert.Throws<PimException>(() => t.Store.Activations.RequestActivation(new PimActivationInput
            { Role = Reader, Justification = "x", MfaCode = MfaLockoutTests.CodeNow(t, otherSecret) })).ErrorId);
    }

    [Fact]
    public void A_legacy_secret_still_works_and_is_bound_at_its_next_accepted_code()
    {
        var (t, _) = MfaLockoutTests.Setup();
        using var __ = t;
        var plain = RandomNumberGenerator.GetBytes(20);
        t.Sql($"UPDATE mfa_methods SET secret_protected = '{LegacyProtect(plain)}' WHERE principal_key = 'user1@contoso.com'");
        var r = t.Store.Activations.RequestActivation(new PimActivationInput
            { Role = Reader, Justification = "x", MfaCode = MfaLockoutTests.CodeNow(t, Totp.ToBase32(plain)) })!;
        Assert.Equal(PimRequestStatus.Provisioned, r.Status);
        Assert.StartsWith("v2:", Cell(t, "SELECT secret_protected FROM mfa_methods WHERE principal_key = 'user1@contoso.com'"));
    }

    [Fact]
    public void Migration_5_binds_the_legacy_secrets_and_the_mail_password_of_an_older_store()
    {
        var (t, _) = MfaLockoutTests.Setup();
        using var __ = t;
        var plain = RandomNumberGenerator.GetBytes(20);
        var legacyPassword = LegacyProtect(Encoding.UTF8.GetBytes("p@ss"));
        // Back to schema 4: legacy texts, no lockout columns.
        t.Sql($"UPDATE mfa_methods SET secret_protected = '{LegacyProtect(plain)}'");
        t.Sql($"INSERT INTO store_info (key, value) VALUES ('mail.password', '{legacyPassword}')");
        t.Sql("DROP INDEX ix_audit_mfa_failed");
        foreach (var c in new[] { "failed_count", "lockouts", "locked_until_utc", "last_failure_utc" }) t.Sql($"ALTER TABLE mfa_methods DROP COLUMN {c}");
        t.Sql("DROP INDEX ix_audit_protect");
        t.Sql("DROP INDEX ix_audit_actor");
        t.Sql("DROP INDEX ix_audit_keys");
        t.Sql("DROP INDEX ix_requests_stage");
        foreach (var c in new[] { "stage", "stage_started_utc" }) t.Sql($"ALTER TABLE requests DROP COLUMN {c}");
        // Every table a migration after 4 made (the migrations are the one list of tables), the last made first.
        var migrations = Storage.Migration.LoadEmbedded("PimModule.Sqlite.");
        foreach (var table in Storage.Migration.TablesMadeBy(migrations.Where(m => m.Version >= 5)).Reverse()) t.Sql($"DROP TABLE {table}");
        t.Sql("DELETE FROM schema_version WHERE version >= 5");

        var reopened = t.Open(User, asOwner: true); // PostgreSQL: migrations are the tables' owner's job
        // Migrated from 4 through 5 to this module's latest (6-7, identity; 8, directory objects; 9, the actor index;
        // 10, approval stages; 11, access reviews; 12, the audit time check; 13, the write lock; 14, snapshots; and any later).
        Assert.Equal(migrations.Max(m => m.Version), reopened.SchemaVersion);
        Assert.True(reopened.SchemaVersion >= 13);
        var text = Cell(t, "SELECT secret_protected FROM mfa_methods");
        Assert.StartsWith("v2:", text);
        var storeId = Cell(t, "SELECT value FROM store_info WHERE key = 'store_id'");
        Assert.Equal(plain, SecretProtector.TryUnprotect(text, SecretProtector.MfaContext(storeId, "user1@contoso.com")));
        var password = Cell(t, "SELECT value FROM store_info WHERE key = 'mail.password'");
        Assert.Equal("p@ss", Encoding.UTF8.GetString(SecretProtector.TryUnprotect(password, SecretProtector.MailPasswordContext(storeId))!));
        Assert.Equal(PimRequestStatus.Provisioned, reopened.Activations.RequestActivation(new PimActivationInput
            { Role = Reader, Justification = "x", MfaCode = MfaLockoutTests.CodeNow(t, Totp.ToBase32(plain)) })!.Status);
    }

    [Fact]
    public void The_mail_password_is_written_bound_to_the_store()
    {
        using var t = new TestStore();
        t.Store.Notifications.SetMailSetting(new PimMailSettingUpdate { SmtpServer = "smtp.contoso.com", From = "pim@contoso.com", UserName = "u", Password = "p@ss" });
        var text = Cell(t, "SELECT value FROM store_info WHERE key = 'mail.password'");
        var storeId = Cell(t, "SELECT value FROM store_info WHERE key = 'store_id'");
        Assert.StartsWith("v2:", text);
        Assert.Equal("p@ss", Encoding.UTF8.GetString(SecretProtector.TryUnprotect(text, SecretProtector.MailPasswordContext(storeId))!));
        Assert.Null(SecretProtector.TryUnprotect(text, SecretProtector.MailPasswordContext(Guid.NewGuid().ToString())));
    }
}
