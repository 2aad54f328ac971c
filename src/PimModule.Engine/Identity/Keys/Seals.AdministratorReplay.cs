using PimModule.Audit;
using PimModule.Audit.Events;

namespace PimModule.Identity.Keys;

/// <summary>Who administers keys at a point of the chain, replayed from the log's own assignment records.</summary>
internal static partial class Seals
{
    /// <summary>
    /// Who administers PIM at a point of the chain, replayed from the log's own assignment records (each carries the
    /// assignment as it is after the change, or nothing when it is removed): an active Privileged Role Administrator or
    /// Global Administrator assignment at '/' whose schedule covers the record's time.
    /// </summary>
    private sealed class AdministratorReplay
    {
        private readonly Dictionary<string, (string PrincipalKey, long Start, long? End)> _live = new(StringComparer.OrdinalIgnoreCase);

        /// <summary>
        /// Follows an assignment record: only administrators' changes (Admin*) made by the root principal or an
        /// administrator at that point count, so a self-sealed record by anyone else grants nothing; activations (just
        /// in time) do not make key administrators.
        /// </summary>
        public void Observe(SealedRecord r, string actor, string? root)
        {
            if (r.TargetType != "Assignment" || r.TargetId is null || !r.Action.StartsWith("Admin", StringComparison.Ordinal)) return;
            if (actor != root && !IsAdministrator(actor, r.AtTicks)) return;
            // The assignment by its one spelling (a record that names it otherwise counts for nothing in the state replay, and
            // here: were it added under one spelling and removed under another, a removed administrator would stay one).
            if (!Guid.TryParseExact(r.TargetId, "D", out var target)) return;
            var id = target.ToString("D");
            // Only administrator roles make administrators: another role's record (its role_id column, which the state replay
            // holds to its assignment's) is not read further — a bulk import of a million is not parsed twice.
            if (r.RoleId is { } column && Guid.TryParseExact(column, "D", out var role) && !Kernel.Administrators.IsAdministratorRole(role))
            {
                _live.Remove(id);
                return;
            }
            // A record the state replay counts for nothing changes nothing here either (the same judgement, Audit/Events).
            if (AssignmentView.WhyNotARecord(r.TargetId, r.RoleId, r.AfterJson, out var view) is not null) return;
            _live.Remove(id);
            Add(view);
        }

        /// <summary>
        /// Follows an assignment as its event type reads it (the state replay's reader: one that does not parse, or names
        /// another assignment than its record, makes nobody an administrator).
        /// </summary>
        private void Add(AssignmentView? a)
        {
            if (a is not { AssignmentId: { } id, Principal: { } p, RoleId: { } role, Scope: { } scope, StartDateTime: { } start }) return;
            var end = a.EndDateTime;
            var held = new Kernel.HeldAssignment(Guid.Empty, Principal.Fold(p), role, a.AssignmentType, scope, a.AssignmentMemberType, start, end);
            // What makes a key administrator is the kernel's rule: a direct administrator assignment.
            if (Kernel.Administrators.IsKeyAdministratorAssignment(held)) _live[id.ToString("D")] = (held.PrincipalKey, start.Ticks, end?.Ticks);
        }

        /// <summary>The administrator assignments a Protect-PimStore record endorsed (as the starting point of the Verified log).</summary>
        public void Endorse(IReadOnlyList<System.Text.Json.Nodes.JsonObject?>? endorsed)
        {
            foreach (var o in endorsed ?? [])
                if (o is not null) Add(AssignmentView.Read(o.ToJsonString()));
        }

        public void Load(Dictionary<string, SealState.Admin> saved)
        {
            foreach (var (id, a) in saved) _live[id] = (a.Principal, a.Start, a.End);
        }

        public Dictionary<string, SealState.Admin> Save() => _live.ToDictionary(a => a.Key,
            a => new SealState.Admin { Principal = a.Value.PrincipalKey, Start = a.Value.Start, End = a.Value.End }, StringComparer.OrdinalIgnoreCase);

        public bool IsAdministrator(string principalKey, long atTicks)
            => _live.Values.Any(a => a.PrincipalKey == principalKey
                                     && Kernel.Held.InForce(new DateTime(a.Start, DateTimeKind.Utc), a.End is { } end ? new DateTime(end, DateTimeKind.Utc) : null, new DateTime(atTicks, DateTimeKind.Utc)));
    }
}
