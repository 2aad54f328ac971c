using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Lists eligible and active assignments: flat objects, as of now or -AsOf.</summary>
[Cmdlet(VerbsCommon.Get, "PimAssignment", DefaultParameterSetName = ParameterSets.Filter)]
[OutputType(typeof(PimAssignment))]
public sealed class GetPimAssignmentCommand : PimCmdlet
{
    [Parameter(Position = 0, ParameterSetName = ParameterSets.Filter, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(PrincipalCompleter))]
    public string? Principal { get; set; }

    [Parameter(Position = 1, ParameterSetName = ParameterSets.Filter, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("RoleName")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    public PimRoleReference[]? Role { get; set; }

    [Parameter(ParameterSetName = ParameterSets.Filter)]
    [ArgumentCompleter(typeof(ScopeCompleter))]
    public string? Scope { get; set; }

    [Parameter(ParameterSetName = ParameterSets.Filter)]
    public PimAssignmentType? Type { get; set; }

    [Parameter(ParameterSetName = ParameterSets.Filter)]
    public PimMemberType? MemberType { get; set; }

    /// <summary>Active (in force), Scheduled (starts later), Expired (ended within 30 days) or All; active and scheduled by default.</summary>
    [Parameter]
    public PimAssignmentState? State { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ParameterSets.Id, ValueFromPipelineByPropertyName = true)]
    public Guid AssignmentId { get; set; }

    /// <summary>
    /// Verified stores: list the rows the verified log does not hold as they are too; every object then carries Verified
    /// ($false: it grants nothing). Without it such rows are hidden, and the objects have the contract's columns only.
    /// </summary>
    [Parameter]
    public SwitchParameter IncludeUnverified { get; set; }

    /// <summary>The time the states are computed for (default: now).</summary>
    [Parameter]
    [DateTimeTransformation]
    public DateTime? AsOf { get; set; }

    protected override void ProcessPim()
    {
        var roleIds = RoleResolver.ResolveIds(this, Store, Role);
        if (roleIds is { Count: 0 }) return;
        var query = new PimAssignmentQuery
        {
            AssignmentId = ParameterSetName == ParameterSets.Id ? AssignmentId : null,
            Principal = Principal, RoleIds = roleIds, Scope = Scope, Type = Type, MemberType = MemberType,
            State = State ?? (ParameterSetName == ParameterSets.Id ? PimAssignmentState.All : null), AsOf = AsOf,
            IncludeUnverified = IncludeUnverified,
        };
        if (!IncludeUnverified)
        {
            foreach (var a in Store.Assignments.Query(query)) WriteObject(a);
            return;
        }
        // The contract's columns, and Verified: whether the verified log holds the row as it is (false: it grants nothing).
        foreach (var (a, verified) in Store.Assignments.QueryMarked(query))
        {
            var o = new PSObject(a);
            o.Properties.Add(new PSNoteProperty("Verified", verified));
            WriteObject(o);
        }
    }
}
