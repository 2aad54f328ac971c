using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using PimModule.Policy;
using PimModule.Errors;

namespace PimModule.Interop;

/// <summary>
/// A role's policy in Microsoft Graph's own shape (v1.0 unifiedRoleManagementPolicy with its 17 rules, as
/// <c>GET /policies/roleManagementPolicies/{id}?$expand=rules</c> returns it) and back. Lossless both ways: a value
/// Graph can hold that the store cannot is refused by name on the way in (<see cref="PimErrors.GraphValueUnsupported"/>),
/// and a setting the store holds that Graph cannot is refused by name on the way out — never dropped. Object ids
/// (approvers) go through the directory (<see cref="DirectoryMap"/>).
/// </summary>
internal static partial class GraphPolicy
{
    public const string ExpirationType = "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule";
    public const string EnablementType = "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule";
    public const string NotificationType = "#microsoft.graph.unifiedRoleManagementPolicyNotificationRule";
    public const string ApprovalType = "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule";
    public const string AuthenticationContextType = "#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule";
    public const string SingleUser = "#microsoft.graph.singleUser";
    public const string GroupMembers = "#microsoft.graph.groupMembers";

    /// <summary>A rule of Entra's directory-role policy: its id, type, and target (caller, level).</summary>
    public sealed record RuleShape(string Id, string Type, string Caller, string Level);

    /// <summary>The 17 rules, in the order Graph lists them.</summary>
    public static readonly IReadOnlyList<RuleShape> Rules =
    [
        new("Expiration_Admin_Eligibility", ExpirationType, "Admin", "Eligibility"),
        new("Enablement_Admin_Eligibility", EnablementType, "Admin", "Eligibility"),
        new("Notification_Admin_Admin_Eligibility", NotificationType, "Admin", "Eligibility"),
        new("Notification_Requestor_Admin_Eligibility", NotificationType, "Admin", "Eligibility"),
        new("Notification_Approver_Admin_Eligibility", NotificationType, "Admin", "Eligibility"),
        new("Expiration_Admin_Assignment", ExpirationType, "Admin", "Assignment"),
        new("Enablement_Admin_Assignment", EnablementType, "Admin", "Assignment"),
        new("Notification_Admin_Admin_Assignment", NotificationType, "Admin", "Assignment"),
        new("Notification_Requestor_Admin_Assignment", NotificationType, "Admin", "Assignment"),
        new("Notification_Approver_Admin_Assignment", NotificationType, "Admin", "Assignment"),
        new("Expiration_EndUser_Assignment", ExpirationType, "EndUser", "Assignment"),
        new("Enablement_EndUser_Assignment", EnablementType, "EndUser", "Assignment"),
        new("Approval_EndUser_Assignment", ApprovalType, "EndUser", "Assignment"),
        new("AuthenticationContext_EndUser_Assignment", AuthenticationContextType, "EndUser", "Assignment"),
        new("Notification_Admin_EndUser_Assignment", NotificationType, "EndUser", "Assignment"),
        new("Notification_Requestor_EndUser_Assignment", NotificationType, "EndUser", "Assignment"),
        new("Notification_Approver_EndUser_Assignment", NotificationType, "EndUser", "Assignment"),
    ];

    private static readonly Dictionary<string, RuleShape> ById = Rules.ToDictionary(r => r.Id, StringComparer.Ordinal);

    public static RuleShape? Shape(string id) => ById.GetValueOrDefault(id);

    // ---- out: store → Graph ------------------------------------------------------------------------------

    /// <summary>
    /// Refuses, by name, a setting the store holds that Graph's policy cannot (PimModule's own text patterns); Graph's
    /// export never drops one.
    /// </summary>
    public static void CheckExportable(RolePolicy p, string role)
    {
        foreach (var (name, value) in new[] { ("JustificationPattern", p.JustificationPattern), ("TicketPattern", p.TicketPattern) })
            if (!string.IsNullOrEmpty(value))
                throw PimErrors.GraphValueUnsupported($"'{role}' has {name} '{Validation.Input.Preview(value)}', which Graph's role management policy cannot hold; " +
                    "a Graph export would drop it, so nothing was written.", role,
                    $"Clear it for the export (Set-PimRoleSetting -Role '{role}' -{name} ''), or export in PimModule's format (-Format PimModule).");
        var stages = p.Stages;
        for (var i = 0; i < stages.Count; i++)
            if (stages[i].RequiredApprovals > 1)
                throw PimErrors.GraphValueUnsupported($"Stage {i + 1} of '{role}' needs {stages[i].RequiredApprovals} approvals (RequiredApprovals); Graph's approval stages have no quorum " +
                    "(the first approver decides), so a Graph export would lower it, and nothing was written.", role,
                    "Export in PimModule's format (-Format PimModule), or set the stage's RequiredApprovals to 1 for the export.");
    }

