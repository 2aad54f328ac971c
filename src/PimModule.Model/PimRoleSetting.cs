using System.Collections.ObjectModel;

namespace PimModule;

public enum PimActivationRequirement
{
    None,
    Mfa,
    AuthenticationContext,
}

/// <summary>The three events a role's notification settings cover (the portal's three sections).</summary>
public enum PimNotificationEvent
{
    /// <summary>Members are assigned as eligible to this role.</summary>
    EligibleAssigned,
    /// <summary>Members are assigned as active to this role.</summary>
    ActiveAssigned,
    /// <summary>Eligible members activate this role.</summary>
    Activated,
}

/// <summary>Who a notification row is for: the admin (role assignment alert), the requestor/assignee, the approvers.</summary>
public enum PimNotificationRecipient
{
    Admin,
    Requestor,
    Approver,
}

/// <summary>One of the nine notification rows of a role's settings (event × recipient).</summary>
public sealed class PimNotificationSetting
{
    public string Role { get; init; } = "";
    public Guid RoleId { get; init; }
    public PimNotificationEvent Event { get; init; }
    public PimNotificationRecipient Recipient { get; init; }
    /// <summary>Whether the default recipients (admins, the requestor, the approvers) are notified.</summary>
    public bool DefaultRecipients { get; init; } = true;
    public PimPrincipalList AdditionalRecipients { get; init; } = new();
    /// <summary>Only critical emails are sent.</summary>
    public bool CriticalOnly { get; init; }
    /// <summary>The Entra policy rule behind this row, e.g. Notification_Admin_Admin_Eligibility.</summary>
    public string RuleId { get; init; } = "";

    public override string ToString() => $"{Event}/{Recipient}: {(DefaultRecipients ? "default" : "no default")}" +
                                         (AdditionalRecipients.Count > 0 ? $" + {AdditionalRecipients}" : "") +
                                         (CriticalOnly ? " (critical only)" : "");
}

/// <summary>A list of principals or addresses; shown (and written by Export-Csv) as 'a@x;b@y'.</summary>
public sealed class PimPrincipalList : Collection<string>
{
    public PimPrincipalList() { }
    public PimPrincipalList(IEnumerable<string> items) : base(items.ToList()) { }
    public override string ToString() => string.Join(";", this);
}

/// <summary>The nine notification rows of a role; Export-Csv writes a one-line summary.</summary>
public sealed class PimNotificationSettingList : ReadOnlyCollection<PimNotificationSetting>
{
    public PimNotificationSettingList(IList<PimNotificationSetting> rows) : base(rows) { }

    public PimNotificationSetting this[PimNotificationEvent evt, PimNotificationRecipient recipient]
        => this.First(n => n.Event == evt && n.Recipient == recipient);

    public override string ToString()
    {
        var on = this.Count(n => n.DefaultRecipients || n.AdditionalRecipients.Count > 0);
        return on == Count ? $"{Count} rows, all on" : $"{Count} rows, {on} on";
    }
}

/// <summary>
/// A role's settings — the PIM policy — as one flat object: activation, assignment and notification rules.
/// Every property maps to one Entra policy rule (unifiedRoleManagementPolicy rules). The settings are defined once, in
/// the engine's setting table (Policy/RoleSettings.cs); a property here is filled by name from that table.
/// </summary>
public sealed class PimRoleSetting
{
    public string Role { get; init; } = "";
    public Guid RoleId { get; init; }

    // Activation (Expiration_EndUser_Assignment, Enablement_EndUser_Assignment,
    // AuthenticationContext_EndUser_Assignment, Approval_EndUser_Assignment)
    public TimeSpan ActivationMaxDuration { get; init; }
    public PimActivationRequirement ActivationRequirement { get; init; }
    public string? AuthenticationContextId { get; init; }
    public bool RequireJustification { get; init; }
    public bool RequireTicket { get; init; }
    public bool RequireApproval { get; init; }
    public PimPrincipalList Approvers { get; init; } = new();
    public bool RequireApproverJustification { get; init; }

    // Assignment (Expiration_Admin_Eligibility, Expiration_Admin_Assignment, Enablement_Admin_Assignment)
    public bool AllowPermanentEligible { get; init; }
    public TimeSpan EligibleExpiresAfter { get; init; }
    public bool AllowPermanentActive { get; init; }
    public TimeSpan ActiveExpiresAfter { get; init; }
    public bool RequireMfaOnActiveAssignment { get; init; }
    public bool RequireJustificationOnActiveAssignment { get; init; }

    // Text patterns (PimModule's own rule TextPattern_PimModule): .NET regular expressions, run with NonBacktracking,
    // that a justification / a ticket number must match on activation and on admin assignment; null = none.
    public string? JustificationPattern { get; init; }
    public string? TicketPattern { get; init; }
    // Approval in stages (PimModule's own rule ApprovalStages_PimModule): stage 1's quorum, and every stage.
    /// <summary>How many distinct approvers of stage 1 must approve (1: the first approver decides, as in Entra).</summary>
    public int RequiredApprovals { get; init; } = 1;
    /// <summary>The approval stages (one or two); stage 1's approvers are <see cref="Approvers"/>. One JSON column in CSV.</summary>
    public PimApprovalStageList ApprovalStages { get; init; } = new([new PimApprovalStage()]);

    // Notification (the nine Notification_* rules)
    public PimNotificationSettingList Notifications { get; init; } = new([]);

    /// <summary>True when no rule of this role was ever changed from Entra's defaults.</summary>
    public bool IsDefault { get; init; }
    public string? ModifiedBy { get; init; }
    public DateTime? ModifiedDateTime { get; init; }

    public override string ToString() => Role;
}
