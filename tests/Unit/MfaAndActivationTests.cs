using System.Security.Cryptography;
using System.Text;
using Xunit;

namespace PimModule.Tests;

public class TotpTests
{
    // RFC 6238 appendix B: the SHA-1 seed "12345678901234567890", 8-digit codes.
    [Theory]
    [InlineData(59L, "94287082")]
    [InlineData(1111111109L, "07081804")]
    [InlineData(1111111111L, "14050471")]
    [InlineData(1234567890L, "89005924")]
    [InlineData(2000000000L, "69279037")]
    [InlineData(20000000000L, "65353130")]
    public void Rfc6238_sha1_test_vectors(long unixSeconds, string expected)
    {
        var secret = Encoding.ASCII.GetBytes("12345678901234567890");
        var step = Totp.StepAt(DateTime.UnixEpoch.AddSeconds(unixSeconds));
        Assert.Equal(expected, Totp.Code(secret, step, 8));
        Assert.Equal(expected[2..], Totp.Code(secret, step)); // the module's 6 digits are the last six
    }

    [Fact]
    public void Base32_round_trips_and_matches_rfc4648()
    {
        Assert.Equal("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", Totp.ToBase32(Encoding.ASCII.GetBytes("12345678901234567890")));
        var bytes = RandomNumberGenerator.GetBytes(20);
        Assert.Equal(bytes, Totp.FromBase32(Totp.ToBase32(bytes)));
    }

    [Fact]
    public void Accepts_one_step_of_skew_either_way_and_no_more()
    {
        var secret = Encoding.ASCII.GetBytes("12345678901234567890");
        var now = new DateTime(2026, 1, 1, 12, 0, 15, DateTimeKind.Utc);
        var step = Totp.StepAt(now);
        Assert.Equal(step - 1, Totp.Match(secret, Totp.Code(secret, step - 1), now));
        Assert.Equal(step + 1, Totp.Match(secret, Totp.Code(secret, step + 1), now));
        Assert.Null(Totp.Match(secret, Totp.Code(secret, step - 2), now));
        Assert.Null(Totp.Match(secret, Totp.Code(secret, step + 2), now));
    }
}

public class ActivationTimeTests
{
    private static readonly PimRoleReference Reader = new("Security Reader");

    private static (TestStore Store, string Secret) Setup(bool approval = false)
    {
        var t = new TestStore();
        t.Store.Settings.Update(Reader, new PimRoleSettingUpdate { RequireApproval = approval, Approvers = ["approver@contoso.com"] });
        t.Store.Assignments.Assign(PimAssignmentType.Eligible, new PimAssignmentInput { Principal = "user1@contoso.com", Role = Reader });
        var user = t.As("user1@contoso.com");
        var secret = user.Mfa.Register(null, false)!.Secret;
        return (t, secret);
    }

    private static string CodeNow(TestStore t, string secret)
        => Totp.Code(Totp.FromBase32(secret), Totp.StepAt(t.Clock.GetUtcNow().UtcDateTime));

    [Fact]
    public void Deactivation_is_refused_in_the_first_five_minutes()
    {
        var (t, secret) = Setup();
        using var _ = t;
        t.Store.Activations.RequestActivation(new PimActivationInput { Role = Reader, Justification = "x", MfaCode = CodeNow(t, secret) });
        t.Clock.Advance(TimeSpan.FromMinutes(4) + TimeSpan.FromSeconds(59));
        Assert.Equal("PimDeactivationTooSoon",
            Assert.Throws<PimException>(() => t.Store.Activations.RequestDeactivation(Reader, null, null)).ErrorId);
        t.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(PimRequestStatus.Provisioned, t.Store.Activations.RequestDeactivation(Reader, null, null)!.Status);
    }

    [Fact]
    public void A_pending_request_expires_after_24_hours()
    {
        var (t, secret) = Setup(approval: true);
        using var _ = t;
        var r = t.Store.Activations.RequestActivation(new PimActivationInput { Role = Reader, Justification = "x", MfaCode = CodeNow(t, secret) })!;
        t.Clock.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        Assert.Equal(PimRequestStatus.PendingApproval, t.Store.Requests.Query(new PimRequestQuery { RequestId = r.RequestId }).Single().Status);
        t.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(PimRequestStatus.Expired, t.Store.Requests.Query(new PimRequestQuery { RequestId = r.RequestId }).Single().Status);
        var approver = t.As("approver@contoso.com");
        Assert.Equal("PimRequestNotPending",
            Assert.Throws<PimException>(() => approver.Activations.Approve(r.RequestId, "late")).ErrorId);
    }

    [Fact]
    public void Approval_starts_the_activation_at_the_approval_time()
    {
        var (t, secret) = Setup(approval: true);
        using var _ = t;
        var r = t.Store.Activations.RequestActivation(new PimActivationInput
            { Role = Reader, Justification = "x", Duration = TimeSpan.FromHours(2), MfaCode = CodeNow(t, secret) })!;
        t.Clock.Advance(TimeSpan.FromHours(3));
        var approved = t.As("approver@contoso.com").Activations.Approve(r.RequestId, "ok")!;
        var now = t.Clock.GetUtcNow().UtcDateTime;
        Assert.Equal(now, approved.StartDateTime);
        Assert.Equal(now.AddHours(2), approved.EndDateTime);
    }

    [Fact]
    public void A_used_code_is_refused_even_within_its_window()
    {
        var (t, secret) = Setup();
        using var _ = t;
        var admin = t.As("admin@contoso.com");
        admin.Assignments.Assign(PimAssignmentType.Eligible, new PimAssignmentInput { Principal = "user1@contoso.com", Role = new PimRoleReference("Global Reader") });
        var user = t.As("user1@contoso.com");
        var code = CodeNow(t, secret);
        user.Activations.RequestActivation(new PimActivationInput { Role = Reader, Justification = "x", MfaCode = code });
        t.Clock.Advance(TimeSpan.FromSeconds(20));
        var e = Assert.Throws<PimException>(() => user.Activations.RequestActivation(
            new PimActivationInput { Role = new PimRoleReference("Global Reader"), Justification = "x", MfaCode = code }));
        Assert.Equal("PimMfaCodeReused", e.ErrorId);
    }
}
