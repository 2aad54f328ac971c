using CsCheck;
using PimModule.Audit;
using PimModule.Identity.Keys;
using PimModule.Storage;
using PimModule.Verification;
using Xunit;

namespace PimModule.Tests;

/// <summary>
/// Issue 27: the one time rule (Kernel/TimeRule.cs), as a property. Random honest commands — by the root, a direct
/// administrator and two users, on a clock that only moves forward — mixed with forgeries that mallory (no role) seals
/// with her own real key at random clock offsets, days back or weeks ahead: every honest record counts, no forgery grants
/// anything, and the administrator's checkpoint, built step by step, equals a full replay of the log at the same clock.
/// </summary>
[Trait("Provider", "Neutral")]
public sealed class TimeRulePropertyTests
{
    private static readonly PimRoleReference Reader = new("Security Reader");
    private static readonly PimRoleReference Global = new("Global Administrator");
    private static readonly string[] Users = ["user1@contoso.com", "user2@contoso.com"];
    private static readonly DateTimeOffset T0 = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    /// <summary>One step: what happens, by whom, how far the real clock moves first, and mallory's clock offset.</summary>
    private sealed record Step(int Kind, int Who, int AdvanceMinutes, int OffsetMinutes);

    private static readonly Gen<Step> StepGen = Gen.Select(Gen.OneOf(Gen.Int[0, 6], Gen.Const(4)), Gen.Int[0, 1], Gen.Int[0, 600],
        Gen.OneOf(Gen.Int[-3 * 24 * 60, -10], Gen.Int[10, 30 * 24 * 60], Gen.Int[30 * 24 * 60 + 10, 40 * 24 * 60], Gen.Int[-4, 4]), (k, w, a, o) => new Step(k, w, a, o));

    [Fact]
    public void Honest_records_count_forgeries_grant_nothing_and_a_checkpoint_equals_a_full_replay()
        => StepGen.Array[4, 12].Sample(Run, iter: 20, threads: 1);

