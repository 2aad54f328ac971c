using System.Data.Common;
using System.Diagnostics;
using PimModule.Interop;
using PimModule.Storage;
using PimModule.Errors;
using PimModule.Identity;
using PimModule.MultiFactor;
using PimModule.Policy;
using PimModule.Validation;

namespace PimModule.Assignments;

/// <summary>What became of one input row of a bulk assignment: the assignment created, or the refusal.</summary>
public sealed record PimAssignmentOutcome(long Row, PimAssignmentInput Input, PimAssignment? Created, PimException? Refusal)
{
    /// <summary>An assignment taken as it is in the tenant (Import-PimAssignment): how it breaks the role's current settings.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>
/// Creates assignments of one type (the bulk path of Import-Csv | New-PimEligibleAssignment). Rows are buffered and
/// written a batch at a time, each batch in one short write transaction: no lock is held while the pipeline waits
/// for its next row or a person answers -Confirm. Inside that transaction every row is decided on its own —
/// authorization (an administrator now, read under the write lock), the role's policy, overlaps — and a refused row
/// writes nothing while the others of the batch are written. If the store itself fails, the whole batch rolls back
/// and the error names the first row not written.
/// <para>
/// Once the input shows itself to be a bulk import — from its second full batch on — a full batch is written on a
/// second thread while the pipeline reads and checks the next one (one batch in flight at a time, on the writer's one
/// connection, so batches still commit in input order). Its outcomes, or its failure, come with the next row taken
/// after it is done, or at the latest with the next full batch or <see cref="Flush"/>, always in input order. A failure
/// drops the rows taken since (none of them is written either). The first batch and <see cref="Flush"/> are written
/// at once, so a short pipeline (and a single assignment) gets its outcome from the call that completes it.
/// </para>
/// </summary>
public sealed partial class AssignmentWriter : IDisposable
{
    /// <summary>A batch that waited this long for more rows is written at the next row (output keeps flowing).</summary>
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(1);

    private readonly StoreSession _store;
    private readonly PimAssignmentType _type;
    private readonly int _batchSize;
    /// <summary>Rows waiting to be written, in input order; a row refused before the store was asked keeps its place.
    /// A row taken behind others is checked with its batch (<see cref="Checked"/> false), on the thread that writes it.</summary>
    private readonly List<Taken> _buffer = [];
    private readonly Dictionary<string, PimRole> _roles = new(StringComparer.Ordinal);
    private readonly CommandCache _commands = new();
    private readonly Stopwatch _waiting = new();
    private DbConnection? _connection;
    private long _rows;
    private long _committed;
    private int _batches;
    /// <summary>The batch being written on the second thread, if any.</summary>
    private Task<IReadOnlyList<PimAssignmentOutcome>>? _inFlight;
    /// <summary>Set by <see cref="Dispose"/>: a batch in flight rolls back instead of committing.</summary>
    private volatile bool _stopping;
    /// <summary>The administrator's MFA code once accepted: one command, one MFA proof (a code is good only once).</summary>
    private string? _mfaAccepted;

    /// <summary>
    /// True for assignments taken as they are in the tenant (Import-PimAssignment): the role's settings do not refuse
    /// them — how one breaks them is a warning of its outcome — while authorization and overlaps are decided as always.
    /// </summary>
    private readonly bool _asInTenant;

