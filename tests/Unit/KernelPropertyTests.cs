using CsCheck;
using PimModule.Kernel;
using PimModule.Verification;
using Xunit;

namespace PimModule.Tests;

/// <summary>
/// Issue 29: the write path and the state replay decide by the same kernel rules (Kernel/). Random honest command
/// sequences — approval stages and quorums, escalation, the role's maximum duration changed while requests wait, activation requests, approvals and denials by anyone (entitled or
/// not), cancels, deactivations, removed eligibilities, a clock that moves up to three hours a step — on the store the
/// provider under test gives: after every step the tables, the administrator's checkpoint built step by step and a full
/// replay of the log agree (no honest record counts for nothing, no table row disagrees, each request's status and stage
/// is the replay's).
/// </summary>
[Trait("Provider", "Neutral")]
public sealed class KernelPropertyTests
{
    private static readonly PimRoleReference Reader = new("Security Reader");
    private static readonly string[] Users = ["user1@contoso.com", "user2@contoso.com"];
    private static readonly string[] Deciders = ["a1@contoso.com", "a2@contoso.com", "a3@contoso.com", "e1@contoso.com", "admin@contoso.com", "user1@contoso.com"];
    private static readonly DateTimeOffset T0 = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    private sealed record Step(int Kind, int Who, int AdvanceMinutes, bool Reason);

    // Mostly requests and decisions (what the kernel's approval rules judge); now and then new stages, eligibilities and removals.
    private static readonly Gen<int> KindGen = Gen.Frequency((2, Gen.Const(0)), (1, Gen.Const(1)), (4, Gen.Const(2)), (6, Gen.Const(3)), (1, Gen.Const(4)),
        (1, Gen.Const(5)), (1, Gen.Const(6)), (1, Gen.Const(7)));

    private static readonly Gen<Step> StepGen = Gen.Select(KindGen, Gen.Int[0, 5], Gen.OneOf(Gen.Int[0, 30], Gen.Int[0, 180]), Gen.Bool,
        (k, w, a, r) => new Step(k, w, a, r));

    private static readonly PimApprovalStage[][] Stages =
    [
        [new() { Approvers = new(["a1@contoso.com"]), EscalationApprovers = new(["e1@contoso.com"]), EscalationAfter = TimeSpan.FromHours(2) },
         new() { Approvers = new(["a2@contoso.com", "a3@contoso.com"]) }],
        [new() { Approvers = new(["a1@contoso.com", "a2@contoso.com", "a3@contoso.com"]), RequiredApprovals = 2 }],
        [new() { Approvers = new(["a1@contoso.com", "a2@contoso.com"]) }],
        [new()],   // no approvers listed: the administrators decide
    ];

    [Fact]
    public void The_tables_a_checkpoint_built_step_by_step_and_a_full_replay_agree()
        // Fewer runs on PostgreSQL (each step is a round trip per read): the rules are the same on both, the store is what differs.
        => StepGen.Array[8, 20].Sample(Run, iter: TestProvider.IsPostgres ? 8 : 20, threads: 1);