    /// <summary>One rule in Graph's shape: as GET returns it (<paramref name="request"/> false) or as a PATCH body (true).</summary>
    public static JsonObject Rule(RolePolicy p, RuleShape shape, DirectoryMap directory, string role, bool request)
    {
        var o = new JsonObject { ["@odata.type"] = shape.Type, ["id"] = shape.Id };
        switch (shape.Type)
        {
            case ExpirationType or EnablementType or AuthenticationContextType:
                // These rules are the settings' own (Policy/RoleSettings.cs), kept in Graph's shape: written member by member
                // as the settings fill them. A rule no setting lives in (Enablement_Admin_Eligibility) enables nothing.
                if (RoleSettings.RuleObjects(p).TryGetValue(shape.Id, out var filled))
                    foreach (var (member, value) in filled) o[member] = value?.DeepClone();
                else o["enabledRules"] = new JsonArray();
                break;
            case NotificationType:
                var (evt, recipient) = Notification(shape.Id);
                var n = p.Notifications[(evt, recipient)];
                o["notificationType"] = "Email";
                o["recipientType"] = recipient.ToString();
                o["notificationLevel"] = n.CriticalOnly ? "Critical" : "All";
                o["isDefaultRecipientsEnabled"] = n.DefaultRecipients;
                o["notificationRecipients"] = RoleSettings.Array(n.AdditionalRecipients);
                break;
        }
        o["target"] = Target(shape, request);
        if (shape.Type == ApprovalType)
        {
            JsonArray Users(IEnumerable<string> principals, string what)
            {
                var users = new JsonArray();
                foreach (var a in principals)
                    users.Add(new JsonObject { ["@odata.type"] = SingleUser, ["userId"] = directory.IdOf(a, $"{what} '{a}' of '{role}'").ToString("D") });
                return users;
            }
            var stages = new JsonArray();
            foreach (var st in p.Stages)
            {
                var stage = new JsonObject();
                if (request) stage["@odata.type"] = "microsoft.graph.unifiedApprovalStage";
                stage["approvalStageTimeOutInDays"] = 1;
                stage["isApproverJustificationRequired"] = p.RequireApproverJustification;
                stage["escalationTimeInMinutes"] = st.EscalationAfter is { } e ? (int)e.TotalMinutes : 0;
                stage["isEscalationEnabled"] = st.EscalationAfter is not null;
                stage["primaryApprovers"] = Users(st.Approvers, "Approver");
                stage["escalationApprovers"] = Users(st.EscalationApprovers, "Escalation approver");
                stages.Add(stage);
            }
            var setting = new JsonObject();
            if (request) setting["@odata.type"] = "microsoft.graph.approvalSettings";
            setting["isApprovalRequired"] = p.RequireApproval;
            setting["isApprovalRequiredForExtension"] = false;
            setting["isRequestorJustificationRequired"] = true;
            setting["approvalMode"] = stages.Count > 1 ? "Serial" : "SingleStage";
            setting["approvalStages"] = stages;
            o["setting"] = setting;
        }
        return o;
    }

    private static JsonObject Target(RuleShape shape, bool request)
    {
        var t = new JsonObject();
        if (request) t["@odata.type"] = "microsoft.graph.unifiedRoleManagementPolicyRuleTarget";
        t["caller"] = shape.Caller;
        // GET answers "all"; the PATCH bodies of Graph's reference write "All" (Graph reads either).
        t["operations"] = new JsonArray(request ? "All" : "all");
        t["level"] = shape.Level;
        t["inheritableSettings"] = new JsonArray();
        t["enforcedSettings"] = new JsonArray();
        return t;
    }

