using PimModule.Audit;
using PimModule.Audit.Events;
using PimModule.Checkpoint;
using PimModule.Errors;
using PimModule.Identity;
using PimModule.Identity.Keys;
using PimModule.MultiFactor;
using PimModule.Storage;

namespace PimModule;

/// <summary>What opening a store established of its identity: its id, mode and root, and the acting principal's key (Verified).</summary>
internal sealed record StoreIdentityState(string StoreId, PimIdentityMode Mode, string? RootThumbprint, string? RootPrincipalKey, PimKey? Key,
    VerifiedPoint? Point, VerifiedState? Verified = null);

/// <summary>
/// A session on an open store: who acts, on which store, with which key and verified state — and the command runner, where
/// every read and change of the store runs, in one unit of work, retried on transient conflicts. Services take this, not
/// the whole <see cref="PimStore"/>.
/// </summary>
internal sealed class StoreSession : IDisposable
{
    private const int MaxAttempts = 12;
    private static long _retries;

    public StoreSession(IStoreProvider provider, string principal, TimeProvider clock, StoreIdentityState identity)
    {
        Provider = provider;
        Principal = principal;
        Clock = clock;
        Identity = identity;
        // What the verified state verifies, the session has verified: the user's pin follows (SaveTrust, after each command).
        if (identity is { Verified: { } verified, Point: { } point }) verified.Advanced = point.Advance;
    }

    /// <summary>Transient conflicts (busy, locked, serialization failures) retried inside the engine by this process.</summary>
    public static long RetriedConflicts => Interlocked.Read(ref _retries);

    public IStoreProvider Provider { get; }
    public StoreIdentityState Identity { get; }
    public string Principal { get; }
    public TimeProvider Clock { get; }
    public DateTime UtcNow => Clock.GetUtcNow().UtcDateTime;
    public string StoreId => Identity.StoreId;
    public PimIdentityMode IdentityMode => Identity.Mode;
    public string Location => Provider.Location;

    /// <summary>The verified state this session answers from (Verified stores; null in a Lab store).</summary>
    public VerifiedState? Verified => Identity.Verified;

    /// <summary>The root key's thumbprint and its principal as the verified log names them (Verified stores; null in a Lab store).</summary>
    public string? RootThumbprint => Identity.RootThumbprint;
    public string? RootPrincipalKey => Identity.RootPrincipalKey;

    /// <summary>The acting principal's key thumbprint (Verified stores).</summary>
    public string? CredentialThumbprint => Identity.Key?.Thumbprint;

    /// <summary>The acting principal's key (Verified stores): it reads what is encrypted to them (their MFA secret; the SMTP password, for the mailer).</summary>
    public PimKey? CredentialKey => Identity.Key;

    /// <summary>
    /// A change with a -WhatIf/-Confirm point: <paramref name="plan"/> validates (authorization, policy) and
    /// describes the change; with a <paramref name="confirm"/> callback it runs first on a read, so a refusal
    /// or a "no" changes nothing and holds no lock while a person answers; then plan and apply run together
    /// in one write transaction.
    /// </summary>
    internal T? Change<TPlan, T>(Func<UnitOfWork, TPlan> plan, Func<TPlan, PimChange> describe,
        Func<UnitOfWork, TPlan, T> apply, Func<PimChange, bool>? confirm) where T : class
    {
        if (confirm is not null && !confirm(describe(Read(plan)))) return null;
        return Write(work => apply(work, plan(work)));
    }

    /// <summary>A unit of work of this store: its mode, and in a Verified store the acting key that seals what it writes.</summary>
    private UnitOfWork NewWork(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? tx, DateTime now, CommandCache? cache = null,
        bool verify = true)
    {
        var work = new UnitOfWork(connection, tx, Principal, now, cache)
        {
            IdentityMode = Identity.Mode,
            Verified = Identity.Verified,
            Sealer = tx is not null && Identity.Key is { } key ? new Sealer(key, Identity.StoreId, Identity.Point!) : null,
        };
        // A Verified store makes no day-to-day change with a login that owns its schema or is a superuser (PostgreSQL): it
        // could drop the store's own checks. Migrations are the owner's job, and are let through.
        if (tx is not null && Identity.Mode == PimIdentityMode.Verified && !_migrating && OwnerLogin(connection))
            throw PimErrors.StoreOwnerLogin(
                $"This PostgreSQL login owns the store's schema (or is a superuser): in a Verified store it could drop the checks that keep the store's time " +
                "and history, so it makes no day-to-day change. Nothing was changed.", Location,
                "Connect with a login that does not own the store (the writer login: SELECT, INSERT, UPDATE, DELETE on its tables; see the README's PostgreSQL " +
                "section). Keep the owner login for creating the tables and for migrations.");
        // A Verified store's unit of work first verifies what was appended since this session last looked (one query when
        // nothing was), whatever it goes on to read: an answer never rests on a head the session has not verified, and
        // what it verified is pinned at the command's end — a later rollback is refused.
        if (verify) work.VerifiedNow();
        return work;
    }

