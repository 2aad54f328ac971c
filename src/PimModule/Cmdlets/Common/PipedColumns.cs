using System.Management.Automation;

namespace PimModule.Cmdlets.Common;

/// <summary>Refuses piped objects (CSV rows, hashtables turned objects) with columns the cmdlet does not know.</summary>
internal static class PipedColumns
{
    private sealed record Column(string Parameter, string[] Aliases, Func<object, object?> Value, Type Type,
        ArgumentTransformationAttribute[] Transforms);

    private sealed record Shape(HashSet<string> Known, Column[] Columns);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(Type, string), Shape> Shapes = new();

    /// <summary>The shape asked for last (a bulk import asks for the same one every row, with the same array).</summary>
    private sealed record Last(Type Cmdlet, IEnumerable<string> AlsoKnown, Shape Shape);

    private static Last? _last;

    private static Shape ShapeOf(PSCmdlet cmdlet, IEnumerable<string> alsoKnown)
    {
        if (_last is { } last && last.Cmdlet == cmdlet.GetType() && ReferenceEquals(last.AlsoKnown, alsoKnown)) return last.Shape;
        var shape = NewShape(cmdlet, alsoKnown);
        _last = new Last(cmdlet.GetType(), alsoKnown, shape);
        return shape;
    }

    private static Shape NewShape(PSCmdlet cmdlet, IEnumerable<string> alsoKnown) => Shapes.GetOrAdd((cmdlet.GetType(), string.Join(",", alsoKnown)), _ =>
    {
        var known = new HashSet<string>(alsoKnown, StringComparer.OrdinalIgnoreCase);
        var columns = new List<Column>();
        foreach (var p in cmdlet.MyInvocation.MyCommand.Parameters.Values)
        {
            known.Add(p.Name);
            foreach (var a in p.Aliases) known.Add(a);
            if (!p.ParameterSets.Values.Any(s => s.ValueFromPipelineByPropertyName)) continue;
            var property = cmdlet.GetType().GetProperty(p.Name);
            if (property is null) continue;
            columns.Add(new Column(p.Name, p.Aliases.ToArray(), Getter(property), Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType,
                p.Attributes.OfType<ArgumentTransformationAttribute>().ToArray()));
        }
        return new Shape(known, columns.ToArray());
    });

    /// <summary>A parameter's value as the cmdlet holds it (boxed), through a compiled getter: read for every column of every row.</summary>
    private static Func<object, object?> Getter(System.Reflection.PropertyInfo property)
    {
        var target = System.Linq.Expressions.Expression.Parameter(typeof(object));
        var body = System.Linq.Expressions.Expression.Convert(
            System.Linq.Expressions.Expression.Property(System.Linq.Expressions.Expression.Convert(target, property.DeclaringType!), property), typeof(object));
        return System.Linq.Expressions.Expression.Lambda<Func<object, object?>>(body, target).Compile();
    }

    // A PSCustomObject's columns are its instance members. Walking PSObject.Properties builds a merged view of
    // every adapter per call (~20 µs a row in a bulk import); the instance members are a plain list.
    private static readonly Func<PSObject, IEnumerable<PSMemberInfo>>? InstanceMembers = BindInstanceMembers();

    private static Func<PSObject, IEnumerable<PSMemberInfo>>? BindInstanceMembers()
    {
        var property = typeof(PSObject).GetProperty("InstanceMembers",
            System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public);
        if (property?.GetMethod is null) return null;
        try
        {
            // A delegate to the getter (its collection type is internal: returned as object), not a reflection call per row.
            var get = (Func<PSObject, object?>)property.GetMethod.CreateDelegate(typeof(Func<PSObject, object?>));
            return o => get(o) as IEnumerable<PSMemberInfo> ?? [];
        }
        catch (ArgumentException)
        {
            return o => property.GetValue(o) as IEnumerable<PSMemberInfo> ?? [];
        }
    }

    private static readonly HashSet<string> Intrinsic = new(["psobject", "pstypenames", "psbase", "psadapted", "psextended"], StringComparer.OrdinalIgnoreCase);

