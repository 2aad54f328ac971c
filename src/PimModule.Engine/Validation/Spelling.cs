namespace PimModule.Validation;

/// <summary>"Did you mean": the known name closest to a misspelt one (CSV columns, desired-state keys, roles, values).</summary>
public static class Spelling
{
    /// <summary>The known name within a small edit distance of <paramref name="name"/> (any letter case), or null.</summary>
    public static string? Closest(string name, IEnumerable<string> known)
        => name.Length > 64 ? null : known.Select(k => (k, d: Distance(name.ToLowerInvariant(), k.ToLowerInvariant())))
            .Where(x => x.d <= Math.Max(2, name.Length / 4)).OrderBy(x => x.d).Select(x => x.k).FirstOrDefault();

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }
}
