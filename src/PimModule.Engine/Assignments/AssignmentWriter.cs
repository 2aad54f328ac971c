using System.Data.Common;
using PimModule.Storage;

namespace PimModule;

/// <summary>
/// Creates assignments of one type, one Add at a time, committing every <c>batchSize</c> rows in one
/// transaction (the bulk path of Import-Csv | New-PimEligibleAssignment). A refused row throws before it
/// writes anything, so the batch goes on; rows already committed stay when the pipeline stops.
/// Roles and policies are cached for the writer's life; authorization is checked once per transaction.
/// </summary>
public sealed class AssignmentWriter : IDisposable
{
    private readonly PimStore _store;
    private readonly PimAssignmentType _type;
    private readonly int _batchSize;
    private readonly Dictionary<string, PimRole> _roles = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<Guid, RolePolicy> _policies = [];
    private DbConnection? _connection;
    private readonly CommandCache _commands = new();
    private DbTransaction? _tx;
    private UnitOfWork? _work;
    private int _pending;
    private string? _mfaAccepted;

    internal AssignmentWriter(PimStore store, PimAssignmentType type, int batchSize)
    {
        _store = store;
        _type = type;
        _batchSize = Math.Max(1, batchSize);
    }

    /// <summary>Assignments committed so far.</summary>
    public long Committed { get; private set; }

    private UnitOfWork Work()
    {
        if (_work is not null) return _work;
        _connection ??= _store.OpenConnectionWithRetry();
        (_tx, _work) = _store.BeginWithRetry(_connection, _commands);
        Authorization.RequireRoleAdministrator(_work,
            $"assign roles ({_type.ToString().ToLowerInvariant()} assignments)");
        return _work;
    }

    public PimAssignment? Add(PimAssignmentInput input, Func<PimChange, bool>? confirm = null)
    {
        try
        {
            return AddCore(input, confirm);
        }
        catch (MfaFailure failure)
        {
            // The refused code's count and audit record are the only writes of this transaction (see CheckMfa): commit them.
            Commit();
            throw failure.Refusal;
        }
        catch (Exception e) when (e is not PimException && _store.TranslateError(e) is { } translated)
        {
            Rollback();
            throw translated;
        }
    }

    /// <summary>
    /// Checks the administrator's MFA code for a row, after -WhatIf/-Confirm said yes: in a transaction of its own
    /// (the rows accepted so far are committed first), so that a refused code commits only its count and audit record.
    /// A code accepted once is good for the rest of this pipeline (one command, one MFA proof), as it may be used only once.
    /// </summary>
    private UnitOfWork CheckMfa(UnitOfWork work, PimRole role, string? code)
    {
        if (_mfaAccepted is not null && string.Equals(code?.Trim(), _mfaAccepted, StringComparison.Ordinal)) return work;
        if (work.Writes != 0)
        {
            Commit();
            work = Work();
        }
        var proof = Mfa.Verify(work, work.Actor, code, role, "ActiveAssignment", "RequireMfaOnActiveAssignment")!;
        Mfa.Consume(work, work.Actor, proof);
        _mfaAccepted = code!.Trim();
        return work;
    }

