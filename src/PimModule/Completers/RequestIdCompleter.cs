namespace PimModule.Completers;

/// <summary>Completes the ids of pending requests the acting principal made or may decide.</summary>
public sealed class RequestIdCompleter : PimArgumentCompleter
{
    protected override IEnumerable<(string Text, string Tooltip)> Candidates()
    {
        var store = Store;
        return store.Requests.Query(new PimRequestQuery { Status = [PimRequestStatus.PendingApproval] })
            .Where(r => Principal.Same(r.Principal, store.Principal))
            .Concat(store.Requests.Query(new PimRequestQuery { PendingMyApproval = true }))
            .DistinctBy(r => r.RequestId)
            .Select(r => (r.RequestId.ToString(), $"{r.Action} {r.Role} for {r.Principal} ({r.CreatedDateTime:u})"));
    }
}