    private static IEnumerable<PSPropertyInfo> NoteProperties(PSObject input)
    {
        if (InstanceMembers is not null)
        {
            IEnumerable<PSMemberInfo>? members = null;
            try { members = InstanceMembers(input); } catch (Exception) { /* fall back below */ }
            // PowerShell's intrinsic members (pstypenames, …) are not columns: binding a role object from the pipeline
            // (ValueFromPipeline with coercion) adds pstypenames to the instance members of the row it tried.
            if (members is not null) return members.OfType<PSPropertyInfo>().Where(p => !Intrinsic.Contains(p.Name));
        }
        return input.Properties.Where(p => !Intrinsic.Contains(p.Name));
    }

    public static void Check(PSCmdlet cmdlet, PSObject? input, IEnumerable<string> alsoKnown) => Check(cmdlet, input, alsoKnown, null, null, 0);

    /// <summary>The row's columns, kept between the rows of one thread (a bulk import checks every row).</summary>
    [ThreadStatic] private static Dictionary<string, PSPropertyInfo>? _columns;

    /// <summary>
    /// <see cref="Check(PSCmdlet, PSObject?, IEnumerable{string})"/>, then — with <paramref name="store"/> —
    /// <see cref="CheckRoleColumns"/>, over one reading of the row's columns (the bulk path does both for every row).
    /// Give <paramref name="alsoKnown"/> as the same array every row.
    /// </summary>
    public static void Check(PSCmdlet cmdlet, PSObject? input, IEnumerable<string> alsoKnown, PimStore? store, Dictionary<string, PimRole?>? resolved, long row)
    {
        if (input?.BaseObject is not PSCustomObject) return; // module objects carry only known properties
        var shape = ShapeOf(cmdlet, alsoKnown);
        List<string>? unknown = null;
        var columns = _columns ??= new Dictionary<string, PSPropertyInfo>(StringComparer.OrdinalIgnoreCase);
        columns.Clear();
        List<(string Column, string Text)>? roles = null;
        foreach (var p in NoteProperties(input))
        {
            columns[p.Name] = p;
            if (!shape.Known.Contains(p.Name)) (unknown ??= []).Add(p.Name);
            if (store is not null && RoleColumn(p) is { } given) (roles ??= []).Add(given);
        }
        if (unknown is not null)
        {
            var hints = unknown.Take(10).Select(u => Spelling.Closest(u, shape.Known) is { } s ? $"'{Input.Preview(u)}' (did you mean '{s}'?)" : $"'{Input.Preview(u)}'");
            throw PimErrors.InputColumnUnknown($"The input has column(s) {string.Join(", ", hints)} that {cmdlet.MyInvocation.MyCommand.Name} does not know; the row was not applied.",
                input, "Fix the column names (they are the parameter names), or remove the columns.");
        }
        CheckValuesBound(shape, cmdlet, input, columns);
        columns.Clear();
        if (store is not null) CheckRoles(store, input, roles, resolved!, row);
    }

    /// <summary>A role column (Role, RoleName, RoleId) that holds text: its name and the text, trimmed.</summary>
    private static (string Column, string Text)? RoleColumn(PSPropertyInfo p)
    {
        if (!RoleColumns.Contains(p.Name, StringComparer.OrdinalIgnoreCase)) return null;
        var text = p.Value is PSObject ps ? ps.BaseObject?.ToString() : p.Value?.ToString();
        return string.IsNullOrWhiteSpace(text) ? null : (p.Name, text.Trim());
    }

    /// <summary>Null, an empty list, or a list of nothing but nulls (a PSObject unwrapped).</summary>
    private static bool NothingIn(object? value)
    {
        if (value is PSObject ps)
        {
            value = ps.BaseObject;
            // An empty pipeline result ($() of nothing) stored in a property: a PSObject of no properties that -eq $null.
            if (value is PSCustomObject) return !NoteProperties(ps).Any();
        }
        if (value is null || value == System.Management.Automation.Internal.AutomationNull.Value) return true;
        if (value is string) return false;
        if (value is System.Collections.IEnumerable list)
        {
            foreach (var item in list)
                if (!NothingIn(item)) return false;
            return true;
        }
        return false;
    }

    private static readonly string[] RoleColumns = ["Role", "RoleName", "RoleId"];

