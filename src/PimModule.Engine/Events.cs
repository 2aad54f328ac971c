using PimModule.Storage;

namespace PimModule;

/// <summary>What happens after a change in the same transaction (notifications are queued here when they exist).</summary>
internal static class Events
{
    public static void AssignmentCreated(UnitOfWork work, AssignmentRow row, PimRole role) { }
}
