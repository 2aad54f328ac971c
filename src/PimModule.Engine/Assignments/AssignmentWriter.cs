using System.Data.Common;
using System.Diagnostics;
using PimModule.Storage;

namespace PimModule.Assignments;

/// <summary>What became of one input row of a bulk assignment: the assignment created, or the refusal.</summary>
public sealed record PimAssignmentOutcome(long Row, PimAssignmentInput Input, PimAssignment? Created, PimException? Refusal);

/// <summary>
/// Creates assignments of one type (the bulk path of Import-Csv | New-PimEligibleAssignment). Rows are buffered and
/// written a batch at a time, each batch in one short write transaction: no lock is held while the pipeline waits
/// for its next row or a person answers -Confirm. Inside that transaction every row is decided on its own —
/// authorization (an administrator now, read under the write lock), the role's policy, overlaps — and a refused row
/// writes nothing while the others of the batch are written. If the store itself fails, the whole batch rolls back
/// and the error names the first row not written.
/// </summary>
public sealed class AssignmentWriter : IDisposable
{
    /// <summary>A batch that waited this long for more rows is written at the next row (output keeps flowing).</summary>
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(1);

    private readonly PimStore _store;
    private readonly PimAssignmentType _type;
    private readonly int _batchSize;
    /// <summary>Rows waiting to be written, in input order; a row refused before the store was asked keeps its place.</summary>
    private readonly List<(long Row, PimAssignmentInput Input, PimException? Refusal)> _buffer = [];
    private readonly Dictionary<string, PimRole> _roles = new(StringComparer.Ordinal);
    private readonly CommandCache _commands = new();
    private readonly Stopwatch _waiting = new();
    private DbConnection? _connection;
    private long _rows;
    /// <summary>The administrator's MFA code once accepted: one command, one MFA proof (a code is good only once).</summary>
    private string? _mfaAccepted;

    internal AssignmentWriter(PimStore store, PimAssignmentType type, int batchSize)
    {
        _store = store;
        _type = type;
        _batchSize = Math.Max(1, batchSize);
    }

    /// <summary>Assignments committed so far.</summary>
    public long Committed { get; private set; }

    /// <summary>Rows waiting to be written.</summary>
    public int Buffered => _buffer.Count;

    /// <summary>
    /// Takes one row. Checks that need no store refuse it at once (a PimException). With <paramref name="confirm"/>
    /// (-WhatIf / -Confirm) the row is first checked on a read — no lock is held while a person answers — and only a
    /// confirmed row is buffered. Returns the outcomes of any batch this row completed (else none).
    /// </summary>
    public IReadOnlyList<PimAssignmentOutcome> Add(PimAssignmentInput input, Func<PimChange, bool>? confirm = null)
    {
        var row = ++_rows;
        try
        {
            input = Precheck(input);
            if (confirm is not null)
            {
                var plan = _store.Read(work => Plan(work, input, new Dictionary<string, PimRole>(StringComparer.Ordinal)));
                if (!confirm(plan.Describe())) return [];
            }
        }
        catch (PimException e) when (e is not PimStoreException && _buffer.Count > 0)
        {
            _buffer.Add((row, input, e)); // reported in its place, after the rows before it
            return [];
        }
        if (_buffer.Count == 0) _waiting.Restart();
        _buffer.Add((row, input, null));
        return _buffer.Count >= _batchSize || _waiting.Elapsed >= MaxWait ? Flush() : [];
    }

