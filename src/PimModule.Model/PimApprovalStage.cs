using System.Collections.ObjectModel;
using System.Globalization;
using System.Text.Json;
using System.Xml;
using PimModule.Errors;

namespace PimModule;

/// <summary>
/// One stage of a role's activation approval (New-PimApprovalStage): who approves, how many of them must (a quorum),
/// and who may decide once the stage has gone EscalationAfter without its quorum. Stage 1's approvers are the role's
/// Approvers setting.
/// </summary>
public sealed class PimApprovalStage
{
    /// <summary>The stage's approvers (empty: the role's default approvers, Privileged Role Administrators and Global Administrators).</summary>
    public PimPrincipalList Approvers { get; init; } = new();
    /// <summary>How many distinct approvers must approve before the request moves on (1 by default).</summary>
    public int RequiredApprovals { get; init; } = 1;
    /// <summary>Who may decide once the stage has gone EscalationAfter without its quorum.</summary>
    public PimPrincipalList EscalationApprovers { get; init; } = new();
    /// <summary>After how long without its quorum escalation approvers may decide (null: no escalation).</summary>
    public TimeSpan? EscalationAfter { get; init; }

    public override string ToString()
        => $"{(Approvers.Count == 0 ? "default approvers" : Approvers.ToString())}, {RequiredApprovals} required" +
           (EscalationAfter is { } e ? $", then {EscalationApprovers} after {e:c}" : "");
}

/// <summary>A role's approval stages; Export-Csv writes them as one JSON column, which <see cref="Parse"/> reads back.</summary>
public sealed class PimApprovalStageList : ReadOnlyCollection<PimApprovalStage>
{
    public PimApprovalStageList(IList<PimApprovalStage> stages) : base(stages) { }

    public override string ToString() => JsonSerializer.Serialize(this.Select(s => new
    {
        Approvers = s.Approvers.ToArray(),
        s.RequiredApprovals,
        EscalationApprovers = s.EscalationApprovers.ToArray(),
        EscalationAfter = s.EscalationAfter?.ToString("c", CultureInfo.InvariantCulture),
    }));

    /// <summary>The longest JSON text read as stages (a CSV cell).</summary>
    public const int MaxJsonLength = 65536;

    private static readonly string[] Members = ["Approvers", "RequiredApprovals", "EscalationApprovers", "EscalationAfter"];

    /// <summary>
    /// Reads the JSON that <see cref="ToString"/> writes (one stage object or a list of them). Approvers may be a list or
    /// one 'a;b' text; EscalationAfter a time span ('00:30:00') or an ISO 8601 duration ('PT30M'). What is not that is
    /// refused with what to change (PimApprovalStagesInvalid); the values themselves are checked when they are set.
    /// </summary>
    public static PimApprovalStageList Parse(string json)
    {
        PimException Bad(string why) => PimErrors.ApprovalStagesInvalid($"The approval stages '{Preview(json)}' cannot be read: {why}.", null,
            "Give the stages as New-PimApprovalStage objects, or as the JSON Get-PimRoleSetting writes, for example " +
            "[{\"Approvers\":[\"a@contoso.com\"],\"RequiredApprovals\":1,\"EscalationApprovers\":[],\"EscalationAfter\":null}].");
        if (json.Length > MaxJsonLength) throw Bad($"it is longer than {MaxJsonLength} characters");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException) { throw Bad("it is not JSON"); }
        using (doc)
        {
            var root = doc.RootElement;
            var items = root.ValueKind switch
            {
                JsonValueKind.Array => root.EnumerateArray().ToList(),
                JsonValueKind.Object => [root],
                _ => throw Bad("it is neither a stage object nor a list of them"),
            };
            var stages = new List<PimApprovalStage>();
            foreach (var o in items)
            {
                if (o.ValueKind != JsonValueKind.Object) throw Bad("a stage is not an object");
                var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                foreach (var m in o.EnumerateObject())
                {
                    if (!Members.Contains(m.Name, StringComparer.OrdinalIgnoreCase)) throw Bad($"'{Preview(m.Name)}' is not a stage member (they are {string.Join(", ", Members)})");
                    if (!seen.Add(m.Name)) throw Bad($"'{m.Name}' is given twice");
                }
                JsonElement? Get(string name) => o.EnumerateObject().Where(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase))
                    .Select(m => (JsonElement?)m.Value).FirstOrDefault();
                PimPrincipalList List(string name) => Get(name) switch
                {
                    null => new(),
                    { ValueKind: JsonValueKind.Null } => new(),
                    { ValueKind: JsonValueKind.String } s => new(s.GetString()!.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)),
                    { ValueKind: JsonValueKind.Array } a => new(a.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : throw Bad($"{name} lists a value that is not text"))),
                    _ => throw Bad($"{name} is not a list of principals"),
                };
                int required = 1;
                switch (Get("RequiredApprovals"))
                {
                    case null or { ValueKind: JsonValueKind.Null }: break;
                    case { ValueKind: JsonValueKind.Number } n when n.TryGetInt32(out var i): required = i; break;
                    case { ValueKind: JsonValueKind.String } t when int.TryParse(t.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var i): required = i; break;
                    default: throw Bad("RequiredApprovals is not a whole number");
                }
                TimeSpan? after = Get("EscalationAfter") switch
                {
                    null or { ValueKind: JsonValueKind.Null } => null,
                    { ValueKind: JsonValueKind.String } t => Duration(t.GetString()!) ?? throw Bad($"EscalationAfter '{Preview(t.GetString()!)}' is not a time span such as '00:30:00' or PT30M"),
                    _ => throw Bad("EscalationAfter is not a time span"),
                };
                stages.Add(new PimApprovalStage { Approvers = List("Approvers"), RequiredApprovals = required, EscalationApprovers = List("EscalationApprovers"), EscalationAfter = after });
            }
            return new PimApprovalStageList(stages);
        }
    }

    private static TimeSpan? Duration(string text)
    {
        text = text.Trim();
        if (text.Length == 0) return null;
        if (TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out var c)) return c;
        if (text.StartsWith('P') || text.StartsWith('p'))
            try { return XmlConvert.ToTimeSpan(text.ToUpperInvariant()); }
            catch (FormatException) { return null; }
        return null;
    }

    private static string Preview(string? s)
    {
        s ??= "";
        var clean = new string(s.Select(ch => char.IsControl(ch) ? '?' : ch).ToArray());
        return clean.Length <= 80 ? clean : clean[..80] + "…";
    }
}

/// <summary>One decision on a request: which stage, who, what, why and when (Get-PimRequest's Approvals).</summary>
public sealed class PimApprovalDecision
{
    public int Stage { get; init; }
    public string Approver { get; init; } = "";
    /// <summary>Approve or Deny.</summary>
    public string Decision { get; init; } = "";
    public string? Justification { get; init; }
    public DateTime DateTime { get; init; }

    public override string ToString() => $"stage {Stage}: {Decision} by {Approver} at {DateTime:u}";
}

/// <summary>The decisions on a request; Export-Csv writes them as one JSON column.</summary>
public sealed class PimApprovalDecisionList : ReadOnlyCollection<PimApprovalDecision>
{
    public PimApprovalDecisionList(IList<PimApprovalDecision> decisions) : base(decisions) { }

    public override string ToString() => JsonSerializer.Serialize(this.Select(d => new
    {
        d.Stage, d.Approver, d.Decision, d.Justification, DateTime = d.DateTime.ToString("o", CultureInfo.InvariantCulture),
    }));
}
