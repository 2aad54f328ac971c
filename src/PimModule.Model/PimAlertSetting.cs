namespace PimModule;

/// <summary>An alert type's thresholds and whether it is on.</summary>
public sealed class PimAlertSetting
{
    public string AlertType { get; init; } = "";
    public bool Enabled { get; init; } = true;
    public int? Threshold { get; init; }
    public int? Percentage { get; init; }
    public TimeSpan? Window { get; init; }
}
