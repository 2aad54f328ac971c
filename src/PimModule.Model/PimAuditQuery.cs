namespace PimModule;

/// <summary>Filters of Get-PimAuditLog; all optional.</summary>
public sealed class PimAuditQuery
{
    public DateTime? Since { get; init; }
    public DateTime? Until { get; init; }
    public string? Principal { get; init; }
    public Guid? RoleId { get; init; }
    public string[]? Actions { get; init; }
    public int? First { get; init; }
}
