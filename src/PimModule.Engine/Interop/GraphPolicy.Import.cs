using System.Text.Json.Nodes;
using PimModule.Policy;
using PimModule.Errors;
using PimModule.Identity;

namespace PimModule.Interop;

/// <summary>Graph → store: a unifiedRoleManagementPolicy's rules read as a role's settings, every value checked.</summary>
internal static partial class GraphPolicy
{
    // ---- in: Graph → store -------------------------------------------------------------------------------

    /// <summary>
    /// Reads the rules of a Graph policy onto <paramref name="p"/> (a rule the policy does not list keeps its value):
    /// every member is typed as Graph types it, and every value the store cannot hold is refused by name.
    /// </summary>
    public static void Read(JsonArray rules, RolePolicy p, DirectoryMap directory, string where)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        bool? authContext = null;
        // The rules the settings live in (Policy/RoleSettings.cs), in Graph's shape as the settings now fill them: Graph's
        // members are read into them, checked as Graph types them, and the settings then read back what they hold.
        var filled = RoleSettings.RuleObjects(p);
        var read = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in rules)
        {
            if (node is not JsonObject rule) throw Invalid($"{where}: a rule is {Kind(node)}; Graph's rules are objects.", "rules");
            var id = Text(rule, "id", where) ?? throw Invalid($"{where}: a rule has no id.", where);
            var shape = Shape(id) ?? throw Unsupported($"{where} has the rule '{Validation.Input.Preview(id)}', which a directory role's policy does not have",
                id, $"Keep the 17 rules of a directory role's policy ({string.Join(", ", Rules.Select(r => r.Id).Take(3))}, …).");
            if (!seen.Add(id)) throw Invalid($"{where} lists the rule '{id}' twice.", id);
            var at = $"{where}, rule {id}";
            var type = Text(rule, "@odata.type", at);
            if (type is not null && !string.Equals(type.TrimStart('#'), shape.Type.TrimStart('#'), StringComparison.OrdinalIgnoreCase))
                throw Unsupported($"{at}: @odata.type is '{type}', not '{shape.Type}'", id, "Give each rule with its own type, as Graph returns it.");
            if (rule["target"] is { } target) CheckTarget(target, shape, at);
            switch (shape.Type)
            {
                case ExpirationType:
                    Members(rule, at, "isExpirationRequired", "maximumDuration");
                    var required = Bool(rule, "isExpirationRequired", at);
                    var max = Duration(rule, "maximumDuration", at);
                    if (id == RolePolicy.ActivationExpirationRule && required == false)
                        throw Unsupported($"{at}: isExpirationRequired is false — activations without an end, which PimModule never grants",
                            $"{id}.isExpirationRequired", "Set isExpirationRequired to true (activations always end).");
                    if (filled.TryGetValue(id, out var expiration))
                    {
                        if (required is { } r) expiration["isExpirationRequired"] = r;
                        if (max is { } m) expiration["maximumDuration"] = System.Xml.XmlConvert.ToString(m);
                        read.Add(id);
                    }
                    break;
                case EnablementType:
                    Members(rule, at, "enabledRules");
                    var enabled = Strings(rule, "enabledRules", at);
                    if (enabled is null) break;
                    var allowed = RoleSettings.EnabledMembers(id);
                    foreach (var e in enabled)
                        if (!allowed.Contains(e, StringComparer.Ordinal))
                            throw Unsupported($"{at}: enabledRules has '{Validation.Input.Preview(e)}', which PimModule cannot hold there" +
                                (allowed.Length == 0 ? " (eligible assignments are made without requirements)" : $" (it holds {string.Join(", ", allowed)})"),
                                $"{id}.enabledRules", $"Remove '{e}' from {id}.enabledRules.");
                    if (enabled.Distinct().Count() != enabled.Count) throw Invalid($"{at}: enabledRules lists a rule twice.", id);
                    if (filled.TryGetValue(id, out var enablement))
                    {
                        enablement["enabledRules"] = RoleSettings.Array(enabled);
                        read.Add(id);
                    }
                    break;
                case AuthenticationContextType:
                    Members(rule, at, "isEnabled", "claimValue");
                    authContext = Bool(rule, "isEnabled", at) ?? authContext;
                    var context = filled[RolePolicy.AuthenticationContextRule];
                    if (authContext is { } on) context["isEnabled"] = on;
                    if (rule.ContainsKey("claimValue"))
                    {
                        var claim = Text(rule, "claimValue", at);
                        if (!string.IsNullOrEmpty(claim) && authContext != true)
                            throw Unsupported($"{at}: claimValue is '{Validation.Input.Preview(claim)}' while isEnabled is false; PimModule holds an authentication context only while activation requires it",
                                $"{id}.claimValue", "Set claimValue to null, or isEnabled to true.");
                        context["claimValue"] = string.IsNullOrEmpty(claim) ? null : claim;
                    }
                    read.Add(id);
                    break;
                case NotificationType:
                    Members(rule, at, "notificationType", "recipientType", "notificationLevel", "isDefaultRecipientsEnabled", "notificationRecipients");
                    var (evt, recipient) = Notification(id);
                    if (Text(rule, "notificationType", at) is { } nt && nt != "Email")
                        throw Unsupported($"{at}: notificationType is '{Validation.Input.Preview(nt)}'; PimModule sends email only", $"{id}.notificationType", "Set notificationType to Email.");
                    if (Text(rule, "recipientType", at) is { } rt && !string.Equals(rt, recipient.ToString(), StringComparison.OrdinalIgnoreCase))
                        throw Unsupported($"{at}: recipientType is '{Validation.Input.Preview(rt)}', but the rule {id} is for {recipient}", $"{id}.recipientType", $"Set recipientType to {recipient}.");
                    var row = p.Notifications[(evt, recipient)];
                    var level = Text(rule, "notificationLevel", at);
                    bool critical = row.CriticalOnly;
                    if (level is not null)
                        critical = level switch
                        {
                            "All" => false,
                            "Critical" => true,
                            _ => throw Unsupported($"{at}: notificationLevel is '{Validation.Input.Preview(level)}'; PimModule holds All or Critical" +
                                                   (level == "None" ? " (to send nothing, turn off isDefaultRecipientsEnabled and list no notificationRecipients)" : ""),
                                $"{id}.notificationLevel", "Set notificationLevel to All or Critical."),
                        };
                    var defaults = Bool(rule, "isDefaultRecipientsEnabled", at) ?? row.DefaultRecipients;
                    var extra = Strings(rule, "notificationRecipients", at) ?? [.. row.AdditionalRecipients];
                    if (extra.GroupBy(Principal.Fold).FirstOrDefault(g => g.Count() > 1) is { } twice)
                        throw Unsupported($"{at}: notificationRecipients lists '{Validation.Input.Preview(twice.Key)}' twice (addresses compare in any letter case)",
                            $"{id}.notificationRecipients", "List each address once.");
                    p.Notifications[(evt, recipient)] = new RolePolicy.NotificationRule(defaults, extra, critical);
                    break;
                case ApprovalType:
                    Members(rule, at, "setting");
                    if (rule["setting"] is JsonObject setting) ReadApproval(setting, p, directory, $"{at}, setting");
                    else if (rule["setting"] is not null) throw Invalid($"{at}: setting is not an object.", id);
                    break;
            }
        }
        if (read.Count == 0) return;
        // One activation requirement: MFA (a member of Enablement_EndUser_Assignment) or an authentication context, not both.
        var enduser = filled[RolePolicy.ActivationEnablementRule];
        var contextRule = filled[RolePolicy.AuthenticationContextRule];
        var ctx = (bool)contextRule["isEnabled"]!;
        if (ctx && RoleSettings.Strings(enduser["enabledRules"]).Contains("MultiFactorAuthentication"))
            throw Unsupported($"{where} requires both MultiFactorAuthentication (Enablement_EndUser_Assignment) and an authentication context " +
                              "(AuthenticationContext_EndUser_Assignment) on activation; PimModule holds one activation requirement",
                "ActivationRequirement", "Keep one: remove MultiFactorAuthentication from enabledRules, or disable the authentication context rule.");
        if (!ctx) contextRule["claimValue"] = null;
        // The activation requirement reads both rules: either one read, both are.
        if (read.Contains(RolePolicy.ActivationEnablementRule) || read.Contains(RolePolicy.AuthenticationContextRule))
            read.UnionWith([RolePolicy.ActivationEnablementRule, RolePolicy.AuthenticationContextRule]);
        RoleSettings.ReadRules(filled, read, p);
    }

    private static void ReadApproval(JsonObject s, RolePolicy p, DirectoryMap directory, string at)
    {
        Members(s, at, "isApprovalRequired", "isApprovalRequiredForExtension", "isRequestorJustificationRequired", "approvalMode", "approvalStages");
        if (Bool(s, "isApprovalRequired", at) is { } required) p.RequireApproval = required;
        if (Bool(s, "isApprovalRequiredForExtension", at) == true)
            throw Unsupported($"{at}: isApprovalRequiredForExtension is true; PimModule approves activations, not their extensions",
                "Approval_EndUser_Assignment.setting.isApprovalRequiredForExtension", "Set isApprovalRequiredForExtension to false.");
        if (Bool(s, "isRequestorJustificationRequired", at) == false)
            throw Unsupported($"{at}: isRequestorJustificationRequired is false; PimModule holds the requestor's justification as Enablement_EndUser_Assignment's Justification only",
                "Approval_EndUser_Assignment.setting.isRequestorJustificationRequired", "Set isRequestorJustificationRequired to true (and use enabledRules for the justification).");
        var mode = Text(s, "approvalMode", at);
        if (mode is not (null or "SingleStage" or "Serial"))
            throw Unsupported($"{at}: approvalMode is '{Validation.Input.Preview(mode)}'; PimModule holds single-stage or serial (two-stage) approval", "Approval_EndUser_Assignment.setting.approvalMode",
                "Set approvalMode to SingleStage (one stage) or Serial (two stages).");
        if (s["approvalStages"] is null) return;
        if (s["approvalStages"] is not JsonArray stages) throw Invalid($"{at}: approvalStages is not a list.", at);
        if (stages.Count is 0 or > StageSettings.MaxStages || mode == "SingleStage" && stages.Count != 1)
            throw Unsupported($"{at}: approvalStages has {stages.Count} stages with approvalMode {mode ?? "(none)"}; PimModule holds one stage (SingleStage) or two (Serial)",
                "Approval_EndUser_Assignment.setting.approvalStages", "Give one approval stage with SingleStage, or two with Serial.");
        var read = new List<RolePolicy.ApprovalStageRule>();
        bool? justification = null;
        for (var i = 0; i < stages.Count; i++)
        {
            if (stages[i] is not JsonObject stage) throw Invalid($"{at}: approval stage {i + 1} is not an object.", at);
            var st = $"{at}, approvalStages[{i}]";
            Members(stage, st, "approvalStageTimeOutInDays", "isApproverJustificationRequired", "escalationTimeInMinutes", "isEscalationEnabled",
                "primaryApprovers", "escalationApprovers");
            if (Int(stage, "approvalStageTimeOutInDays", st) is { } days && days != 1)
                throw Unsupported($"{st}: approvalStageTimeOutInDays is {days}; a PimModule request waits for approval 1 day per stage, as Entra's portal sets it",
                    "approvalStageTimeOutInDays", "Set approvalStageTimeOutInDays to 1.");
            if (Bool(stage, "isApproverJustificationRequired", st) is { } aj)
            {
                if (justification is { } other && other != aj)
                    throw Unsupported($"{st}: isApproverJustificationRequired differs from the first stage's; PimModule holds one RequireApproverJustification for every stage",
                        "isApproverJustificationRequired", "Give every stage the same isApproverJustificationRequired.");
                justification = aj;
            }
            TimeSpan? escalation = null;
            var minutes = Int(stage, "escalationTimeInMinutes", st);
            if (Bool(stage, "isEscalationEnabled", st) == true)
            {
                if (minutes is not { } m || m < 1 || m > (int)StageSettings.MaxEscalationAfter.TotalMinutes)
                    throw Unsupported($"{st}: escalation is enabled after {(minutes?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(no)")} minutes; escalation opens 1 to {(int)StageSettings.MaxEscalationAfter.TotalMinutes} minutes into the stage's day",
                        "escalationTimeInMinutes", "Give escalationTimeInMinutes from 1 to 1439 with isEscalationEnabled true.");
                escalation = TimeSpan.FromMinutes(m);
            }
            else if (minutes is { } off && off != 0)
                throw Unsupported($"{st}: escalationTimeInMinutes is {off} while escalation is disabled", "escalationTimeInMinutes",
                    "Set escalationTimeInMinutes to 0, or enable escalation (isEscalationEnabled true) with 1 to 1439 minutes and escalation approvers.");
            var primary = Approvers(stage["primaryApprovers"], st, "primaryApprovers", directory);
            var escalators = Approvers(stage["escalationApprovers"], st, "escalationApprovers", directory);
            if (escalation is null && escalators.Count > 0)
                throw Unsupported($"{st}: escalationApprovers lists approvers but escalation is not enabled", "escalationApprovers",
                    "Set isEscalationEnabled to true with escalationTimeInMinutes, or give escalationApprovers as [].");
            if (escalation is not null && escalators.Count == 0)
                throw Unsupported($"{st}: escalation is enabled but escalationApprovers lists nobody", "escalationApprovers",
                    "List the escalation approvers, or set isEscalationEnabled to false.");
            // Graph has no quorum: a stage of the same approvers keeps the quorum the store gave it (PimModule's own, as
            // its rule ApprovalStages_PimModule); any other stage is Graph's, where the first approver decides.
            var now = i < p.Stages.Count ? p.Stages[i] : null;
            var same = now is not null && now.Approvers.Count == primary.Count && !now.Approvers.Except(primary, Principal.Comparer).Any();
            read.Add(new RolePolicy.ApprovalStageRule(primary, same ? now!.RequiredApprovals : 1, escalators, escalation));
        }
        if (justification is { } j) p.RequireApproverJustification = j;
        StageSettings.Set(p, read);
    }

    /// <summary>A stage's primaryApprovers or escalationApprovers: single users by object id, as their UPNs.</summary>
    private static List<string> Approvers(JsonNode? node, string st, string member, DirectoryMap directory)
    {
        if (node is null) return [];
        if (node is not JsonArray list) throw Invalid($"{st}: {member} is not a list.", st);
        var approvers = new List<string>();
        foreach (var item in list)
        {
            if (item is not JsonObject a) throw Invalid($"{st}: an approver is not an object.", st);
            var type = Text(a, "@odata.type", st);
            if (string.Equals(type, GroupMembers, StringComparison.OrdinalIgnoreCase))
                throw PimErrors.DirectoryObjectUnsupported($"{st}: the approver is a group ({GroupMembers}, group {Text(a, "groupId", st)}); group membership is not modelled, " +
                    "so PimModule cannot tell who may approve.", Text(a, "groupId", st), "Name the group's members as single users (#microsoft.graph.singleUser) instead.");
            if (!string.Equals(type, SingleUser, StringComparison.OrdinalIgnoreCase))
                throw Unsupported($"{st}: an approver is '{Validation.Input.Preview(type ?? "(no @odata.type)")}'; PimModule holds single users ({SingleUser})",
                    member, $"Give each approver as {{\"@odata.type\": \"{SingleUser}\", \"userId\": \"<object id>\"}}.");
            Members(a, st, "userId", "description", "isBackup");
            if (Bool(a, "isBackup", st) == true)
                throw Unsupported($"{st}: a backup approver; PimModule has no backup approvers", "isBackup", "Set isBackup to false.");
            var userId = Text(a, "userId", st);
            if (!Guid.TryParse(userId, out var uid)) throw Invalid($"{st}: the approver's userId '{Validation.Input.Preview(userId ?? "")}' is not an object id.", userId);
            var upn = directory.UpnOf(uid, $"{st}: the approver");
            // Graph's description of a user is its label (the display name): one that says something else would be lost.
            if (Text(a, "description", st) is { Length: > 0 } description && !string.Equals(description, directory.ById(uid)?.DisplayName, StringComparison.OrdinalIgnoreCase)
                && !string.Equals(description, upn, StringComparison.OrdinalIgnoreCase))
                throw Unsupported($"{st}: the approver {uid} is described as '{Validation.Input.Preview(description)}', which is neither their display name nor their UPN; PimModule keeps no description of its own",
                    "description", "Leave out the approver's description, or import the user's display name (Import-PimDirectoryObject).");
            approvers.Add(upn);
        }
        if (approvers.GroupBy(Principal.Fold).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw Unsupported($"{st}: {member} lists {twice.Key} twice", member, "List each approver once.");
        return approvers;
    }

    private static void CheckTarget(JsonNode node, RuleShape shape, string at)
    {
        if (node is not JsonObject t) throw Invalid($"{at}: target is not an object.", shape.Id);
        var ta = $"{at}, target";
        Members(t, ta, "caller", "operations", "level", "inheritableSettings", "enforcedSettings", "targetObjects");
        if (Text(t, "caller", ta) is { } caller && !string.Equals(caller, shape.Caller, StringComparison.OrdinalIgnoreCase))
            throw Unsupported($"{ta}: caller is '{Validation.Input.Preview(caller)}', but {shape.Id} is the {shape.Caller} rule", $"{shape.Id}.target.caller", $"Set caller to {shape.Caller}.");
        if (Text(t, "level", ta) is { } level && !string.Equals(level, shape.Level, StringComparison.OrdinalIgnoreCase))
            throw Unsupported($"{ta}: level is '{Validation.Input.Preview(level)}', but {shape.Id} is the {shape.Level} rule", $"{shape.Id}.target.level", $"Set level to {shape.Level}.");
        if (Strings(t, "operations", ta) is { } ops && !(ops.Count == 1 && string.Equals(ops[0], "all", StringComparison.OrdinalIgnoreCase)))
            throw Unsupported($"{ta}: operations is [{string.Join(", ", ops)}]; PimModule's rules apply to all operations", $"{shape.Id}.target.operations", "Set operations to [\"All\"].");
        foreach (var name in new[] { "inheritableSettings", "enforcedSettings", "targetObjects" })
            if (t[name] is { } list && list is not JsonArray)
                throw Invalid($"{ta}: {name} is {Kind(list)}; Graph's {name} is a list.", name);
            else if (t[name] is JsonArray { Count: > 0 })
                throw Unsupported($"{ta}: {name} is not empty; PimModule has no inherited or enforced settings", $"{shape.Id}.target.{name}", $"Give {name} as [].");
    }
}
