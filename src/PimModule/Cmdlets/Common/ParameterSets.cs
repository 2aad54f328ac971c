namespace PimModule.Cmdlets.Common;

/// <summary>
/// The parameter-set names of the cmdlets, written once. They are part of each cmdlet's syntax
/// (Get-Command -Syntax, $PSCmdlet.ParameterSetName): a name here never changes.
/// </summary>
internal static class ParameterSets
{
    /// <summary>Get-PimRole by name (wildcards).</summary>
    public const string Name = "Name";

    /// <summary>Get-PimRole, Get-PimAssignment: by id.</summary>
    public const string Id = "Id";

    /// <summary>Get-PimAssignment by principal, role, scope, type.</summary>
    public const string Filter = "Filter";

    /// <summary>Connect-PimStore without a store: the open one (or the default one), maybe as another principal.</summary>
    public const string Default = "Default";

    /// <summary>A SQLite file (Connect-PimStore, Copy-PimStore).</summary>
    public const string Path = "Path";

    /// <summary>A connection string (Connect-PimStore, Copy-PimStore).</summary>
    public const string ConnectionString = "ConnectionString";

    /// <summary>Update-PimAssignment: a new end time.</summary>
    public const string End = "End";

    /// <summary>Update-PimAssignment: a new duration.</summary>
    public const string Duration = "Duration";

    /// <summary>Update-PimAssignment: no end.</summary>
    public const string Permanent = "Permanent";

    /// <summary>Request-PimDeactivation, Request-PimExtension: one's assignment named by role and scope.</summary>
    public const string Role = "Role";

    /// <summary>Request-PimDeactivation, Request-PimExtension: one's assignment by id.</summary>
    public const string Assignment = "Assignment";

    /// <summary>Register-PimCredential: the key given as text, an object or a certificate.</summary>
    public const string PublicKey = "PublicKey";

    /// <summary>Register-PimCredential: the key given as the file Export-PimCredential wrote.</summary>
    public const string PublicKeyPath = "PublicKeyPath";
}
