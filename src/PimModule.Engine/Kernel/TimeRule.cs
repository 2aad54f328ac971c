using System.Globalization;

namespace PimModule.Kernel;

/// <summary>What the time rule makes of a record's time (see <see cref="TimeRule"/>).</summary>
internal enum RecordTime
{
    /// <summary>Its time is believed: the record is judged at it.</summary>
    Counts,
    /// <summary>Dated ahead of this computer's clock: not applied, nor a floor, until that time has come.</summary>
    NotYet,
    /// <summary>Dated ahead of a later record of the store's root or of a direct administrator: it never counts.</summary>
    FutureDated,
    /// <summary>Dated before what earlier records of its actor, or of the store's root, already said: it never counts.</summary>
    BackDated,
}

/// <summary>
/// The one time rule of a Verified store. A record's time is its writer's claim (an attacker controls their own machine's
/// clock); the chain's order is trusted. The seal verifier runs this rule on every record it checks — a user's checkpoint,
/// a fresh replay (Test-PimAuditLog, a new user's connect) and the writer before it commits its own records — and the
/// record is then judged at its own time, never at another record's:
/// <list type="bullet">
/// <item><b>Ahead of the verifier's clock</b> by more than <see cref="Skew"/>: <see cref="RecordTime.NotYet"/> — not
/// applied and no floor; a checkpoint keeps it pending and is rebuilt from the genesis once its time has come, so that it
/// is judged in its place in the chain exactly as a fresh replay then judges it.</item>
/// <item><b>Ahead of a later anchor record</b> by more than <see cref="Skew"/>: <see cref="RecordTime.FutureDated"/> for good.
/// Anchors are the counting records of the store's root and of direct administrators (at their records' own time): their
/// clocks are the store's reference on SQLite, and an anchor written later but dated earlier says this one was dated ahead.
/// (Found by looking ahead in the chain, so a checkpoint and a fresh replay at any later time agree; a verifier that meets
/// such an anchor verifies again from the genesis with the anchors' timeline, <see cref="AnchorTimeline"/>.)</item>
/// <item><b>Back-dated</b>: a record counts only if it is dated no more than <see cref="Skew"/> before the latest earlier
/// counting record of its own actor and of the store's root (<see cref="RecordTime.BackDated"/>). A former administrator
/// cannot write "back then", and a principal cannot slip a record in before their own.</item>
/// </list>
/// A record that does not count grants nothing and is no floor; Test-PimAuditLog names it. On PostgreSQL the server's clock
/// stamps every record (read after the write lock), so honest records never trip this rule there.
/// </summary>
internal sealed class TimeRule
{
    /// <summary>How far clocks may differ (a record's time ahead of the verifier's, or before an earlier record's).</summary>
    public static readonly TimeSpan Skew = TimeSpan.FromMinutes(5);

    /// <summary>The rule's state at a verified head (part of a checkpoint's seal state).</summary>
    public sealed class State
    {
        /// <summary>The latest counting record of the store's root.</summary>
        public long RootFloor { get; set; } = long.MinValue;
        /// <summary>Each actor's latest counting record.</summary>
        public Dictionary<string, long> ActorFloors { get; set; } = new(StringComparer.Ordinal);
        /// <summary>Records judged NotYet (sequence → time): the checkpoint is rebuilt once one of them is due.</summary>
        public Dictionary<long, long> Pending { get; set; } = [];
        /// <summary>The latest time of a record that counts or is pending (an anchor dated well before it needs the look-ahead).</summary>
        public long LatestSeen { get; set; } = long.MinValue;
        /// <summary>The latest time of a record that counts.</summary>
        public long LatestCounted { get; set; } = long.MinValue;

        public State Clone() => new()
        {
            RootFloor = RootFloor, ActorFloors = new Dictionary<string, long>(ActorFloors, StringComparer.Ordinal),
            Pending = new Dictionary<long, long>(Pending), LatestSeen = LatestSeen, LatestCounted = LatestCounted,
        };

        /// <summary>True when a pending record's time has come by <paramref name="nowTicks"/> (the checkpoint must be rebuilt).</summary>
        public bool PendingDue(long nowTicks) => Pending.Values.Any(t => t <= Plus(nowTicks));
    }

    private readonly State _s;
    private readonly long _now;
    private readonly string? _root;
    private readonly AnchorTimeline? _later;
    private long _seenBefore = long.MinValue;

    /// <param name="resume">The state at the checkpoint (copied; null = from the genesis).</param>
    /// <param name="nowTicks">The verifier's clock (the writer's own, before it commits).</param>
    /// <param name="rootKey">The store's root principal (its canonical key).</param>
    /// <param name="later">The times of the anchor records, to look ahead (null: none given; see <see cref="NeedsLookAhead"/>).</param>
    public TimeRule(State? resume, long nowTicks, string? rootKey, AnchorTimeline? later)
    {
        _s = resume?.Clone() ?? new State();
        _now = nowTicks;
        _root = rootKey;
        _later = later;
    }

    /// <summary>The state after the records judged so far.</summary>
    public State Current => _s;

