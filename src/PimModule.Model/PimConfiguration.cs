namespace PimModule;

/// <summary>How Invoke-PimConfiguration treats what the file does not declare.</summary>
public enum PimConfigurationMode
{
    /// <summary>Only adds and changes: settings not named and assignments not declared are left as they are.</summary>
    Delta,
    /// <summary>
    /// The file is the whole truth: a declared role's settings not named go back to Entra's defaults (then the template,
    /// then the role's own), and direct assignments not declared are removed — never a protected principal's, never the
    /// last administrator's, never activations.
    /// </summary>
    Initial,
}

/// <summary>One step of a desired-state plan: Action (SetPolicy, AddAssignment, UpdateAssignment, RemoveAssignment), Target, Before, After.</summary>
public sealed class PimConfigurationChange
{
    public string Action { get; init; } = "";
    public string Target { get; init; } = "";
    public string? Before { get; init; }
    public string? After { get; init; }

    public override string ToString() => $"{Action} {Target}";
}