    /// <summary>
    /// A read that does not verify the log first (Get-PimAuditLog, Test-PimAuditLog, Export-PimAuditLog): the log is read as
    /// it is, to show and check it — including a log that no longer verifies. Nothing read this way is believed.
    /// </summary>
    internal T ReadLog<T>(Func<UnitOfWork, T> read) => Run(Provider, Identity.Mode, () =>
    {
        using var connection = Provider.OpenConnection();
        return read(NewWork(connection, null, UtcNow, verify: false));
    });

    /// <summary>Runs a read in its own unit of work (no transaction).</summary>
    internal T Read<T>(Func<UnitOfWork, T> read) => Run(Provider, Identity.Mode, () =>
    {
        using var connection = Provider.OpenConnection();
        return read(NewWork(connection, null, UtcNow));
    });

    /// <summary>
    /// As <see cref="Read{T}(Func{UnitOfWork, T})"/>, with the questions <paramref name="ahead"/> names sent ahead: on
    /// PostgreSQL in the one round trip that also reads the store's recorded head (<see cref="UnitOfWork.ReadAhead"/>), instead
    /// of a round trip for the head and one per question. The read asks its questions as ever; those sent ahead are answered
    /// from the batch when the verified state stood at the head read with them.
    /// </summary>
    internal T Read<T>(Func<UnitOfWork, T> read, Func<UnitOfWork, IReadOnlyList<AheadQuery>> ahead) => Run(Provider, Identity.Mode, () =>
    {
        using var connection = Provider.OpenConnection();
        var work = NewWork(connection, null, UtcNow, verify: false);
        work.ReadAhead(Provider.Kind == PimStoreProvider.PostgreSql ? ahead(work) : []);
        return read(work);
    });

    /// <summary>Runs a change in one write transaction; a refusal (exception) rolls everything back.</summary>
    internal T Write<T>(Func<UnitOfWork, T> change) => Run(Provider, Identity.Mode, () =>
    {
        using var connection = Provider.OpenConnection();
        var (transaction, now) = Provider.BeginWrite(connection, Clock);
        using var tx = transaction;
        var work = NewWork(connection, tx, now);
        T result;
        try
        {
            result = change(work);
        }
        catch (MfaFailure failure)
        {
            // The one refusal that changes the store: the refused MFA code is counted and audited (written before
            // anything else of the call), committed, and then the call is refused.
            work.Commit();
            throw failure.Refusal;
        }
        catch (Policy.RecordedRefusal recorded)
        {
            // A self-service write over its limit: the one RateLimited record of the window is committed, then refused.
            work.Commit();
            throw recorded.Refusal;
        }
        work.Commit();
        return result;
    });

    /// <summary>Streams a query's rows on one connection held while the caller enumerates.</summary>
    internal IEnumerable<T> Stream<T>(Func<UnitOfWork, IEnumerable<T>> query)
    {
        using var connection = Run(Provider, Provider.OpenConnection);
        var work = NewWork(connection, null, UtcNow);
        using var items = Told(() => query(work).GetEnumerator());
        while (Told(items.MoveNext)) yield return items.Current;
    }

    /// <summary>
    /// A step of a stream the caller enumerates (no retry: a reader is not read twice), with a stored value that does not
    /// read told as <see cref="Run{T}(IStoreProvider, PimIdentityMode, Func{T})"/> tells it.
    /// </summary>
    private T Told<T>(Func<T> step)
    {
        try
        {
            return step();
        }
        catch (PimStoreException e) when (Identity.Mode == PimIdentityMode.Verified && StoredValue.IsInvalid(e) && e.ErrorId == PimErrors.IdOf(nameof(PimErrors.StoreCorrupt)))
        {
            throw StoredValue.Tampered(e);
        }
        catch (System.Data.DataException e) when (StoredValue.FromReader(e) is { } unread)
        {
            throw Identity.Mode == PimIdentityMode.Verified ? StoredValue.Tampered(unread) : unread;
        }
        catch (InvalidOperationException e) when (StoredValue.FromMaterialization(e) is { } unread)
        {
            throw Identity.Mode == PimIdentityMode.Verified ? StoredValue.Tampered(unread) : unread;
        }
    }

