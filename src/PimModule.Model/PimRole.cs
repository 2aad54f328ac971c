namespace PimModule;

/// <summary>A directory role of the catalogue: a built-in Entra role (Id = its template id) or a custom one.</summary>
public sealed class PimRole
{
    public string Name { get; init; } = "";
    public Guid Id { get; init; }
    public string Description { get; init; } = "";
    public bool IsBuiltIn { get; init; }
    public bool IsPrivileged { get; init; }
    public DateTime CreatedDateTime { get; init; }
    public string CreatedBy { get; init; } = "";

    public override string ToString() => Name;
}
