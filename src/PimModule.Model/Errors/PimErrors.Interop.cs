namespace PimModule.Errors;

internal static partial class PimErrors
{
    /// <summary>An Entra object id (of an approver, a principal, a recipient) that no imported directory object has.</summary>
    public static PimException DirectoryObjectNotFound(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.ObjectNotFound, message, target, recommendedAction, inner);

    /// <summary>A directory object that is not a user (a group, a service principal) or a groupMembers approver: group membership is not modelled.</summary>
    public static PimException DirectoryObjectUnsupported(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidData, message, target, recommendedAction, inner);

    /// <summary>A directory object whose id or UPN is already another's: one person never has two spellings.</summary>
    public static PimException DirectoryObjectConflict(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.ResourceExists, message, target, recommendedAction, inner);

    /// <summary>A value Graph can hold and the store cannot (on import), or a setting the store holds and Graph cannot (on a Graph export).</summary>
    public static PimException GraphValueUnsupported(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidData, message, target, recommendedAction, inner);

    /// <summary>
    /// A tenant policy id another role holds (the id it keeps, or its placeholder PimModule_&lt;roleId&gt;): one tenant policy
    /// is one role's, or a Graph export would send one role's settings to the other's policy.
    /// </summary>
    public static PimException GraphPolicyConflict(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.ResourceExists, message, target, recommendedAction, inner);

    /// <summary>A desired-state file (Invoke-PimConfiguration) with problems: every one is listed.</summary>
    public static PimException ConfigurationInvalid(string message, object? target = null, string? recommendedAction = null, Exception? inner = null)
        => Make(PimErrorCategory.InvalidData, message, target, recommendedAction, inner);
}
