namespace PimModule;

/// <summary>Why a principal does or does not hold a role at a time and scope (Test-PimAccess -Detailed).</summary>
public enum PimAccessReason
{
    /// <summary>An active assignment covers the time and scope.</summary>
    Granted,
    /// <summary>No assignment of the role at all.</summary>
    NoAssignment,
    /// <summary>Only eligible: the role must be activated first.</summary>
    EligibleOnly,
    /// <summary>An active assignment exists but starts later.</summary>
    Scheduled,
    /// <summary>The active assignment has ended.</summary>
    Expired,
    /// <summary>Active at another scope that does not cover the one asked.</summary>
    OtherScope,
    /// <summary>
    /// Verified stores: the store holds an assignment that would grant it, but the verified log does not (it was written,
    /// restored or changed around the module), so it counts for nothing.
    /// </summary>
    Unverified,
}
