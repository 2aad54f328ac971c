using Dapper;

namespace PimModule.Storage;

/// <summary>
/// A query a read will ask, sent ahead in the round trip that checks a Verified store's head (PostgreSQL: one batch, one
/// snapshot; <see cref="StoreSession.Read{T}(Func{UnitOfWork, T}, Func{UnitOfWork, IReadOnlyList{AheadQuery}})"/>). Its
/// rows are handed to the read when it asks the very same statement with equal parameters (<see cref="UnitOfWork.Query{T}"/>),
/// once; a question asked differently runs as it would have. It changes how the rows travel, never which rows a read
/// believes: the read judges them as it judges rows it queried itself.
/// </summary>
internal sealed class AheadQuery
{
    private AheadQuery(string sql, object param, bool first, Func<SqlMapper.GridReader, object?> read)
    {
        Sql = sql;
        Param = param;
        First = first;
        ReadFrom = read;
    }

    /// <summary>The statement, exactly as the table runs it.</summary>
    public string Sql { get; }

    /// <summary>Its parameters: an anonymous object of the table's, compared by value (arrays are not: give scalars).</summary>
    public object Param { get; }

    /// <summary>True for a <see cref="UnitOfWork.QueryFirstOrDefault{T}"/> question; false for <see cref="UnitOfWork.Query{T}"/>.</summary>
    public bool First { get; }

    /// <summary>Reads this statement's result from the batch (its rows as the table's question would have them).</summary>
    internal Func<SqlMapper.GridReader, object?> ReadFrom { get; }

    /// <summary>The rows of <see cref="UnitOfWork.Query{T}"/>(sql, param).</summary>
    public static AheadQuery Rows<T>(string sql, object param) => new(sql, param, false, g => g.Read<T>().AsList());

    /// <summary>The row of <see cref="UnitOfWork.QueryFirstOrDefault{T}"/>(sql, param).</summary>
    public static AheadQuery FirstOrDefault<T>(string sql, object param) => new(sql, param, true, g => g.ReadFirstOrDefault<T>());

    /// <summary>True when a table asks this statement with these parameters (the same SQL text; parameters equal by value).</summary>
    public bool Answers(string sql, object? param, bool first)
        => first == First && param is not null && string.Equals(sql, Sql, StringComparison.Ordinal) && param.GetType() == Param.GetType() && param.Equals(Param);
}