    /// <summary>
    /// True when an anchor record dated more than <see cref="Skew"/> before a record that counts or is pending was met (one
    /// the look-ahead given, if any, did not void): the verdicts may be wrong, and the caller verifies again from the
    /// genesis with the anchors' timeline (<see cref="Anchors"/> of a pass from the genesis).
    /// </summary>
    public bool NeedsLookAhead { get; private set; }

    /// <summary>The anchor records met (sequence, time), in chain order.</summary>
    public List<(long Sequence, long Ticks)> Anchors { get; } = [];

    /// <summary>The rule's verdict on one record, and why it does not count (null when it does).</summary>
    public (RecordTime Time, string? Why) Judge(long sequence, long ticks, string actorKey)
    {
        var isRoot = _root is not null && string.Equals(actorKey, _root, StringComparison.Ordinal);
        _seenBefore = _s.LatestSeen;
        if (_later?.EarliestAfter(sequence) is { } earliest && ticks > Plus(earliest))
            return (RecordTime.FutureDated, $"it is dated {Show(ticks)}, but a later record of the store's root or of an administrator is dated {Show(earliest)}: it was dated ahead");
        if (ticks > Plus(_now))
        {
            _s.Pending[sequence] = ticks;
            _s.LatestSeen = Math.Max(_s.LatestSeen, ticks);
            return (RecordTime.NotYet, $"it is dated {Show(ticks)}, ahead of this computer's clock ({Show(_now)}): it counts only once that time has come");
        }
        if (!isRoot && ticks < Minus(_s.RootFloor))
            return (RecordTime.BackDated, $"it is dated {Show(ticks)}, more than {Skew.TotalMinutes:0} minutes before an earlier record of the store's root ({Show(_s.RootFloor)})");
        if (_s.ActorFloors.TryGetValue(actorKey, out var own) && ticks < Minus(own))
            return (RecordTime.BackDated, $"it is dated {Show(ticks)}, more than {Skew.TotalMinutes:0} minutes before an earlier record of its own actor ({Show(own)})");
        Counted(ticks, actorKey, isRoot);
        return (RecordTime.Counts, null);
    }

    /// <summary>
    /// The record just judged counts, and is an anchor: its actor is the store's root, or a direct administrator at its own
    /// time. An anchor dated well before what came before it means one of those was dated ahead (<see cref="NeedsLookAhead"/>).
    /// </summary>
    public void Anchor(long sequence, long ticks)
    {
        if (ticks < Minus(_seenBefore)) NeedsLookAhead = true;
        Anchors.Add((sequence, ticks));
    }

    private static long Minus(long ticks) => ticks == long.MinValue ? long.MinValue : ticks - Skew.Ticks;
    private static long Plus(long ticks) => ticks > long.MaxValue - Skew.Ticks ? long.MaxValue : ticks + Skew.Ticks;

    /// <summary>A record trusted as it is (the genesis transaction): its time is a floor like any counting record's.</summary>
    public void Trusted(long ticks, string actorKey)
    {
        _seenBefore = _s.LatestSeen;
        Counted(ticks, actorKey, _root is not null && string.Equals(actorKey, _root, StringComparison.Ordinal));
    }

    private void Counted(long ticks, string actorKey, bool isRoot)
    {
        _s.ActorFloors[actorKey] = _s.ActorFloors.TryGetValue(actorKey, out var own) ? Math.Max(own, ticks) : ticks;
        if (isRoot) _s.RootFloor = Math.Max(_s.RootFloor, ticks);
        _s.LatestSeen = Math.Max(_s.LatestSeen, ticks);
        _s.LatestCounted = Math.Max(_s.LatestCounted, ticks);
    }


    private static string Show(long ticks)
        => ticks <= DateTime.MinValue.Ticks || ticks >= DateTime.MaxValue.Ticks ? ticks.ToString(CultureInfo.InvariantCulture)
            : new DateTime(ticks, DateTimeKind.Utc).ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

/// <summary>The times of the anchor records (the root's and direct administrators'), in chain order: the earliest after a record.</summary>
internal sealed class AnchorTimeline
{
    private readonly long[] _sequences;
    private readonly long[] _earliestFrom; // the earliest time of the anchors from index i on

    public AnchorTimeline(IReadOnlyList<(long Sequence, long Ticks)> anchors)
    {
        _sequences = new long[anchors.Count];
        _earliestFrom = new long[anchors.Count];
        var min = long.MaxValue;
        for (var i = anchors.Count - 1; i >= 0; i--)
        {
            _sequences[i] = anchors[i].Sequence;
            min = Math.Min(min, anchors[i].Ticks);
            _earliestFrom[i] = min;
        }
    }

    /// <summary>The earliest time of an anchor after <paramref name="sequence"/>; null when none follows.</summary>
    public long? EarliestAfter(long sequence)
    {
        var i = Array.BinarySearch(_sequences, sequence + 1);
        if (i < 0) i = ~i;
        return i < _sequences.Length ? _earliestFrom[i] : null;
    }
}