    /// <summary>
    /// Writes the buffered rows in one transaction and returns what became of each, in input order. The one exception:
    /// a row whose administrator's MFA code must be checked gets a transaction that holds nothing else (the rows before it
    /// are committed first), so that a refused code commits only its failure count and audit record.
    /// </summary>
    public IReadOnlyList<PimAssignmentOutcome> Flush()
    {
        if (_buffer.Count == 0) return [];
        var batch = _buffer.ToArray();
        _buffer.Clear();
        _waiting.Reset();
        var outcomes = new List<PimAssignmentOutcome>(batch.Length);
        DbTransaction? tx = null;
        UnitOfWork? work = null;
        var firstUnwritten = 0;
        var created = 0;
        void Begin() => (tx, work) = _store.BeginWithRetry(_connection!, _commands);
        void Commit(int next)
        {
            work!.Commit();
            tx!.Dispose();
            tx = null;
            Committed += created;
            created = 0;
            firstUnwritten = next;
        }
        var i = 0;
        try
        {
            _connection ??= _store.OpenConnectionWithRetry();
            Begin();
            for (; i < batch.Length; i++)
            {
                var (row, input, early) = batch[i];
                if (early is not null)
                {
                    outcomes.Add(new PimAssignmentOutcome(row, input, null, early));
                    continue;
                }
                try
                {
                    var plan = Plan(work!, input, _roles);
                    if (plan.NeedsMfa && (_mfaAccepted is null || !string.Equals(input.MfaCode?.Trim(), _mfaAccepted, StringComparison.Ordinal))) CheckMfa(plan);
                    outcomes.Add(new PimAssignmentOutcome(row, input, Write(work!, plan), null));
                    created++;
                }
                catch (PimException e) when (e is not PimStoreException)
                {
                    outcomes.Add(new PimAssignmentOutcome(row, input, null, e)); // this row wrote nothing; the batch goes on
                }
            }
            Commit(batch.Length);
            return outcomes;
        }
        catch (Exception e)
        {
            Rollback(tx);
            tx?.Dispose();
            var cause = e as PimException ?? _store.TranslateError(e);
            var unwritten = batch.Skip(firstUnwritten).Where(b => b.Refusal is null).ToList();
            var first = unwritten.Count > 0 ? unwritten[0] : batch[Math.Min(i, batch.Length - 1)];
            throw PimErrors.BatchFailed(cause,
                $"The store failed while writing rows {first.Row}–{batch[^1].Row}; none of them was written, starting with row {first.Row} " +
                $"({first.Input.Principal} → {first.Input.Role}): {cause?.Message ?? e.Message}",
                first.Input, cause?.RecommendedAction ?? "Fix the store's problem, then give the rows from that one on again.", e);
        }

        void CheckMfa(AssignPlan plan)
        {
            if (work!.Writes != 0)
            {
                Commit(i); // the rows so far: the code's check must be alone in its transaction
                Begin();
            }
            try
            {
                var proof = Mfa.Verify(work!, work!.Actor, plan.Input.MfaCode, plan.Role, "ActiveAssignment", "RequireMfaOnActiveAssignment")!;
                Mfa.Consume(work!, work!.Actor, proof);
                _mfaAccepted = plan.Input.MfaCode!.Trim();
            }
            catch (MfaFailure failure)
            {
                Commit(i + 1); // the refused code's count and audit record, alone
                Begin();
                throw failure.Refusal;
            }
        }
    }

    private sealed record AssignPlan(string Principal, PimRole Role, string Scope, DateTime Start, DateTime? End,
        PimAssignmentInput Input, bool NeedsMfa, PimAssignmentType Type)
    {
        public PimChange Describe() => new($"{Principal} → '{Role.Name}' at {Scope}",
            $"Create {Type.ToString().ToLowerInvariant()} assignment ({Start:u} – {(End is { } e ? e.ToString("u") : "permanent")})" +
            (NeedsMfa ? "; your MFA code would be checked then (-WhatIf does not check it)" : ""));
    }

    /// <summary>What needs no store — the input limits, principal, scope, times — so a bad row costs nothing; returns the row normalised.</summary>
    private static PimAssignmentInput Precheck(PimAssignmentInput input)
    {
        if (input.Role is null)
            throw PimErrors.RoleRequired("No role was given.", null, "Give -Role.");
        return input.Validate();
    }