    private static void Run(Step[] steps)
    {
        using var people = new VerifiedPeople();
        var real = new Clock { Now = T0 };
        var malloryClock = new Clock { Now = T0 };
        var admin = people.Open("admin@contoso.com", real);
        foreach (var p in Users.Append("eve@contoso.com").Append("mallory@contoso.com"))
        {
            var credential = CredentialFolder.Create(p, null, "", root: people.KeysOf(p));
            admin.Credentials.Register(p, credential.PublicKey, propose: false);
        }
        admin.Assignments.Assign(PimAssignmentType.Active, new PimAssignmentInput { Principal = "eve@contoso.com", Role = new PimRoleReference("Privileged Role Administrator"), Permanent = true, Justification = "admin" });
        // Mallory is to be a Privileged Role Administrator in 30 days: dated far enough ahead, her forgeries would find her one.
        admin.Assignments.Assign(PimAssignmentType.Active, new PimAssignmentInput { Principal = "mallory@contoso.com", Role = new PimRoleReference("Privileged Role Administrator"),
            StartDateTime = T0.UtcDateTime.AddDays(30), Permanent = true, Justification = "next month" });
        admin.Settings.Update(Reader, new PimRoleSettingUpdate { ActivationRequirement = PimActivationRequirement.None, RequireJustification = false });
        var eve = people.Open("eve@contoso.com", real);
        var users = Users.Select(u => people.Open(u, real)).ToArray();
        var mallory = people.Open("mallory@contoso.com", malloryClock);
        var honest = new HashSet<string>(StringComparer.Ordinal) { "admin@contoso.com", "eve@contoso.com", Users[0], Users[1] };

        foreach (var s in steps)
        {
            real.Now += TimeSpan.FromMinutes(s.AdvanceMinutes);
            malloryClock.Now = real.Now + TimeSpan.FromMinutes(s.OffsetMinutes);
            var administrator = s.Who == 0 ? admin : eve;
            var user = users[s.Who];
            try
            {
                switch (s.Kind)
                {
                    case 0:
                        administrator.Assignments.Assign(PimAssignmentType.Eligible, new PimAssignmentInput { Principal = Users[s.Who], Role = Reader, Permanent = true, Justification = "soc" });
                        break;
                    case 1:
                        if (administrator.Assignments.Query(new PimAssignmentQuery { Principal = Users[s.Who], Type = PimAssignmentType.Eligible }).FirstOrDefault() is { } a)
                            administrator.Assignments.Remove(a.AssignmentId);
                        break;
                    case 2:
                        user.Activations.RequestActivation(new PimActivationInput { Role = Reader, Duration = TimeSpan.FromHours(1) });
                        break;
                    case 3:
                        administrator.Settings.Update(Reader, new PimRoleSettingUpdate { ActivationMaxDuration = TimeSpan.FromHours(1 + s.AdvanceMinutes % 8) });
                        break;
                    case 4 or 5:
                        // Mallory's forgery, sealed with her own key at her clock: a permanent Global Administrator assignment
                        // for herself, as an administrator's record would make it.
                        Forge(mallory, s.Kind == 4 ? "mallory@contoso.com" : Users[s.Who]);
                        break;
                    default:
                        // Mallory at her clock through the module: an activation of a role she is not eligible for.
                        mallory.Activations.RequestActivation(new PimActivationInput { Role = Global, Duration = TimeSpan.FromHours(1) });
                        break;
                }
            }
            catch (PimException e) when (e.ErrorId is not ("PimStoreTampered" or "PimStoreRolledBack"))
            {
                // Refused by the module (not eligible, not an administrator, a clock behind its own records): nothing written.
            }

            // The administrator's checkpoint, brought up to the head step by step, against a full replay at the same clock.
            var step = admin.Session.Read(w => w.Verified!.Head);
            Assert.NotEqual(0, step.Sequence);
            Compare(admin);
        }

        // Every honest record counts; no forgery grants anything, now or at mallory's furthest clock.
        var check = admin.Audit.Verify();
        var records = admin.Audit.Query(new PimAuditQuery());
        var bySequence = records.ToDictionary(r => r.Sequence);
        foreach (var d in check.Disagreements.Where(d => d.Kind == "Record"))
            Assert.False(honest.Contains(bySequence[long.Parse(d.Id)].Actor.ToLowerInvariant()), $"an honest record does not count: {d.Detail}");
        foreach (var at in new[] { real.GetUtcNow().UtcDateTime, real.GetUtcNow().UtcDateTime.AddDays(41) })
            Assert.False(admin.Assignments.CheckAccess("mallory@contoso.com", Global, null, at).HasAccess);
        Assert.Empty(admin.Assignments.Query(new PimAssignmentQuery { Principal = "mallory@contoso.com", RoleIds = [RoleCatalog.GlobalAdministrator] }));
    }

    /// <summary>A clock a test sets (mallory's goes back and forth; the real one only forward).</summary>
    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }
        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>What a modified module could seal with mallory's own key: an administrator's assignment record, and its row.</summary>
    private static void Forge(PimStore mallory, string principal) => mallory.Session.Write(work =>
    {
        var id = Ids.New();
        var row = new AssignmentRow(id, principal, RoleCatalog.GlobalAdministrator, "/", PimAssignmentType.Active, PimMemberType.Direct,
            T0.UtcDateTime, null, "forged", null, null, work.Actor, work.Now, null, null);
        AssignmentsTable.Insert(work, row);
        AuditLog.AppendRecord(work, "AdminAssign", "Assignment", id.ToString("D"), RoleCatalog.GlobalAdministrator, principal, null, Audit.Events.AssignmentView.Of(row));
        return 0;
    });

    /// <summary>The session's checkpoint equals a fresh replay of the whole log (assignments, refusals, policies); KernelPropertyTests asks it too.</summary>
    internal static void Compare(PimStore store)
    {
        store.Session.Read(work =>
        {
            using var fresh = VerifiedState.InMemory(CheckpointSync.Instance);
            Assert.True(fresh.Sync(work).IsValid);
            var mine = work.Verified!;
            Assert.Equal(fresh.Head, mine.Head);
            Assert.Equal(fresh.AllAssignments().Select(a => (a.Id, Convert.ToHexString(a.Digest))), mine.AllAssignments().Select(a => (a.Id, Convert.ToHexString(a.Digest))));
            Assert.Equal(fresh.Refused().Select(r => (r.Sequence, r.Problem)), mine.Refused().Select(r => (r.Sequence, r.Problem)));
            Assert.Equal(fresh.AllPolicies().Select(p => (p.RoleId, p.Rules)), mine.AllPolicies().Select(p => (p.RoleId, p.Rules)));
            return 0;
        });
    }
}