    internal System.Data.Common.DbConnection OpenConnectionWithRetry() => Run(Provider, Provider.OpenConnection);

    /// <summary>Begins a write transaction on a held connection (bulk paths), retrying while the store is busy.</summary>
    internal (System.Data.Common.DbTransaction, UnitOfWork) BeginWithRetry(System.Data.Common.DbConnection connection, CommandCache? cache = null)
        => Run(Provider, () =>
        {
            var (tx, now) = Provider.BeginWrite(connection, Clock);
            return (tx, NewWork(connection, tx, now, cache));
        });

    internal PimException? TranslateError(Exception e) => Provider.Translate(e);

    internal static T Run<T>(IStoreProvider provider, Func<T> action) => Run(provider, PimIdentityMode.Lab, action);

    /// <summary>
    /// Runs <paramref name="action"/>, retrying while the store is busy. A stored value that does not read
    /// (<see cref="StoredValue"/>) is PimStoreCorrupt in a Lab store and PimStoreTampered in a Verified one: never a raw
    /// .NET exception (Dapper's own conversions included).
    /// </summary>
    internal static T Run<T>(IStoreProvider provider, PimIdentityMode mode, Func<T> action)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return action();
            }
            catch (PimStoreException e) when (mode == PimIdentityMode.Verified && StoredValue.IsInvalid(e) && e.ErrorId == PimErrors.IdOf(nameof(PimErrors.StoreCorrupt)))
            {
                throw StoredValue.Tampered(e);
            }
            catch (PimException)
            {
                throw;
            }
            catch (System.Data.DataException e) when (StoredValue.FromReader(e) is { } unread)
            {
                throw mode == PimIdentityMode.Verified ? StoredValue.Tampered(unread) : unread;
            }
            catch (InvalidOperationException e) when (StoredValue.FromMaterialization(e) is { } unread)
            {
                throw mode == PimIdentityMode.Verified ? StoredValue.Tampered(unread) : unread;
            }
            catch (Exception e) when (provider.IsTransient(e) && attempt < MaxAttempts)
            {
                Interlocked.Increment(ref _retries);
                Thread.Sleep(Random.Shared.Next(5, 20) * attempt); // back off; a bounded number of tries
            }
            catch (Exception e) when (provider.Translate(e) is { } translated)
            {
                throw translated;
            }
        }
    }

    /// <summary>
    /// A Verified store whose schema is older than this module's: migrated as an administrator's sealed change (the acting
    /// principal's, verified as an administrator inside the transaction; a MigrateSchema record names the versions and the
    /// migrations). Anyone else is refused, and nothing is changed: an administrator opens it with this version first.
    /// </summary>
    internal void MigrateSealed(int from) => MigrateSealed(from, null);

    /// <summary>As <see cref="MigrateSealed(int)"/>, with the migrations to run given (xunit runs one of its own).</summary>
    internal void MigrateSealed(int from, IReadOnlyList<Migration>? migrations)
    {
        _migrating = true;
        try { MigrateSealedAs(from, migrations); }
        finally { _migrating = false; }
    }

    /// <summary>True while this session migrates the schema (the owner's job, let through by the owner-login check).</summary>
    private bool _migrating;

    private bool? _ownerLogin;

    /// <summary>Whether this session's login owns the store (asked once, on the first write's connection).</summary>
    private bool OwnerLogin(System.Data.Common.DbConnection connection) => _ownerLogin ??= Provider.LoginOwnsStore(connection);

    private void MigrateSealedAs(int from, IReadOnlyList<Migration>? migrations)
    {
        Write(work =>
        {
            Authorization.RequireRoleAdministrator(work, $"migrate this Verified store's schema from version {from} (an administrator's sealed change)");
            Provider.LockForMigration(work);
            var current = Migrator.ReadVersion(Provider, work);
            var ran = migrations ?? Migrator.Apply(Provider, work, current);
            if (migrations is not null)
                foreach (var m in migrations.Where(m => m.Version > current))
                {
                    work.Execute(m.Sql, new { });
                    SchemaVersionTable.Insert(work, m.Version, m.Description);
                }
            if (ran.Count == 0) return 0;
            StoreOpening.UpgradeStore(work, current);
            AuditLog.Append(work, new SchemaMigrated(StoreId, current, new SchemaMigration(ran.Max(m => m.Version), ran.Select(m => $"{m.Version:0000} {m.Description}").ToArray())));
            return ran.Count;
        });
    }


    public void Dispose()
    {
        Identity.Key?.Dispose();
        Identity.Verified?.Dispose();
        Provider.Dispose();
    }
}