    /// <summary>Every check of one row, against the store as this unit of work sees it; writes nothing.</summary>
    private AssignPlan Plan(UnitOfWork work, PimAssignmentInput input, Dictionary<string, PimRole> roles)
    {
        var principal = Principal.Validate(input.Principal);
        var scope = Scope.Validate(input.Scope);
        // Under the write lock (Flush) no other writer can change who administers the store until this transaction ends,
        // and this writer only adds assignments, so the answer read once per transaction holds for each of its rows.
        if (!work.Memo("writer:isAdmin", () => Authorization.IsRoleAdministrator(work, work.Actor)))
            Authorization.RequireRoleAdministrator(work, $"assign roles ({_type.ToString().ToLowerInvariant()} assignments)");
        var role = ResolveRole(work, input.Role!, roles);
        var policies = work.Memo("writer:policies", () => new Dictionary<Guid, RolePolicy>()); // read once per role and transaction
        if (!policies.TryGetValue(role.Id, out var policy)) policies[role.Id] = policy = SettingsService.Load(work, role.Id);
        var (start, end) = Schedules.ResolveAdmin(policy, _type, role.Name, work.Now, input.StartDateTime, input.EndDateTime,
            input.Duration, input.Permanent);
        policy.CheckAdminText(role.Name, _type, input.Justification, input.TicketNumber);
        var existing = work.Query(
                "SELECT assignment_id, scope, start_utc, end_utc FROM assignments WHERE principal_key = @pk AND role_id = @r AND type = @t",
                r => (Id: r.GetGuid("assignment_id"), Scope: r.GetText("scope"), Start: r.GetUtc("start_utc"), End: r.GetDateTime("end_utc")),
                ("@pk", Principal.Fold(principal)), ("@r", role.Id), ("@t", _type))
            .Where(a => string.Equals(a.Scope, scope, StringComparison.OrdinalIgnoreCase)
                        && Schedules.Overlaps(a.Start, a.End, start, end) && (a.End is null || a.End > work.Now))
            .Select(a => new { a.Id, a.End }).FirstOrDefault();
        if (existing is not null)
            throw PimErrors.AssignmentExists($"{principal} already has an {_type.ToString().ToLowerInvariant()} assignment of '{role.Name}' at {scope} " +
                $"for that time ({existing.Id}, {(existing.End is { } e ? "until " + e.ToString("u") : "permanent")}).",
                existing.Id, "Change the existing assignment with Update-PimAssignment, or pick a time that does not overlap it.");
        // The administrator's MFA code is checked only when the row will be written (Flush), never under -WhatIf; a read
        // (the -WhatIf/-Confirm pass) only checks that a code is given, a method exists and MFA is not locked.
        var needsMfa = _type == PimAssignmentType.Active && policy.RequireMfaOnActiveAssignment;
        if (needsMfa && work.Transaction is null) Mfa.Verify(work, work.Actor, input.MfaCode, role, "ActiveAssignment", "RequireMfaOnActiveAssignment");
        return new AssignPlan(principal, role, scope, start, end, input, needsMfa, _type);
    }

    private static PimAssignment Write(UnitOfWork work, AssignPlan p)
    {
        var input = p.Input;
        var requestId = Ids.New();
        var row = new AssignmentRow(Ids.New(), p.Principal, p.Role.Id, p.Scope, p.Type, PimMemberType.Direct, p.Start, p.End,
            Blank(input.Justification), Blank(input.TicketNumber), Blank(input.TicketSystem), work.Actor, work.Now, requestId, null);
        new RequestRow(requestId, PimRequestAction.AdminAssign, PimRequestStatus.Provisioned, p.Principal, p.Role.Id, p.Scope, p.Type,
            p.End - p.Start, p.Start, p.End, row.Justification, row.TicketNumber, row.TicketSystem, work.Actor, work.Now,
            Decided: work.Now, AssignmentId: row.Id).Add(work);
        row.Add(work);
        AuditLog.Append(work, nameof(PimRequestAction.AdminAssign), "Assignment", row.Id.ToString("D"), p.Role.Id, p.Principal, null, AuditView.Of(row));
        Events.AssignmentCreated(work, row, p.Role);
        return AssignmentService.ToOutput(row, p.Role.Name, work.Now);
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static PimRole ResolveRole(UnitOfWork work, PimRoleReference reference, Dictionary<string, PimRole> roles)
    {
        // The role as the rows spell it first (a CSV repeats the same text), then by its canonical key.
        var given = reference.Id?.ToString("D") ?? reference.Name ?? "";
        if (roles.TryGetValue(given, out var role)) return role;
        var key = reference.Id?.ToString("D") ?? RoleName.Key(reference.Name);
        if (!roles.TryGetValue(key, out role)) roles[key] = role = RoleService.Resolve(work, reference);
        roles[given] = role;
        return role;
    }

    private static void Rollback(DbTransaction? tx)
    {
        try { tx?.Rollback(); } catch (Exception) { /* the connection may be gone; disposing rolls back too */ }
    }

    /// <summary>Drops the rows not yet written (the pipeline stopped) and closes the connection.</summary>
    public void Dispose()
    {
        _buffer.Clear();
        _commands.Dispose();
        _connection?.Dispose();
        _connection = null;
    }
}
