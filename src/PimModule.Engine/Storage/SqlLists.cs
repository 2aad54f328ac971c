using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Npgsql;

namespace PimModule.Storage;

/// <summary>
/// <c>IN @list</c> on both providers. Dapper expands a list parameter into <c>IN (@list1, @list2 …)</c>, except on Npgsql,
/// whose connections it knows to take arrays (Dapper's FeatureSupport): there it binds the whole list as one array,
/// and <c>IN $1</c> is a syntax error. On PostgreSQL the statement is therefore rewritten to <c>= ANY(@list)</c>, which takes
/// that array. Lists bound this way hold text (pass ids and enums as strings).
/// </summary>
internal static partial class SqlLists
{
    private static readonly ConcurrentDictionary<string, string> Rewritten = new(StringComparer.Ordinal);

    [GeneratedRegex(@"\bIN\s+@(\w+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex InList();

    /// <summary>The statement for this unit of work's provider.</summary>
    public static string For(UnitOfWork work, string sql) => work.Connection is NpgsqlConnection
        ? Rewritten.GetOrAdd(sql, s => InList().Replace(s, "= ANY(@$1)"))
        : sql;
}
