using PimModule.Storage;
using PimModule.Audit.Events;
using PimModule.Assignments;
using PimModule.Audit;
using PimModule.Errors;
using PimModule.Identity;
using PimModule.MultiFactor;
using PimModule.Policy;
using PimModule.Roles;
using PimModule.Validation;

namespace PimModule.Alerts;

/// <summary>Entra's PIM alerts, computed from the store at a time: each names what is behind it and how to fix it.</summary>
public sealed class AlertService
{
    public const string NoMfaOnRoleActivation = nameof(NoMfaOnRoleActivation);
    public const string TooManyGlobalAdminsAssignedToTenant = nameof(TooManyGlobalAdminsAssignedToTenant);
    public const string RolesAssignedOutsidePim = nameof(RolesAssignedOutsidePim);
    public const string RedundantAssignment = nameof(RedundantAssignment);
    public const string SequentialActivationRenewals = nameof(SequentialActivationRenewals);
    public const string RepeatedMfaFailures = nameof(RepeatedMfaFailures);
    public const string StaleSignIn = nameof(StaleSignIn);
    /// <summary>Notifications that failed for good within the window: undeliverable (the recipient is not a mail address) or out of attempts.</summary>
    public const string UndeliverableNotifications = nameof(UndeliverableNotifications);

    public static readonly string[] Types =
        [NoMfaOnRoleActivation, TooManyGlobalAdminsAssignedToTenant, RolesAssignedOutsidePim, RedundantAssignment, SequentialActivationRenewals,
         RepeatedMfaFailures, StaleSignIn, UndeliverableNotifications];

    private static PimAlertSetting Default(string type) => type switch
    {
        TooManyGlobalAdminsAssignedToTenant => new() { AlertType = type, Threshold = 3, Percentage = 10 },
        RedundantAssignment => new() { AlertType = type, Window = TimeSpan.FromDays(90) },
        SequentialActivationRenewals => new() { AlertType = type, Threshold = 2, Window = TimeSpan.FromHours(1) },
        RepeatedMfaFailures => new() { AlertType = type, Threshold = Mfa.MaxFailures, Window = TimeSpan.FromHours(24) },
        StaleSignIn => new() { AlertType = type, Window = TimeSpan.FromDays(90) },
        UndeliverableNotifications => new() { AlertType = type, Window = TimeSpan.FromDays(7) },
        _ => new() { AlertType = type },
    };

    private readonly StoreSession _store;
    internal AlertService(StoreSession store) => _store = store;

    public IReadOnlyList<PimAlertSetting> GetSettings() => _store.Read(work => Types.Select(t => ReadSetting(work, t)).ToList());

    private static PimAlertSetting ReadSetting(UnitOfWork work, string type)
    {
        var d = Default(type);
        var prefix = $"alert.{type}.";
        var v = StoreInfoTable.WithPrefix(work, prefix).ToDictionary(x => x.Key[prefix.Length..], x => x.Value);
        return new PimAlertSetting
        {
            AlertType = type,
            // Read strictly (StoredValue): a value PimModule never writes is refused, never taken as "off" or as another number.
            Enabled = !v.TryGetValue("enabled", out var e) || StoredValue.Flag(e, "store_info", "value", prefix + "enabled"),
            // A knob the type does not read is empty, also when a store holds one that Set-PimAlertSetting used to accept.
            Threshold = d.Threshold is not null && v.TryGetValue("threshold", out var t) ? StoredValue.Int(t, "store_info", "value", prefix + "threshold") : d.Threshold,
            Percentage = d.Percentage is not null && v.TryGetValue("percentage", out var p) ? StoredValue.Int(p, "store_info", "value", prefix + "percentage") : d.Percentage,
            Window = d.Window is not null && v.TryGetValue("window", out var w) ? TimeSpan.FromTicks(StoredValue.Number(w, "store_info", "value", prefix + "window")) : d.Window,
        };
    }

