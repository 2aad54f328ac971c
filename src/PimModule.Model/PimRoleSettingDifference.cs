namespace PimModule;

/// <summary>One setting that differs between two role settings (Compare-PimRoleSetting).</summary>
public sealed class PimRoleSettingDifference
{
    /// <summary>The role (or "Reference role ↔ Difference role" when two different roles are compared).</summary>
    public string Role { get; init; } = "";
    /// <summary>The setting's name (a Set-PimRoleSetting parameter, or Notification.&lt;Event&gt;.&lt;Recipient&gt;, or Role when a role is on one side only).</summary>
    public string Setting { get; init; } = "";
    public object? Reference { get; init; }
    public object? Difference { get; init; }

    public override string ToString() => $"{Role}: {Setting}";
}