    internal AssignmentWriter(StoreSession store, PimAssignmentType type, int batchSize, bool asInTenant = false)
    {
        _store = store;
        _type = type;
        _asInTenant = asInTenant;
        _batchSize = Math.Max(1, batchSize);
        _directory = new Lazy<DirectoryMap>(() => store.Read(DirectoryMap.Of), LazyThreadSafetyMode.ExecutionAndPublication);
        _groups = new Lazy<IReadOnlyList<PimGroup>>(() => store.Read(w => Groups.GroupDirectory.Of(w).Named), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>
    /// Creates assignments in the caller's unit of work (Invoke-PimConfiguration's one transaction): every row decided as
    /// always; a refusal throws (the caller's transaction rolls back). A row that needs the administrator's MFA is refused:
    /// a desired-state file carries no codes.
    /// </summary>
    internal IReadOnlyList<PimAssignment> CreateIn(UnitOfWork work, IReadOnlyList<PimAssignmentInput> inputs)
    {
        var list = inputs.Select(Precheck).ToList();
        var decided = new Decided(work, _type, () => list.Select(i => Principal.Fold(i.Principal!)));
        var created = new List<PimAssignment>();
        foreach (var input in list)
        {
            var plan = Plan(work, input, _roles, decided.Holdings);
            if (plan.NeedsMfa)
                throw PimErrors.MfaRequired($"The settings of '{plan.Role.Name}' require the administrator's MFA on active assignment (RequireMfaOnActiveAssignment), " +
                    $"which a desired-state file cannot give ({plan.Principal}).", plan.Role.Name,
                    $"Make that assignment with New-PimActiveAssignment -MfaCode, then run the file again (it is then in place).");
            created.Add(decided.Add(plan));
        }
        decided.Write();
        return created;
    }

    /// <summary>Assignments committed so far.</summary>
    public long Committed => Interlocked.Read(ref _committed);

    /// <summary>Rows waiting to be written.</summary>
    public int Buffered => _buffer.Count;

    /// <summary>
    /// Takes one row. Checks that need no store refuse it at once (a PimException). With <paramref name="confirm"/>
    /// (-WhatIf / -Confirm) the row is first checked on a read — no lock is held while a person answers — and only a
    /// confirmed row is buffered. Returns the outcomes of the batches written since the last call that are done (else none).
    /// </summary>
    public IReadOnlyList<PimAssignmentOutcome> Add(PimAssignmentInput input, Func<PimChange, bool>? confirm = null)
    {
        var row = ++_rows;
        if (confirm is null && (_buffer.Count > 0 || _inFlight is not null))
        {
            // Behind other rows its refusal would wait for theirs anyway: it is checked with its batch, where it is written.
            if (_buffer.Count == 0) _waiting.Restart();
            _buffer.Add(new Taken(row, input, null, Checked: false));
            return _buffer.Count >= _batchSize || _waiting.Elapsed >= MaxWait ? Send(last: false) : Finished();
        }
        try
        {
            input = Precheck(input);
            if (confirm is not null)
            {
                var plan = _store.Read(work => Plan(work, input, new Dictionary<string, PimRole>(StringComparer.Ordinal),
                    new Holdings(work, _type, () => [])));
                if (!confirm(plan.Describe())) return Finished();
            }
        }
        catch (PimException e) when (e is not PimStoreException && (_buffer.Count > 0 || _inFlight is not null))
        {
            _buffer.Add(new Taken(row, input, e, Checked: true)); // reported in its place, after the rows before it
            return Finished();
        }
        if (_buffer.Count == 0) _waiting.Restart();
        _buffer.Add(new Taken(row, input, null, Checked: true));
        return _buffer.Count >= _batchSize || _waiting.Elapsed >= MaxWait ? Send(last: false) : Finished();
    }

    /// <summary>Writes the buffered rows (after the batch in flight) and returns the outcomes of both, in input order.</summary>
    public IReadOnlyList<PimAssignmentOutcome> Flush() => Send(last: true);

    /// <summary>The outcomes of the batch in flight if it is done (its failure, if it failed); else none.</summary>
    private IReadOnlyList<PimAssignmentOutcome> Finished() => _inFlight is { IsCompleted: true } ? Landed() : [];

    /// <summary>Waits for the batch in flight and returns its outcomes, or throws its failure (dropping the rows taken since).</summary>
    private IReadOnlyList<PimAssignmentOutcome> Landed()
    {
        if (_inFlight is not { } task) return [];
        _inFlight = null;
        try
        {
            return task.GetAwaiter().GetResult();
        }
        catch
        {
            _buffer.Clear(); // nothing after the failed batch is written: "from that row on again" holds
            _waiting.Reset();
            throw;
        }
    }

    /// <summary>Sends the buffered rows: written now (the first batch, the last), or on the second thread (see the class).</summary>
    private IReadOnlyList<PimAssignmentOutcome> Send(bool last)
    {
        var earlier = Landed(); // one batch at a time, in order
        if (_buffer.Count == 0) return earlier;
        var batch = _buffer.ToArray();
        _buffer.Clear();
        _waiting.Reset();
        if (last || _batches++ == 0)
        {
            var now = Write(batch);
            return earlier.Count == 0 ? now : [.. earlier, .. now];
        }
        _inFlight = Task.Run(() => Write(batch));
        return earlier;
    }

    /// <summary>
    /// Writes one batch in one transaction and returns what became of each row, in input order. Each row is decided
    /// on its own, in order, against the store and the rows decided before it; what the accepted rows write (their
    /// requests, assignments, audit records and mails) is written together just before the transaction commits. The one
    /// exception: a row whose administrator's MFA code must be checked gets a transaction that holds nothing else (the
    /// rows before it are committed first), so that a refused code commits only its failure count and audit record.
    /// </summary>
    private IReadOnlyList<PimAssignmentOutcome> Write(Taken[] batch)
    {
        for (var k = 0; k < batch.Length; k++)
        {
            if (batch[k].Checked) continue;
            try { batch[k] = batch[k] with { Input = Precheck(batch[k].Input), Checked = true }; }
            catch (PimException e) when (e is not PimStoreException) { batch[k] = batch[k] with { Refusal = e, Checked = true }; }
        }
        var outcomes = new List<PimAssignmentOutcome>(batch.Length);
        DbTransaction? tx = null;
        UnitOfWork? work = null;
        Decided? decided = null;
        var firstUnwritten = 0;
        var i = 0;
        void Begin()
        {
            (tx, work) = _store.BeginWithRetry(_connection!, _commands);
            // The overlap checks of this transaction read, once, what the principals of the rows still to decide hold.
            decided = new Decided(work!, _type, () => PrincipalKeys(batch, i));
        }
        void Commit(int next)
        {
            decided!.Write();
            if (_stopping) throw new OperationCanceledException("The pipeline stopped: the batch in progress is rolled back.");
            work!.Commit();
            tx!.Dispose();
            tx = null;
            Interlocked.Add(ref _committed, decided.Count);
            firstUnwritten = next;
        }
        try
        {
            _connection ??= _store.OpenConnectionWithRetry();
            Begin();
            for (; i < batch.Length; i++)
            {
                var (row, input, early, _) = batch[i];
                if (early is not null)
                {
                    outcomes.Add(new PimAssignmentOutcome(row, input, null, early));
                    continue;
                }
                try
                {
                    var plan = Plan(work!, input, _roles, decided!.Holdings);
                    if (plan.NeedsMfa && (_mfaAccepted is null || !string.Equals(input.MfaCode?.Trim(), _mfaAccepted, StringComparison.Ordinal))) CheckMfa(plan);
                    outcomes.Add(new PimAssignmentOutcome(row, input, decided!.Add(plan), null) { Warnings = plan.Warnings });
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
            if (work!.Writes != 0 || decided!.Count != 0)
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

    /// <summary>The principal keys of the rows from <paramref name="from"/> on that the store has not refused yet.</summary>
    private static IEnumerable<string> PrincipalKeys(Taken[] batch, int from)
    {
        for (var j = from; j < batch.Length; j++)
            if (batch[j].Refusal is null) yield return Principal.Fold(batch[j].Input.Principal!);
    }

    /// <summary>A row taken: its number in the input, the input (normalised once checked), its refusal before the store was asked.</summary>
    private readonly record struct Taken(long Row, PimAssignmentInput Input, PimException? Refusal, bool Checked);

    private sealed record AssignPlan(string Principal, PimRole Role, string Scope, DateTime Start, DateTime? End,
        PimAssignmentInput Input, bool NeedsMfa, PimAssignmentType Type)
    {
        public IReadOnlyList<string> Warnings { get; init; } = [];

        public PimChange Describe() => new($"{Principal} → '{Role.Name}' at {Scope}",
            $"Create {Type.ToString().ToLowerInvariant()} assignment ({Start:u} – {(End is { } e ? e.ToString("u") : "permanent")})" +
            (NeedsMfa ? "; your MFA code would be checked then (-WhatIf does not check it)" : ""));
    }

    /// <summary>What needs no store — the input limits, principal, scope, times — so a bad row costs nothing; returns the row normalised.</summary>
    private PimAssignmentInput Precheck(PimAssignmentInput input)
    {
        if (input.Role is null)
            throw PimErrors.RoleRequired("No role was given.", null, "Give -Role.");
        // A group (its key, its object id, or the name of one group that is no user's name) is its key; an object id (a Graph
        // principalId) is otherwise the principal's UPN inside the store: mapped once, or refused by name.
        if (input.Principal is { } p && Groups.GroupPrincipal.MayBeGroup(p))
            input = input.WithPrincipal(Groups.GroupPrincipal.Canonical(_groups.Value, t => _directory.Value.Canonical(t, "Principal"), p, "Principal"));
        return input.Validate();
    }

    /// <summary>The directory, read once per writer, when a row first names a principal by object id.</summary>
    private readonly Lazy<DirectoryMap> _directory;

    /// <summary>The groups, read once per writer, when a row first names what may be a group (a key, an object id, a name with a space).</summary>
    private readonly Lazy<IReadOnlyList<PimGroup>> _groups;

    /// <summary>
    /// Every check of one row (normalised by <see cref="Precheck"/>), against the store as this unit of work sees it and
    /// the assignments <paramref name="holdings"/> knows of (the store's and those decided before it); writes nothing.
    /// </summary>
    private AssignPlan Plan(UnitOfWork work, PimAssignmentInput input, Dictionary<string, PimRole> roles, Holdings holdings)
    {
        var principal = input.Principal!;
        var scope = input.Scope!;
        // Under the write lock (Flush) no other writer can change who administers the store until this transaction ends,
        // and this writer only adds assignments, so the answer read once per transaction holds for each of its rows.
        if (!work.Memo("writer:isAdmin", () => Authorization.IsRoleAdministrator(work, work.Actor)))
            Authorization.RequireRoleAdministrator(work, $"assign roles ({_type.ToString().ToLowerInvariant()} assignments)");
        var role = ResolveRole(work, input.Role!, roles);
        // A group holds a role only as the kernel allows (Kernel/GroupRules.cs): decided here, in the transaction that writes it.
        if (PimGroupKey.TryParse(principal, out var groupId)
            && Kernel.GroupRules.WhyNotHoldRole(Groups.GroupDirectory.Of(work).Facts(groupId), role.Id, _type) is { } notHeld)
            throw Groups.GroupService.Refusal(notHeld, groupId, Groups.GroupDirectory.Of(work).ById(groupId)?.DisplayName ?? principal);
        var policies = work.Memo("writer:policies", () => new Dictionary<Guid, RolePolicy>()); // read once per role and transaction
        if (!policies.TryGetValue(role.Id, out var policy)) policies[role.Id] = policy = SettingsService.Load(work, role.Id);
        List<string>? warnings = null;
        DateTime start;
        DateTime? end;
        if (_asInTenant)
        {
            // As in the tenant: the schedule given, whatever the settings say; what they would refuse is a warning.
            start = input.StartDateTime ?? work.Now;
            end = input.EndDateTime ?? (input.Duration is { } d ? Times.Add(start, d, "Duration") : null);
            if (end is { } e0 && e0 <= start)
                throw PimErrors.EndBeforeStart($"The assignment would end ({e0:u}) before it starts ({start:u}).", e0, "Give an end after the start.");
            warnings = [];
            try { Schedules.ResolveAdmin(policy, _type, role.Name, work.Now, start, end, null, end is null); }
            catch (PimException w) when (w is not PimStoreException) { warnings.Add(w.Message); }
            try { policy.CheckAdminText(role.Name, _type, input.Justification, input.TicketNumber); }
            catch (PimException w) when (w is not PimStoreException) { warnings.Add(w.Message); }
        }
        else
        {
            (start, end) = Schedules.ResolveAdmin(policy, _type, role.Name, work.Now, input.StartDateTime, input.EndDateTime,
                input.Duration, input.Permanent);
            policy.CheckAdminText(role.Name, _type, input.Justification, input.TicketNumber);
        }
        if (holdings.Overlapping(Principal.Fold(principal), role.Id, scope, start, end) is { } existing)
            throw PimErrors.AssignmentExists($"{principal} already has an {_type.ToString().ToLowerInvariant()} assignment of '{role.Name}' at {scope} " +
                $"for that time ({existing.Id}, {(existing.End is { } e ? "until " + e.ToString("u") : "permanent")}).",
                existing.Id, "Change the existing assignment with Update-PimAssignment, or pick a time that does not overlap it.");
        // The administrator's MFA code is checked only when the row will be written (Flush), never under -WhatIf; a read
        // (the -WhatIf/-Confirm pass) only checks that a code is given, a method exists and MFA is not locked.
        var needsMfa = _type == PimAssignmentType.Active && policy.RequireMfaOnActiveAssignment;
        // As in the tenant or not, the administrator who makes an active assignment here proves their MFA when the role
        // asks it (RequireMfaOnActiveAssignment): a file of assignments is no way around it.
        if (needsMfa && work.Transaction is null) Mfa.Verify(work, work.Actor, input.MfaCode, role, "ActiveAssignment", "RequireMfaOnActiveAssignment");
        return new AssignPlan(principal, role, scope, start, end, input, needsMfa, _type) { Warnings = warnings ?? [] };
    }

}