    private PimAssignment? AddCore(PimAssignmentInput input, Func<PimChange, bool>? confirm)
    {
        // Checks that need no store come first: a bad row costs nothing.
        var principal = Principal.Validate(input.Principal);
        if (input.Role is null)
            throw new PimException("PimRoleRequired", PimErrorCategory.InvalidArgument, "No role was given.", null, "Give -Role.");
        var scope = Scope.Validate(input.Scope);
        var work = Work();
        var role = ResolveRole(work, input.Role);
        if (!_policies.TryGetValue(role.Id, out var policy)) _policies[role.Id] = policy = SettingsService.Load(work, role.Id);
        var (start, end) = Schedules.ResolveAdmin(policy, _type, role.Name, work.Now, input.StartDateTime, input.EndDateTime,
            input.Duration, input.Permanent);
        if (_type == PimAssignmentType.Active)
        {
            if (policy.RequireJustificationOnActiveAssignment && string.IsNullOrWhiteSpace(input.Justification))
                throw Refusals.JustificationRequired(role.Name, "RequireJustificationOnActiveAssignment");
        }
        var needsMfa = _type == PimAssignmentType.Active && policy.RequireMfaOnActiveAssignment;
        if (needsMfa && string.IsNullOrWhiteSpace(input.MfaCode))
            throw new PimException("PimMfaRequired", PimErrorCategory.PermissionDenied,
                $"The settings of '{role.Name}' require multifactor authentication (RequireMfaOnActiveAssignment), and no MFA code was given.", role.Name,
                "Give -MfaCode with the 6-digit code from your authenticator (Register-PimMfaMethod sets one up).");
        var existing = work.Query(
                "SELECT assignment_id, scope, start_utc, end_utc FROM assignments WHERE principal_key = @pk AND role_id = @r AND type = @t",
                r => (Id: r.GetGuid("assignment_id"), Scope: r.GetText("scope"), Start: r.GetUtc("start_utc"), End: r.GetDateTime("end_utc")),
                ("@pk", Db.Key(principal)), ("@r", role.Id), ("@t", _type))
            .Where(a => string.Equals(a.Scope, scope, StringComparison.OrdinalIgnoreCase)
                        && Schedules.Overlaps(a.Start, a.End, start, end) && (a.End is null || a.End > work.Now))
            .Select(a => new { a.Id, a.End }).FirstOrDefault();
        if (existing is not null)
            throw new PimException("PimAssignmentExists", PimErrorCategory.ResourceExists,
                $"{principal} already has an {_type.ToString().ToLowerInvariant()} assignment of '{role.Name}' at {scope} " +
                $"for that time ({existing.Id}, {(existing.End is { } e ? "until " + e.ToString("u") : "permanent")}).",
                existing.Id, "Change the existing assignment with Update-PimAssignment, or pick a time that does not overlap it.");

        if (confirm is not null && !confirm(new PimChange($"{principal} → '{role.Name}' at {scope}",
                $"Create {_type.ToString().ToLowerInvariant()} assignment ({start:u} – {(end is { } en ? en.ToString("u") : "permanent")})" +
                (needsMfa ? "; your MFA code would be checked then (-WhatIf does not check it)" : ""))))
            return null;
        if (needsMfa) work = CheckMfa(work, role, input.MfaCode);

        var requestId = Ids.New();
        var row = new AssignmentRow(Ids.New(), principal, role.Id, scope, _type, PimMemberType.Direct, start, end,
            Blank(input.Justification), Blank(input.TicketNumber), Blank(input.TicketSystem), work.Actor, work.Now, requestId, null);
        new RequestRow(requestId, PimRequestAction.AdminAssign, PimRequestStatus.Provisioned, principal, role.Id, scope, _type,
            end - start, start, end, row.Justification, row.TicketNumber, row.TicketSystem, work.Actor, work.Now,
            Decided: work.Now, AssignmentId: row.Id).Add(work);
        row.Add(work);
        AuditLog.Append(work, nameof(PimRequestAction.AdminAssign), "Assignment", row.Id.ToString("D"), role.Id, principal, null, AuditView.Of(row));
        Events.AssignmentCreated(work, row, role);
        if (++_pending >= _batchSize) Commit();
        return AssignmentService.ToOutput(row, role.Name, work.Now);
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private PimRole ResolveRole(UnitOfWork work, PimRoleReference reference)
    {
        var key = reference.Id?.ToString("D") ?? reference.Name ?? "";
        if (_roles.TryGetValue(key, out var role)) return role;
        role = RoleService.Resolve(work, reference);
        _roles[key] = role;
        return role;
    }

    /// <summary>Commits what is pending (call at the end; also called every batchSize rows).</summary>
    public void Commit()
    {
        if (_work is null || _tx is null) return;
        try
        {
            Outbox.Flush(_work);
            AuditLog.Flush(_work);
            _work.FlushPending();
            _tx.Commit();
            Committed += _pending;
        }
        catch (Exception e) when (e is not PimException && _store.TranslateError(e) is { } translated)
        {
            Rollback();
            throw translated;
        }
        finally
        {
            _tx.Dispose();
            _tx = null;
            _work = null;
            _pending = 0;
        }
    }

    private void Rollback()
    {
        try { _tx?.Rollback(); } catch (Exception) { /* the connection may be gone */ }
        _tx?.Dispose();
        _tx = null;
        _work = null;
        _pending = 0;
        _mfaAccepted = null; // its use was rolled back with the rows
    }

    /// <summary>Rolls back what is not committed.</summary>
    public void Dispose()
    {
        Rollback();
        _commands.Dispose();
        _connection?.Dispose();
        _connection = null;
    }
}
