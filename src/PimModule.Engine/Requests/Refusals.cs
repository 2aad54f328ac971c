using PimModule.Errors;

namespace PimModule.Requests;

/// <summary>Refusals shared by the request paths (admin assignments, activation, approval).</summary>
internal static class Refusals
{
    public static PimException JustificationRequired(string role, string setting) => PimErrors.JustificationRequired($"The settings of '{role}' require a justification ({setting}).", role, "Give -Justification with the reason.");
}