    public PimAlertSetting? SetSetting(string type, bool? enabled, int? threshold, int? percentage, TimeSpan? window,
        Func<PimChange, bool>? confirm = null) => _store.Change(
        work =>
        {
            Input.Text(type, "AlertType", Input.ActionNameLength);
            var known = Types.FirstOrDefault(t => string.Equals(t, type, StringComparison.OrdinalIgnoreCase))
                ?? throw PimErrors.AlertTypeUnknown($"'{type}' is not a PIM alert type. Known: {string.Join(", ", Types)}.", type, "Give one of the listed alert types.");
            Authorization.RequireRoleAdministrator(work, "change alert settings");
            if (threshold is < 1) throw PimErrors.AlertSettingInvalid("-Threshold must be at least 1.", threshold, "Give a positive -Threshold.");
            if (percentage is < 0 or > 100) throw PimErrors.AlertSettingInvalid("-Percentage must be 0 to 100.", percentage, "Give -Percentage between 0 and 100.");
            if (window is { } w && w <= TimeSpan.Zero) throw PimErrors.AlertSettingInvalid("-Window must be positive.", window, "Give a positive -Window.");
            Times.Duration(window, "Window");
            // A knob the alert type does not read is refused by name, never stored unused: the type's defaults say what it reads.
            var uses = Default(known);
            var reads = new[] { uses.Threshold is null ? null : "-Threshold", uses.Percentage is null ? null : "-Percentage", uses.Window is null ? null : "-Window" }
                .OfType<string>().ToList();
            var unused = new[] { threshold is null || uses.Threshold is not null ? null : "-Threshold", percentage is null || uses.Percentage is not null ? null : "-Percentage",
                window is null || uses.Window is not null ? null : "-Window" }.OfType<string>().ToList();
            if (unused.Count > 0)
                throw PimErrors.AlertSettingInvalid(
                    $"The alert {known} does not use {string.Join(" or ", unused)}" +
                    (reads.Count == 0 ? "; it has no thresholds (only -Enabled)." : $"; it uses {string.Join(" and ", reads)} (and -Enabled)."),
                    string.Join(",", unused), $"Leave out {string.Join(" and ", unused)}" + (reads.Count == 0 ? "." : $", or set {string.Join(" or ", reads)}."));
            return (Type: known, Before: ReadSetting(work, known));
        },
        p => new PimChange(p.Type, "Set alert setting"),
        (work, p) =>
        {
            void Put(string key, string? value)
            {
                if (value is null) return;
                StoreInfoTable.Put(work, $"alert.{p.Type}.{key}", value);
            }
            Put("enabled", enabled?.ToString());
            Put("threshold", threshold?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Put("percentage", percentage?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Put("window", window?.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var after = ReadSetting(work, p.Type);
            AuditLog.Append(work, new AlertSettingUpdated(p.Type, p.Before, after));
            return after;
        },
        confirm);

    private static DateTime? LockedUntil(string? afterJson) => EventJson.Read<MfaRefusal>(afterJson)?.LockedUntil;

    /// <summary>The alerts (they name other principals and their assignments): the roles that read PIM; nobody else has any (docs/security.md).</summary>
    public IReadOnlyList<PimAlert> Get(DateTime? asOf = null) => _store.Read(work =>
    {
        var at = asOf is { } t ? Times.Utc(t, "AsOf") : work.Now;
        return Authorization.ReadsEverything(work) ? Compute(work, at) : [];
    });

    /// <summary>The alerts at <paramref name="at"/>, in the caller's unit of work (the weekly digest lists them).</summary>
    internal static IReadOnlyList<PimAlert> Compute(UnitOfWork work, DateTime at)
    {
        var roles = RolesTable.All(work).ToDictionary(r => r.Id);
        // Assignments of roles the catalogue still has (a removed custom role's ended assignments stay in the table).
        var current = AssignmentsTable.InForceSummaryAt(work, at).FindAll(a => roles.ContainsKey(a.RoleId));
        var alerts = new List<PimAlert>();
        PimAlert Alert(string type, string severity, string description, IEnumerable<InForceRow> rows, string fix)
        {
            var list = rows.ToList();
            return new PimAlert
            {
                AlertType = type, Severity = severity, Description = description, Count = list.Count,
                AssignmentIds = list.Select(a => a.Id).ToArray(),
                Principals = list.DistinctBy(a => a.PrincipalKey, StringComparer.Ordinal).Select(a => a.Principal).ToArray(),
                Roles = list.Select(a => a.RoleId).Distinct().Select(id => roles.TryGetValue(id, out var r) ? r.Name : id.ToString()).ToArray(),
                Fix = fix, AsOf = at,
            };
        }

        // Privileged roles whose activation needs no MFA, with the eligible assignments that can use that.
        if (ReadSetting(work, NoMfaOnRoleActivation).Enabled)
        {
            var noMfa = roles.Values.Where(r => r.IsPrivileged && SettingsService.Load(work, r.Id).ActivationRequirement == PimActivationRequirement.None)
                .Select(r => r.Id).ToHashSet();
            var rows = current.Where(a => a.Type == PimAssignmentType.Eligible && noMfa.Contains(a.RoleId)).ToList();
            if (rows.Count > 0)
            {
                var names = rows.Select(a => roles[a.RoleId].Name).Distinct().ToList();
                alerts.Add(Alert(NoMfaOnRoleActivation, "Medium",
                    $"{names.Count} privileged role(s) can be activated without MFA ({string.Join(", ", names)}); {rows.Count} eligible assignment(s) can do so.",
                    rows, string.Join(" ", names.Select(n => $"Set-PimRoleSetting -Role '{n}' -ActivationRequirement Mfa;"))));
            }
        }

        // Too many Global Administrators: both the count and the share of all role holders reached.
        var ga = ReadSetting(work, TooManyGlobalAdminsAssignedToTenant);
        if (ga.Enabled)
        {
            var gaRows = current.Where(a => a.RoleId == RoleCatalog.GlobalAdministrator).ToList();
            var gaCount = gaRows.Select(a => a.PrincipalKey).Distinct(StringComparer.Ordinal).Count();
            var holders = current.Select(a => a.PrincipalKey).Distinct(StringComparer.Ordinal).Count();
            var share = holders == 0 ? 0 : gaCount * 100.0 / holders;
            if (gaCount >= (ga.Threshold ?? 3) && share >= (ga.Percentage ?? 10))
                alerts.Add(Alert(TooManyGlobalAdminsAssignedToTenant, "Low",
                    $"{gaCount} principals hold Global Administrator ({share:0}% of the {holders} role holders); the thresholds are {ga.Threshold} and {ga.Percentage}%.",
                    gaRows, "Give them least-privileged roles instead and remove Global Administrator where it is not needed: " +
                            "Get-PimAssignment -Role 'Global Administrator' | Remove-PimAssignment -WhatIf"));
        }

        // Permanent active assignments of privileged roles (PIM's own bootstrap assignment excepted).
        if (ReadSetting(work, RolesAssignedOutsidePim).Enabled)
        {
            var bootstrap = StoreInfoTable.Get(work, StoreInfoTable.BootstrapAssignmentId);
            var rows = current.Where(a => a.Type == PimAssignmentType.Active && a.MemberType == PimMemberType.Direct && a.End is null
                                          && roles.TryGetValue(a.RoleId, out var r) && r.IsPrivileged && a.Id.ToString("D") != bootstrap).ToList();
            if (rows.Count > 0)
                alerts.Add(Alert(RolesAssignedOutsidePim, "High",
                    $"{rows.Count} permanent active assignment(s) of privileged roles bypass just-in-time activation.",
                    rows, "Make them eligible (New-PimEligibleAssignment) and remove the permanent ones, or give them an end: " +
                          "Update-PimAssignment -AssignmentId <id> -Duration 30d"));
        }

        // Eligible assignments nobody activated within the window.
        var redundant = ReadSetting(work, RedundantAssignment);
        if (redundant.Enabled)
        {
            var window = redundant.Window ?? TimeSpan.FromDays(90);
            var since = at - window;
            var used = AssignmentsTable.EligibleIdsActivatedSince(work, since).Select(id => Guid.TryParse(id, out var g) ? g : Guid.Empty).ToHashSet();
            var rows = current.Where(a => a.Type == PimAssignmentType.Eligible && a.Start <= since && !used.Contains(a.Id)).ToList();
            if (rows.Count > 0)
                alerts.Add(Alert(RedundantAssignment, "Low",
                    $"{rows.Count} eligible assignment(s) were not activated in the last {window.TotalDays:0} days.",
                    rows, "Remove what is not needed: Get-PimAssignment -Type Eligible | Where-Object AssignmentId -in $alert.AssignmentIds | Remove-PimAssignment"));
        }

        // The same role activated again and again: renewals within the window after the previous activation ended.
        var renewals = ReadSetting(work, SequentialActivationRenewals);
        if (renewals.Enabled)
        {
            var window = renewals.Window ?? TimeSpan.FromHours(1);
            var activations = AssignmentsTable.ActivationsStartedBetween(work, at - TimeSpan.FromDays(30), at)
                .Where(a => roles.ContainsKey(a.RoleId)).Select(InForceRow.Of);
            var rows = new List<InForceRow>();
            foreach (var g in activations.GroupBy(a => (a.PrincipalKey, a.RoleId)))
            {
                var ordered = g.OrderBy(a => a.Start).ToList();
                var chain = new List<InForceRow> { ordered[0] };
                var renewed = 0;
                for (var i = 1; i < ordered.Count; i++)
                {
                    var previousEnd = ordered[i - 1].End ?? DateTime.MaxValue;
                    if (ordered[i].Start - previousEnd <= window) { renewed++; chain.Add(ordered[i]); }
                }
                if (renewed >= (renewals.Threshold ?? 2)) rows.AddRange(chain);
            }
            if (rows.Count > 0)
                alerts.Add(Alert(SequentialActivationRenewals, "Low",
                    $"{rows.Select(a => (a.Principal, a.RoleId)).Distinct().Count()} principal(s) renewed the same role's activation again and again (within {window.TotalMinutes:0} minutes of the previous end).",
                    rows, "Find out why; if the work needs it, raise the role's ActivationMaxDuration (Set-PimRoleSetting -Role <role> -ActivationMaxDuration 8h)."));
        }

        // Refused MFA codes (someone guessing, or a broken authenticator): per principal, within the window.
        var mfa = ReadSetting(work, RepeatedMfaFailures);
        if (mfa.Enabled)
        {
            var window = mfa.Window ?? TimeSpan.FromHours(24);
            var failures = AuditLogTable.MfaFailures(work, at - window, at)
                .Select(r => (Principal: r.Principal ?? "", r.RoleId, LockedUntil: LockedUntil(r.AfterJson)))
                .GroupBy(f => Principal.Fold(f.Principal))
                .Where(g => g.Count() >= (mfa.Threshold ?? Mfa.MaxFailures))
                .ToList();
            if (failures.Count > 0)
            {
                var lines = failures.Select(g =>
                {
                    var locks = g.Where(f => f.LockedUntil is not null).ToList();
                    var until = locks.Select(f => f.LockedUntil).Max();
                    return $"{g.First().Principal}: {g.Count()} refused MFA codes, {locks.Count} lockout(s)" +
                           (until is { } u && u > at ? $", locked until {u:u}" : "");
                }).ToList();
                var principals = failures.Select(g => g.First().Principal).ToArray();
                alerts.Add(new PimAlert
                {
                    AlertType = RepeatedMfaFailures,
                    Severity = failures.Any(g => g.Any(f => f.LockedUntil is not null)) ? "High" : "Medium",
                    Description = $"{principals.Length} principal(s) gave wrong MFA codes again and again in the last {Schedules.Days(window)} " +
                                  $"(threshold {mfa.Threshold ?? Mfa.MaxFailures}): {string.Join("; ", lines)}.",
                    Count = failures.Sum(g => g.Count()),
                    Principals = principals,
                    Roles = failures.SelectMany(g => g).Select(f => f.RoleId).OfType<string>().Distinct()
                        .Select(id => Guid.TryParse(id, out var g) && roles.TryGetValue(g, out var r) ? r.Name : id).ToArray(),
                    Fix = "Ask each principal whether they entered those codes. If not, someone is acting as them and guessing their codes: " +
                          "secure their account and register their MFA method again (Register-PimMfaMethod -Principal <principal> -Force, " +
                          "which also lifts a lock); the attempts are in Get-PimAuditLog -Action MfaFailed -Principal <principal>. " +
                          "If they did, check their authenticator's clock.",
                    AsOf = at,
                });
            }
        }
        // Privileged role holders who did nothing in the store (no activation, request, decision or other action) within the
        // window: their standing access serves no one, and an account nobody uses is the one an attacker can use unseen.
        var stale = ReadSetting(work, StaleSignIn);
        if (stale.Enabled)
        {
            var window = stale.Window ?? TimeSpan.FromDays(90);
            var since = at - window;
            var held = current.Where(a => a.MemberType == PimMemberType.Direct && roles.TryGetValue(a.RoleId, out var r) && r.IsPrivileged)
                .GroupBy(a => a.PrincipalKey).ToList();
            var last = AuditLogTable.LastActedAt(work, held.Select(g => g.Key).ToList(), at);
            // A holder is stale once they have held a privileged role for the whole window without acting in it.
            var staleHolders = held.Where(g => g.Min(a => a.Start) <= since && (!last.TryGetValue(g.Key, out var t) || t < since)).ToList();
            var rows = staleHolders.SelectMany(g => g).ToList();
            if (rows.Count > 0)
            {
                var principals = staleHolders.ConvertAll(g => g.First().Principal);
                // The description names the first few; the alert's Principals lists them all.
                const int named = 20;
                var lines = principals.Take(named).Select(p => last.TryGetValue(Principal.Fold(p), out var t) ? $"{p} (last acted {t:yyyy-MM-dd})" : $"{p} (never acted)");
                var more = principals.Count > named ? $" and {principals.Count - named} more (see Principals)" : "";
                alerts.Add(Alert(StaleSignIn, "Medium",
                    $"{principals.Count} holder(s) of privileged roles did nothing in PIM for {Schedules.Days(window)}: {string.Join(", ", lines)}{more}.",
                    rows, "Ask whether they still need the role; if not, remove it: Get-PimAssignment | Where-Object AssignmentId -in $alert.AssignmentIds | Remove-PimAssignment. " +
                          "An access review asks the holders themselves."));
            }
        }

        // Notifications that failed for good within the window: nobody heard of what they were about. In a Verified store only
        // messages a verified change queued count (a row written into the outbox around the module raises nothing).
        var undeliverable = ReadSetting(work, UndeliverableNotifications);
        if (undeliverable.Enabled)
        {
            var window = undeliverable.Window ?? TimeSpan.FromDays(7);
            var verified = work.VerifiedNow();
            var failed = NotificationsTable.FailedBetween(work, at - window, at)
                .Where(n => verified is null || verified.HasNotification(n.NotificationId,
                    Checkpoint.VerifiedState.Digest(n.NotificationId, n.Recipient, n.Subject, n.Body, n.Event, n.Critical)))
                .ToList();
            if (failed.Count > 0)
            {
                var byRecipient = failed.GroupBy(n => Principal.Fold(n.Recipient), StringComparer.Ordinal).ToList();
                const int named = 10;
                var lines = byRecipient.Take(named).Select(g =>
                {
                    var n = g.First();
                    var why = RolePolicy.IsMailAddress(n.Recipient) ? "delivery failed" : "not a mail address";
                    return $"{g.Count()} to {n.Recipient} ({why})";
                });
                var more = byRecipient.Count > named ? $" and {byRecipient.Count - named} more recipients (see Principals)" : "";
                var notMail = byRecipient.Where(g => !RolePolicy.IsMailAddress(g.First().Recipient)).Select(g => g.First().Recipient).ToList();
                alerts.Add(new PimAlert
                {
                    AlertType = UndeliverableNotifications,
                    Severity = failed.Any(n => n.RecipientType == PimNotificationRecipient.Admin || n.Critical) ? "Medium" : "Low",
                    Description = $"{failed.Count} notification(s) of the last {Schedules.Days(window)} could not be delivered: {string.Join("; ", lines)}{more}.",
                    Count = failed.Count,
                    Principals = byRecipient.Select(g => g.First().Recipient).ToArray(),
                    Roles = failed.Select(n => n.RoleId).OfType<Guid>().Distinct()
                        .Select(id => roles.TryGetValue(id, out var r) ? r.Name : id.ToString()).ToArray(),
                    Fix = "See each message and why: Get-PimNotification -Status Failed | Format-List Recipient, Subject, LastError. " +
                          (notMail.Count > 0
                              ? $"{string.Join(", ", notMail.Take(named).Select(p => $"'{p}'"))} {(notMail.Count == 1 ? "is" : "are")} not a mail address: " +
                                "make a person with a mail address an administrator (New-PimActiveAssignment -Principal admin@contoso.com -Role 'Privileged Role Administrator' " +
                                "-Permanent -Justification '<reason>'), or create the store as that person (Connect-PimStore -Path <file> -Principal admin@contoso.com)" + (notMail.Count < byRecipient.Count ? ". " : ".")
                              : "") +
                          (notMail.Count < byRecipient.Count
                              ? "For delivery failures, check the mail settings (Get-PimMailSetting) and the recipients' addresses; new messages go out with Send-PimNotification."
                              : ""),
                    AsOf = at,
                });
            }
        }
        return alerts;
    }
}