    /// <summary>
    /// A row that names its role twice (Role or RoleName, and RoleId — as Get-PimAssignment | Export-Csv writes) must name
    /// one role: PowerShell binds one of the columns and ignores the other, so an edited row would silently be applied to
    /// the role of whichever column won. Names are resolved once per command (<paramref name="resolved"/>).
    /// </summary>
    public static void CheckRoleColumns(PimStore store, PSObject? input, Dictionary<string, PimRole?> resolved, long row)
    {
        if (input?.BaseObject is not PSCustomObject) return;
        List<(string Column, string Text)>? given = null;
        foreach (var p in NoteProperties(input))
            if (RoleColumn(p) is { } g) (given ??= []).Add(g);
        CheckRoles(store, input, given, resolved, row);
    }

    private static void CheckRoles(PimStore store, PSObject input, List<(string Column, string Text)>? given, Dictionary<string, PimRole?> resolved, long row)
    {
        if (given is not { Count: > 1 }) return;
        PimRole? RoleOf(string text)
        {
            if (resolved.TryGetValue(text, out var r)) return r;
            try { r = store.Roles.Resolve(new PimRoleReference(text)); }
            catch (PimException) { r = null; } // a role that does not exist is refused by the command itself, naming it
            return resolved[text] = r;
        }
        var roles = given.Select(g => (g.Column, g.Text, Role: RoleOf(g.Text))).ToList();
        var first = roles[0];
        foreach (var other in roles.Skip(1))
        {
            if (first.Role is null || other.Role is null || first.Role.Id == other.Role.Id) continue;
            throw PimErrors.InputColumnsConflict(
                $"Row {row}: its {first.Column} '{Input.Preview(first.Text)}' ('{first.Role.Name}', {first.Role.Id:D}) and its {other.Column} " +
                $"'{Input.Preview(other.Text)}' ('{other.Role.Name}', {other.Role.Id:D}) name different roles; the row was not applied.", input,
                $"Make {first.Column} and {other.Column} name the same role, or remove one of the two columns.");
        }
    }

    /// <summary>
    /// PowerShell skips, silently, a column whose value it cannot convert to the parameter's type (an unknown
    /// enum name): refuse the row instead, naming the column, the value and what is expected. Only parameters
    /// left unbound are looked at (the pipeline-bound ones are reset after every row, see PimCmdlet).
    /// </summary>
    private static void CheckValuesBound(Shape shape, PSCmdlet cmdlet, PSObject input, Dictionary<string, PSPropertyInfo> columns)
    {
        foreach (var c in shape.Columns)
        {
            if (c.Value(cmdlet) is not null and not SwitchParameter) continue; // bound from this row
            columns.TryGetValue(c.Parameter, out var column);
            if (column is null)
                foreach (var alias in c.Aliases)
                    if (columns.TryGetValue(alias, out column)) break;
            // A scope column that is present but bound nothing — null, an empty list or [null] (PowerShell skips a value it
            // cannot bind, and binds nothing for an empty pipeline result) — is refused, never taken as '/' (issue 28, finding 3).
            if (column is not null && c.Parameter == "Scope" && NothingIn(column.Value))
                throw PimErrors.ScopeInvalid($"The input's {column.Name} column is present but holds nothing (null, an empty list or [null]). " +
                    "A scope that is given empty is not taken as the whole directory: only a scope left out is '/'; the row was not applied.", input,
                    "Give '/' for the whole directory, or a path such as '/administrativeUnits/<id>'; or leave the column out.");
            if (column?.Value is null || (column.Value is string text && text.Trim().Length == 0)) continue;
            try
            {
                object? value = column.Value;
                foreach (var t in c.Transforms) value = t.Transform(null!, value);
                if (value is not null) LanguagePrimitives.ConvertTo(value, c.Type, System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is PSInvalidCastException or ArgumentTransformationMetadataException or InvalidCastException or FormatException)
            {
                var type = c.Type;
                var expected = type.IsEnum ? "one of " + string.Join(", ", Enum.GetNames(type))
                    : type == typeof(bool) || type == typeof(SwitchParameter) ? "True or False"
                    : type == typeof(TimeSpan) ? "a duration such as 04:00:00, 4h or 90d"
                    : type == typeof(DateTime) ? "a date and time such as 2026-12-01T09:00:00Z"
                    : "a " + type.Name;
                throw PimErrors.InputValueInvalid($"The value '{Input.Preview(column.Value?.ToString() ?? "")}' of column '{Input.Preview(column.Name)}' is not valid for -{c.Parameter}: expected {expected}. The row was not applied.",
                    input, $"Correct the '{Input.Preview(column.Name)}' value.");
            }
        }
    }
}