    private static void Run(Step[] steps)
    {
        using var people = new VerifiedPeople();
        var clock = new Clock { Now = T0 };
        var admin = people.Open("admin@contoso.com", clock);
        foreach (var p in Users.Concat(Deciders).Distinct().Where(p => p != "admin@contoso.com"))
            admin.Credentials.Register(p, Identity.Keys.CredentialFolder.Create(p, null, "", root: people.KeysOf(p)).PublicKey, propose: false);
        admin.Settings.Update(Reader, new PimRoleSettingUpdate
        {
            RequireApproval = true, ActivationRequirement = PimActivationRequirement.None, RequireJustification = false, ApprovalStages = Stages[0],
        });
        var stores = Users.Concat(Deciders).Distinct().ToDictionary(p => p, p => p == "admin@contoso.com" ? admin : people.Open(p, clock));
        foreach (var u in Users)
            admin.Assignments.Assign(PimAssignmentType.Eligible, new PimAssignmentInput { Principal = u, Role = Reader, Permanent = true, Justification = "soc" });

        foreach (var s in steps)
        {
            clock.Now += TimeSpan.FromMinutes(s.AdvanceMinutes);
            var user = Users[s.Who % 2];
            var pending = admin.Requests.Query(new PimRequestQuery { Status = [PimRequestStatus.PendingApproval] }).OrderBy(q => q.CreatedDateTime).FirstOrDefault();
            try
            {
                switch (s.Kind)
                {
                    case 0:
                        admin.Settings.Update(Reader, new PimRoleSettingUpdate
                        {
                            ApprovalStages = Stages[s.Who % Stages.Length], RequireApproverJustification = s.Reason,
                            ActivationMaxDuration = TimeSpan.FromHours(1 + s.AdvanceMinutes % 8),
                        });
                        break;
                    case 1:
                        admin.Assignments.Assign(PimAssignmentType.Eligible, new PimAssignmentInput { Principal = user, Role = Reader, Permanent = true, Justification = "soc" });
                        break;
                    case 2:
                        stores[user].Activations.RequestActivation(new PimActivationInput { Role = Reader, Duration = TimeSpan.FromHours(1 + s.AdvanceMinutes % 6) });
                        break;
                    case 3 or 4 or 5 when pending is null:
                        continue;
                    case 3:
                        stores[Deciders[s.Who]].Activations.Approve(pending!.RequestId, s.Reason ? "on call" : null);
                        break;
                    case 4:
                        stores[Deciders[s.Who]].Activations.Deny(pending!.RequestId, s.Reason ? "not now" : null);
                        break;
                    case 5:
                        stores[pending!.Principal].Activations.Cancel(pending.RequestId);
                        break;
                    case 6:
                        stores[user].Activations.RequestDeactivation(Reader, null, null);
                        break;
                    case 7:
                        if (admin.Assignments.Query(new PimAssignmentQuery { Principal = user, Type = PimAssignmentType.Eligible }).FirstOrDefault() is { } a)
                            admin.Assignments.Remove(a.AssignmentId);
                        break;
                }
            }
            catch (PimException e) when (e.ErrorId is not ("PimStoreTampered" or "PimStoreRolledBack" or "PimStoreCorrupt"))
            {
                // Refused by the write path (not an approver, decided already, no reason, not eligible, too soon): nothing written.
            }
            Agree(admin, clock.Now.UtcDateTime);
        }
    }

    /// <summary>The tables, the session's checkpoint and a fresh full replay agree.</summary>
    private static void Agree(PimStore admin, DateTime now)
    {
        // Every record the write path sealed counts in the replay, and every table row is as the replay has it.
        var check = admin.Audit.Verify();
        Assert.True(check.IsValid, string.Join("; ", check.Disagreements.Select(d => $"{d.Kind} {d.Id}: {d.Problem} {d.Detail}")));
        var requests = admin.Requests.Query(new PimRequestQuery());
        TimeRulePropertyTests.Compare(admin);
        admin.Session.Read(work =>
        {
            using var fresh = VerifiedState.InMemory(CheckpointSync.Instance);
            Assert.True(fresh.Sync(work).IsValid);
            var mine = work.Verified!;
            Assert.Empty(mine.Refused());
            foreach (var q in requests.Where(q => q.Action == PimRequestAction.SelfActivate))
            {
                var replayed = mine.Request(q.RequestId);
                Assert.NotNull(replayed);
                Assert.Equal(fresh.Request(q.RequestId), replayed);
                var status = replayed!.Status == nameof(PimRequestStatus.PendingApproval)
                             && RequestLifetime.HasExpired(new DateTime(replayed.StageStartedTicks, DateTimeKind.Utc), now) ? nameof(PimRequestStatus.Expired) : replayed.Status;
                Assert.Equal(q.Status.ToString(), status);
                Assert.Equal(q.Stage, (int)replayed.Stage);
            }
            return 0;
        });
    }

    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }
        public override DateTimeOffset GetUtcNow() => Now;
    }
}