    private static (PimNotificationEvent, PimNotificationRecipient) Notification(string ruleId)
    {
        foreach (var e in Enum.GetValues<PimNotificationEvent>())
            foreach (var r in Enum.GetValues<PimNotificationRecipient>())
                if (RolePolicy.NotificationRuleId(e, r) == ruleId) return (e, r);
        throw new ArgumentException(ruleId);
    }

    // ---- typed members ---------------------------------------------------------------------------------

    /// <summary>Every member is one this object may have (plus id, @odata.type, target and annotations); else refused by name.</summary>
    private static void Members(JsonObject o, string at, params string[] known)
    {
        foreach (var (name, _) in o)
        {
            if (name is "id" or "@odata.type" or "target" || name.Contains("@odata.", StringComparison.Ordinal) || known.Contains(name, StringComparer.Ordinal)) continue;
            throw Unsupported($"{at} has the member '{Validation.Input.Preview(name)}', which PimModule does not hold", name,
                $"Remove '{name}' (the members are {string.Join(", ", known)}).");
        }
    }

    private static bool? Bool(JsonObject o, string name, string at)
    {
        if (!o.TryGetPropertyValue(name, out var v) || v is null) return null;
        if (v.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return v.GetValue<bool>();
        throw Invalid($"{at}: {name} is {Kind(v)}; Graph's {name} is a boolean (true or false, not \"{Validation.Input.Preview(v.ToJsonString())}\").", name);
    }

    private static int? Int(JsonObject o, string name, string at)
    {
        if (!o.TryGetPropertyValue(name, out var v) || v is null) return null;
        if (v.GetValueKind() == JsonValueKind.Number && v.AsValue().TryGetValue<int>(out var i)) return i;
        throw Invalid($"{at}: {name} is {Kind(v)}; Graph's {name} is a whole number.", name);
    }

    private static string? Text(JsonObject o, string name, string at)
    {
        if (!o.TryGetPropertyValue(name, out var v) || v is null) return null;
        if (v.GetValueKind() != JsonValueKind.String) throw Invalid($"{at}: {name} is {Kind(v)}; Graph's {name} is text.", name);
        var s = v.GetValue<string>();
        return Validation.Input.Text(s, name, 1024, PimErrors.InputInvalid);
    }

    private static List<string>? Strings(JsonObject o, string name, string at)
    {
        if (!o.TryGetPropertyValue(name, out var v) || v is null) return null;
        if (v is not JsonArray a) throw Invalid($"{at}: {name} is {Kind(v)}; Graph's {name} is a list of text.", name);
        if (a.Count > 500) throw PimErrors.InputTooLong($"{at}: {name} lists {a.Count} items; at most 500 are accepted.", name, $"Shorten {name}.");
        return a.Select(x => x is not null && x.GetValueKind() == JsonValueKind.String
            ? Validation.Input.Text(x.GetValue<string>(), name, 1024, PimErrors.InputInvalid)!
            : throw Invalid($"{at}: an item of {name} is {Kind(x)}, not text.", name)).ToList();
    }

    private static TimeSpan? Duration(JsonObject o, string name, string at)
    {
        var text = Text(o, name, at);
        if (text is null) return null;
        try { return XmlConvert.ToTimeSpan(text); }
        catch (FormatException e)
        {
            throw PimErrors.DurationInvalid($"{at}: {name} '{Validation.Input.Preview(text)}' is not an ISO 8601 duration (P365D, PT8H).", text,
                $"Give {name} as an ISO 8601 duration, for example PT8H or P90D.", e);
        }
        catch (OverflowException e)
        {
            throw PimErrors.DurationInvalid($"{at}: {name} '{Validation.Input.Preview(text)}' is out of range.", text, $"Give {name} of at most 100 years.", e);
        }
    }

    private static string Kind(JsonNode? v) => StrictJson.Kind(v?.GetValueKind() ?? JsonValueKind.Null);

    private static PimException Unsupported(string what, object? target, string action)
        => PimErrors.GraphValueUnsupported($"{what}. Nothing was imported.", target, action);

    private static PimException Invalid(string what, object? target)
        => PimErrors.SettingFileInvalid($"{what} Nothing was imported.", target, "Give the JSON as Graph returns it (Invoke-MgGraphRequest … -OutputType Json).");
}
