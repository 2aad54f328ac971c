using PimModule.Identity.Keys;
using PimModule.Storage;
using PimModule.Audit.Events;
using PimModule.Errors;
using PimModule.MultiFactor;

namespace PimModule;

/// <summary>The command runner: every read and change of the store runs here, in one unit of work, retried on transient conflicts.</summary>
public sealed partial class PimStore
{
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
            IdentityMode = _identity.Mode,
            Verified = _identity.Verified,
            Sealer = tx is not null && _identity.Key is { } key ? new Sealer(key, _identity.StoreId, _identity.Point!) : null,
        };
        // A Verified store makes no day-to-day change with a login that owns its schema or is a superuser (PostgreSQL): it
        // could drop the store's own checks. Migrations are the owner's job, and are let through.
        if (tx is not null && _identity.Mode == PimIdentityMode.Verified && !_migrating && OwnerLogin(connection))
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
    internal T ReadLog<T>(Func<UnitOfWork, T> read) => Run(_provider, _identity.Mode, () =>
    {
        using var connection = _provider.OpenConnection();
        return read(NewWork(connection, null, UtcNow, verify: false));
    });

    /// <summary>Runs a read in its own unit of work (no transaction).</summary>
    internal T Read<T>(Func<UnitOfWork, T> read) => Run(_provider, _identity.Mode, () =>
    {
        using var connection = _provider.OpenConnection();
        return read(NewWork(connection, null, UtcNow));
    });

    /// <summary>Runs a change in one write transaction; a refusal (exception) rolls everything back.</summary>
    internal T Write<T>(Func<UnitOfWork, T> change) => Run(_provider, _identity.Mode, () =>
    {
        using var connection = _provider.OpenConnection();
        var (transaction, now) = _provider.BeginWrite(connection, Clock);
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
        using var connection = Run(_provider, _provider.OpenConnection);
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
        catch (PimStoreException e) when (_identity.Mode == PimIdentityMode.Verified && StoredValue.IsInvalid(e) && e.ErrorId == PimErrors.IdOf(nameof(PimErrors.StoreCorrupt)))
        {
            throw StoredValue.Tampered(e);
        }
        catch (System.Data.DataException e) when (StoredValue.FromReader(e) is { } unread)
        {
            throw _identity.Mode == PimIdentityMode.Verified ? StoredValue.Tampered(unread) : unread;
        }
        catch (InvalidOperationException e) when (StoredValue.FromMaterialization(e) is { } unread)
        {
            throw _identity.Mode == PimIdentityMode.Verified ? StoredValue.Tampered(unread) : unread;
        }
    }

    internal System.Data.Common.DbConnection OpenConnectionWithRetry() => Run(_provider, _provider.OpenConnection);

    /// <summary>Begins a write transaction on a held connection (bulk paths), retrying while the store is busy.</summary>
    internal (System.Data.Common.DbTransaction, UnitOfWork) BeginWithRetry(System.Data.Common.DbConnection connection, CommandCache? cache = null)
        => Run(_provider, () =>
        {
            var (tx, now) = _provider.BeginWrite(connection, Clock);
            return (tx, NewWork(connection, tx, now, cache));
        });

    internal PimException? TranslateError(Exception e) => _provider.Translate(e);

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
}
