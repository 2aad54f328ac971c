namespace PimModule;

public sealed class PimAccessResult
{
    public string Principal { get; init; } = "";
    public string Role { get; init; } = "";
    public Guid RoleId { get; init; }
    public string Scope { get; init; } = "/";
    public DateTime AsOf { get; init; }
    public bool HasAccess { get; init; }
    public PimAccessReason Reason { get; init; }
    /// <summary>The assignment that grants the role (or the nearest miss), if any.</summary>
    public PimAssignment? Assignment { get; init; }
    public Guid? AssignmentId => Assignment?.AssignmentId;
    public string Detail { get; init; } = "";

    public override string ToString() => Detail;
}
