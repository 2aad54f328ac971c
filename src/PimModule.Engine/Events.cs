using PimModule.Storage;

namespace PimModule;

/// <summary>What happens after a change in the same transaction (notifications are queued here when they exist).</summary>
internal static class Events
{
    public static void AssignmentCreated(UnitOfWork work, AssignmentRow row, PimRole role) { }

    public static void RequestCreated(UnitOfWork work, RequestRow request, PimRole role) { }

    public static void RequestDecided(UnitOfWork work, RequestRow request, PimRole role) { }
}
