using PimModule.Policy;

namespace PimModule.Audit.Events;

/// <summary>
/// A role's settings changed: before and after as <see cref="RolePolicy.Describe"/> says them; the after also carries the
/// rules themselves (<see cref="RulesKey"/>: ruleId → JSON), so the verified state replays the policy exactly.
/// </summary>
internal abstract record RoleSettingChange(Guid Role, RolePolicy Was, RolePolicy Is) : AuditEvent
{
    /// <summary>The key of a RoleSetting record's rules (their JSON, ruleId → value), beside the settings it describes.</summary>
    public const string RulesKey = "$Rules";

    public sealed override string TargetType => "RoleSetting";
    public sealed override string? TargetId => Role.ToString("D");
    public sealed override Guid? RoleId => Role;
    public sealed override object? Before => Was.Describe();

    public sealed override object? After
    {
        get
        {
            var described = Is.Describe();
            described[RulesKey] = System.Text.Json.JsonSerializer.Serialize(Is.ToRules().ToDictionary(r => r.RuleId, r => r.Json, StringComparer.Ordinal));
            return described;
        }
    }

    /// <summary>What a RoleSetting record holds: the settings it describes, and the rules (null: a record of an earlier PimModule, without them).</summary>
    public static (SortedDictionary<string, string> Described, string? Rules)? Read(string? json)
    {
        if (EventJson.Read<SortedDictionary<string, string>>(json) is not { } described) return null;
        described.Remove(RulesKey, out var rules);
        return (described, rules);
    }

    /// <summary>How each settings cmdlet's change is recorded (its audit action): what the services pass, so that no action is a string.</summary>
    public static readonly Func<Guid, RolePolicy, RolePolicy, RoleSettingChange> Updated = (r, was, @is) => new RoleSettingUpdated(r, was, @is),
        Reset = (r, was, @is) => new RoleSettingReset(r, was, @is), Copied = (r, was, @is) => new RoleSettingCopied(r, was, @is),
        Imported = (r, was, @is) => new RoleSettingImported(r, was, @is), Applied = (r, was, @is) => new RoleSettingApplied(r, was, @is);
}

internal sealed record RoleSettingUpdated(Guid Role, RolePolicy Was, RolePolicy Is) : RoleSettingChange(Role, Was, Is)
{ public const string Name = "UpdateRoleSetting"; public override string Action => Name; }

internal sealed record RoleSettingReset(Guid Role, RolePolicy Was, RolePolicy Is) : RoleSettingChange(Role, Was, Is)
{ public const string Name = "ResetRoleSetting"; public override string Action => Name; }

internal sealed record RoleSettingCopied(Guid Role, RolePolicy Was, RolePolicy Is) : RoleSettingChange(Role, Was, Is)
{ public const string Name = "CopyRoleSetting"; public override string Action => Name; }

internal sealed record RoleSettingImported(Guid Role, RolePolicy Was, RolePolicy Is) : RoleSettingChange(Role, Was, Is)
{ public const string Name = "ImportRoleSetting"; public override string Action => Name; }

/// <summary>Invoke-PimConfiguration set a role's settings as its file declares them.</summary>
internal sealed record RoleSettingApplied(Guid Role, RolePolicy Was, RolePolicy Is) : RoleSettingChange(Role, Was, Is)
{ public const string Name = "ApplyConfiguration"; public override string Action => Name; }

internal sealed record AlertSettingUpdated(string AlertType, PimAlertSetting Was, PimAlertSetting Is) : AuditEvent
{
    public override string Action => "UpdateAlertSetting";
    public override string TargetType => "AlertSetting";
    public override string? TargetId => AlertType;
    public override object? Before => Was;
    public override object? After => Is;
}

/// <summary>The mail settings changed (the password never: only whether one is set).</summary>
internal sealed record MailSettingUpdated(PimMailSetting Was, PimMailSetting Is) : AuditEvent
{
    public const string Name = "UpdateMailSetting";
    public override string Action => Name;
    public override string TargetType => "MailSetting";
    public override string? TargetId => null;
    public override object? Before => Was;
    public override object? After => Is;
}

/// <summary>A directory object (a user) as an import keeps it: one id is one UPN.</summary>
internal sealed record DirectoryObjectView(Guid? Id, string? UserPrincipalName, string? DisplayName);

internal sealed record DirectoryObjectImported(DirectoryObjectView Object) : AuditEvent
{
    public const string Name = "ImportDirectoryObject";
    public override string Action => Name;
    public override string TargetType => "DirectoryObject";
    public override string? TargetId => Object.Id?.ToString("D");
    public override string? Principal => Object.UserPrincipalName;
    public override object? After => Object;
}

internal sealed record RoleView(string Name, Guid Id, string? Description, bool IsBuiltIn, bool IsPrivileged)
{
    public static RoleView Of(PimRole r) => new(r.Name, r.Id, r.Description, r.IsBuiltIn, r.IsPrivileged);
}

