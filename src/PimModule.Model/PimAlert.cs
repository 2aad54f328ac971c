namespace PimModule;

/// <summary>An Entra PIM alert: what fired, what is behind it, and how to fix it.</summary>
public sealed class PimAlert
{
    public string AlertType { get; init; } = "";
    public string Severity { get; init; } = "";
    public string Description { get; init; } = "";
    public int Count { get; init; }
    /// <summary>The offending assignments (or requests), by id.</summary>
    public Guid[] AssignmentIds { get; init; } = [];
    public string[] Principals { get; init; } = [];
    public string[] Roles { get; init; } = [];
    public string Fix { get; init; } = "";
    public DateTime AsOf { get; init; }

    public override string ToString() => $"{AlertType}: {Description}";
}
