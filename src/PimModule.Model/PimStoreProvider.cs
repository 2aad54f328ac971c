namespace PimModule;

public enum PimStoreProvider
{
    Sqlite,
    PostgreSql,
}