internal sealed record RoleAdded(PimRole Role) : AuditEvent
{
    public override string Action => "AddRole";
    public override string TargetType => "Role";
    public override string? TargetId => Role.Id.ToString("D");
    public override Guid? RoleId => Role.Id;
    public override object? After => RoleView.Of(Role);
}

internal sealed record RoleRemoved(PimRole Role) : AuditEvent
{
    public override string Action => "RemoveRole";
    public override string TargetType => "Role";
    public override string? TargetId => Role.Id.ToString("D");
    public override Guid? RoleId => Role.Id;
    public override object? Before => RoleView.Of(Role);
    public override object? After => null;
}

/// <summary>A queued notice as a Verified store's log keeps it: its id and digest (the sender sends only these).</summary>
internal sealed record QueuedNotice(Guid? Id, string? Digest)
{
    /// <summary>A notification record's payload: the notices it queued (null when it is not a list of them).</summary>
    public static List<QueuedNotice?>? ReadList(string? json) => EventJson.ReadPlain<List<QueuedNotice?>>(json, PlainList);

    private static readonly byte[][] Names = EventJson.Names(nameof(Id), nameof(Digest));

    /// <summary>A list of notices in the plain form (<see cref="EventJson.ReadPlain"/>): as the serializer reads it.</summary>
    private static bool PlainList(ref System.Text.Json.Utf8JsonReader r, out List<QueuedNotice?>? list)
    {
        list = null;
        if (r.TokenType != System.Text.Json.JsonTokenType.StartArray) return false;
        var read = new List<QueuedNotice?>();
        while (r.Read())
        {
            switch (r.TokenType)
            {
                case System.Text.Json.JsonTokenType.EndArray:
                    list = read;
                    return true;
                case System.Text.Json.JsonTokenType.Null:
                    read.Add(null);
                    continue;
                case System.Text.Json.JsonTokenType.StartObject:
                    Guid? id = null;
                    string? digest = null;
                    var seen = 0;
                    while (true)
                    {
                        if (!EventJson.PlainProperty(ref r, Names, ref seen, out var i)) return false;
                        if (i == -1) break;
                        if (!(i == 0 ? EventJson.PlainGuid(ref r, out id) : EventJson.PlainText(ref r, out digest))) return false;
                    }
                    read.Add(new QueuedNotice(id, digest));
                    continue;
                default:
                    return false;
            }
        }
        return false;
    }
}

/// <summary>The notices a change queued (written directly: a bulk batch queues thousands).</summary>
internal sealed record NotificationsQueued(RawJson Notices) : AuditEvent
{
    public const string Name = "QueueNotifications";
    public override string Action => Name;
    public override string TargetType => "Notification";
    public override string? TargetId => null;
    public override object? After => Notices;

    public static RawJson Write(IEnumerable<(Guid Id, string Digest)> notices)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        using (var w = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            foreach (var (id, digest) in notices)
            {
                w.WriteStartObject();
                w.WriteString("Id", id);
                w.WriteString("Digest", digest);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        return new RawJson(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
    }
}

internal sealed record MfaRegistration(string Principal, string Method, bool LockLifted);

internal sealed record MfaMethodRegistered(string Owner, bool LockLifted) : AuditEvent
{
    public override string Action => "RegisterMfaMethod";
    public override string TargetType => "MfaMethod";
    public override string? TargetId => Owner;
    public override string? Principal => Owner;
    public override object? After => new MfaRegistration(Owner, "TOTP", LockLifted);
}

/// <summary>A refused MFA code, as the log keeps it (the RepeatedMfaFailures alert reads <see cref="LockedUntil"/>).</summary>
internal sealed record MfaRefusal(string? Principal, string? Purpose, string? Role, string? Reason, int? FailedInARow, int? Lockouts, DateTime? LockedUntil);

internal sealed record MfaFailed(Guid Role, MfaRefusal Failure) : AuditEvent
{
    public const string Name = "MfaFailed";
    public override string Action => Name;
    public override string TargetType => "MfaMethod";
    public override string? TargetId => Failure.Principal;
    public override Guid? RoleId => Role;
    public override string? Principal => Failure.Principal;
    public override object? After => Failure;
}

/// <summary>A principal's first refused self-service write in a window (PimRateLimited).</summary>
internal sealed record RateLimit(string Principal, string Refused, int Writes, string Window, DateTime RetryAfter);

internal sealed record RateLimited(RateLimit Limit) : AuditEvent
{
    public const string Name = "RateLimited";
    public override string Action => Name;
    public override string TargetType => "Principal";
    public override string? TargetId => Limit.Principal;
    public override string? Principal => Limit.Principal;
    public override object? After => Limit;
}
