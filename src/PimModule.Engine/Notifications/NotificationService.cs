using PimModule.Checkpoint;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using PimModule.Identity;
using PimModule.Storage;
using PimModule.Audit.Events;
using PimModule.Audit;
using PimModule.Errors;
using PimModule.MultiFactor;
using PimModule.Policy;
using PimModule.Validation;

namespace PimModule.Notifications;

/// <summary>Filters of Get-PimNotification.</summary>
public sealed class PimNotificationQuery
{
    public string? Recipient { get; init; }
    public PimNotificationStatus[]? Status { get; init; }
    public Guid? RequestId { get; init; }
    public int? First { get; init; }
}

/// <summary>What Set-PimMailSetting names; null = leave as it is.</summary>
public sealed class PimMailSettingUpdate
{
    public string? SmtpServer { get; init; }
    public int? Port { get; init; }
    public string? From { get; init; }
    public bool? UseSsl { get; init; }
    public string? UserName { get; init; }
    /// <summary>The password (plain text only in memory; stored encrypted). An empty string removes it.</summary>
    public string? Password { get; init; }
    /// <summary>Let the login travel without TLS when the server offers none (off unless an administrator says so).</summary>
    public bool? AllowInsecureAuthentication { get; init; }
    /// <summary>Verified stores: the principal whose keys the password is encrypted to (who sends); by default the one who sets it.</summary>
    public string? Mailer { get; init; }
}

/// <summary>The outbox: reading it, the mail settings, and delivering over SMTP (MailKit) with retries.</summary>
public sealed class NotificationService
{
    /// <summary>Delivery attempts before a message is Failed; the wait doubles each time from one minute.</summary>
    public const int MaxAttempts = 5;
    public static readonly TimeSpan ClaimLifetime = TimeSpan.FromMinutes(10);

    private readonly StoreSession _store;
    internal NotificationService(StoreSession store) => _store = store;

    private static PimNotification ToNotification(UnitOfWork work, NotificationsTable.Row row)
        => row.ToNotification(row.RoleId is { } id && RolesTable.Names(work).TryGetValue(id, out var name) ? name : null);

    public IEnumerable<PimNotification> Query(PimNotificationQuery q)
    {
        var recipientKey = q.Recipient is { } rcp ? Principal.Fold(Input.Text(rcp, "Recipient", Input.MailAddressLength)!) : null;
        var statuses = q.Status is { Length: > 0 } st ? st.Distinct().Select(s => s.ToString()).ToList() : null;
        return _store.Stream(work =>
        {
            RolesTable.Names(work); // read before the stream holds the connection's reader
            // Everyone reads the mail queued for them; the roles that read PIM read everyone's (docs/security.md).
            var key = recipientKey;
            if (!Authorization.ReadsEverything(work))
            {
                var me = Principal.Fold(work.Actor);
                if (key is not null && key != me) return Enumerable.Empty<PimNotification>();
                key = me;
            }
            return NotificationsTable.Query(work, key, q.RequestId, statuses, q.First).Select(r => ToNotification(work, r));
        });
    }

    // ---- mail settings -----------------------------------------------------------------------------

    private const string Prefix = "mail.";
    private const string PasswordKey = Prefix + "password";

    public PimMailSetting GetMailSetting() => _store.Read(ReadMail);

    /// <summary>The mail settings as the store holds them (Test-PimAuditLog compares them with the sealed ones).</summary>
    internal static PimMailSetting ReadMailSetting(UnitOfWork work) => ReadMail(work);

    private static PimMailSetting ReadMail(UnitOfWork work)
    {
        var values = StoreInfoTable.WithPrefix(work, Prefix).ToDictionary(x => x.Key[Prefix.Length..], x => x.Value);
        return new PimMailSetting
        {
            SmtpServer = values.GetValueOrDefault("smtp_server"),
            Port = int.TryParse(values.GetValueOrDefault("port"), out var p) ? p : 25,
            From = values.GetValueOrDefault("from"),
            UseSsl = values.GetValueOrDefault("use_ssl") == "True",
            UserName = values.GetValueOrDefault("user_name"),
            HasPassword = values.ContainsKey("password"),
            Mailer = values.GetValueOrDefault("mailer"),
            AllowInsecureAuthentication = values.GetValueOrDefault("allow_insecure_auth") == "True",
        };
    }

    public PimMailSetting? SetMailSetting(PimMailSettingUpdate u, Func<PimChange, bool>? confirm = null) => _store.Change(
        work =>
        {
            Input.Text(u.SmtpServer, "SmtpServer", Input.HostNameLength);
            Input.Text(u.From, "From", Input.MailAddressLength);
            Input.Text(u.UserName, "UserName", Input.UserNameLength);
            Input.Text(u.Password, "Password", Input.PasswordLength, secret: true);
            if (u.Mailer is not null) Principal.Validate(u.Mailer, "Mailer");
            if (u.Mailer is not null && u.Password is null)
                throw PimErrors.MailSettingInvalid("-Mailer names whose keys the SMTP password is encrypted to: give it with -Credential.", u.Mailer,
                    "Give -Credential (the SMTP login) with -Mailer.");
            Authorization.RequireRoleAdministrator(work, "change the mail settings");
            if (u.Port is { } port && (port < 1 || port > 65535))
                throw PimErrors.MailSettingInvalid($"Port {port} is not a TCP port.", port, "Give -Port 1 to 65535 (25, 465 or 587 usually).");
            if (u.From is { } from && !RolePolicy.IsMailAddress(from))
                throw PimErrors.MailSettingInvalid($"'{from}' is not an e-mail address (addresses are ASCII).", from, "Give -From as pim@contoso.com.");
            if (u.SmtpServer is { } server && (server.Trim().Length == 0 || server.Any(char.IsWhiteSpace)))
                throw PimErrors.MailSettingInvalid($"'{server}' is not a host name.", server, "Give -SmtpServer as smtp.contoso.com or an IP address.");
            return ReadMail(work);
        },
        before => new PimChange(u.SmtpServer ?? before.SmtpServer ?? "(mail)", "Set mail settings"),
        (work, before) =>
        {
            void Put(string key, string? value)
            {
                if (value is null) return;
                if (value.Length == 0) StoreInfoTable.Delete(work, Prefix + key);
                else StoreInfoTable.Put(work, Prefix + key, value);
            }
            Put("smtp_server", u.SmtpServer?.Trim());
            Put("port", u.Port?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Put("from", u.From?.Trim());
            Put("use_ssl", u.UseSsl?.ToString());
            Put("user_name", u.UserName);
            Put("allow_insecure_auth", u.AllowInsecureAuthentication?.ToString());
            if (u.Password is not null)
            {
                var plain = System.Text.Encoding.UTF8.GetBytes(u.Password);
                var context = SecretProtector.MailPasswordContext(Mfa.StoreId(work));
                // A Verified store encrypts it to the mailer's own keys: only the mailer, acting with their key, sends with it.
                var mailer = work.IdentityMode == PimIdentityMode.Verified && u.Password.Length > 0 ? Principal.Validate(u.Mailer ?? work.Actor, "Mailer") : null;
                Put("password", u.Password.Length == 0 ? ""
                    : mailer is not null ? KeySecrets.Protect(work, mailer, plain, context) : SecretProtector.Protect(plain, context));
                if (mailer is not null) Put("mailer", mailer);
                else StoreInfoTable.Delete(work, Prefix + "mailer");
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(plain);
            }
            var after = ReadMail(work);
            AuditLog.Append(work, new MailSettingUpdated(before, after));
            return after;
        },
        confirm);

    /// <summary>Re-encrypts a legacy (unbound) SMTP password bound to this store, when this process can read it (migration 5).</summary>
    internal static void BindLegacyPassword(UnitOfWork work)
    {
        if (StoreInfoTable.Get(work, PasswordKey) is not { } stored || !SecretProtector.IsLegacy(stored)) return;
        var context = SecretProtector.MailPasswordContext(Mfa.StoreId(work));
        if (SecretProtector.TryUnprotect(stored, context) is { } plain)
            StoreInfoTable.Replace(work, PasswordKey, SecretProtector.Protect(plain, context));
    }

    // ---- delivery ----------------------------------------------------------------------------------

    /// <summary>What one Send-PimNotification call did.</summary>
    public sealed record SendResult(int Sent, int Retrying, int Failed, IReadOnlyList<PimNotification> Messages);

    /// <summary>
    /// Delivers due pending messages over SMTP. Messages are claimed first (so two senders at once never send
    /// one twice), sent one by one, and each marked Sent, or rescheduled with a doubling wait, or Failed after
    /// <see cref="MaxAttempts"/> attempts, with the reason.
    /// </summary>
    public SendResult Send(int max = 500, Action<int, int>? progress = null, CancellationToken cancel = default)
    {
        var mail = GetMailSetting();
        if (string.IsNullOrEmpty(mail.SmtpServer) || string.IsNullOrEmpty(mail.From))
            throw PimErrors.MailNotConfigured("No mail server is configured, so notifications cannot be sent.", null,
                "Configure it first: Set-PimMailSetting -SmtpServer smtp.contoso.com -Port 587 -From pim@contoso.com [-UseSsl] [-Credential (Get-Credential)]");
        // The outbox holds everyone's mail (others' justifications too): only the named mailer or a principal who reads
        // everything sends it, claims it and sees what was sent (issue 28, review of finding 13).
        _store.Read(w =>
        {
            if (!Principal.Same(mail.Mailer, w.Actor) && !Authorization.ReadsEverything(w))
                throw PimErrors.NotAuthorized($"'{w.Actor}' may not send the notifications: the outbox holds everyone's mail. Sending needs the " +
                    "mailer named in the mail settings, or an active assignment at directory scope '/' of a role that reads PIM (Privileged Role " +
                    "Administrator, Global Administrator, Security Administrator, Security Operator, Security Reader or Global Reader) now. Nothing was sent.",
                    w.Actor, $"Send as {(mail.Mailer is null ? "an administrator or a Security Reader" : $"the mailer {mail.Mailer}")} (Connect-PimStore -Principal), " +
                    "e.g. from a scheduled runbook; Get-PimNotification shows your own mail.");
            return true;
        });
        // In a Verified store the mail settings are the ones an administrator sealed, or nothing is sent: a writer to the
        // store cannot point the sender (and its login) at a server of their own.
        // (The settings compared are the very ones this call sends with: no second read between the check and the use.)
        if (_store.Verified is not null && !_store.Read(w => w.VerifiedNow()!.Mail() is { } sealedMail && sealedMail == AuditLog.ToJson(mail)))
            throw PimErrors.StoreTampered(
                "The mail settings in the store are not the ones an administrator sealed in the verified log (they were changed around PimModule). Nothing was sent.",
                mail.SmtpServer, "Run Test-PimAuditLog; an administrator sets the mail settings again with Set-PimMailSetting.");
        // In a Verified store the password is read first: a sender who cannot read it (not the mailer) claims nothing.
        byte[]? password = null;
        var (stored, context) = mail.HasPassword
            ? _store.Read(w => (StoreInfoTable.Get(w, PasswordKey), SecretProtector.MailPasswordContext(Mfa.StoreId(w))))
            : (null, "");
        if (stored is not null && (KeySecrets.IsKeySecret(stored) || _store.IdentityMode == PimIdentityMode.Verified))
        {
            password = KeySecrets.TryUnprotect(_store.CredentialKey, stored, context)
                ?? throw PimErrors.SecretUnreadable(
                    KeySecrets.IsKeySecret(stored)
                        ? $"The SMTP password is encrypted to the keys of the mailer {mail.Mailer}; {_store.Principal}, acting with key {_store.CredentialThumbprint}, cannot read it. Nothing was sent."
                        : "The SMTP password of this Verified store is kept under the shared key, which a Verified store does not read. Nothing was sent.",
                    mail.Mailer, $"Send as the mailer ({mail.Mailer ?? "set one"}: Connect-PimStore -Principal {mail.Mailer ?? "<mailer>"}), or set the login again with Set-PimMailSetting -Credential [-Mailer].");
            stored = null;
        }

        var token = Guid.NewGuid().ToString("N");
        var unverified = new HashSet<Guid>();
        var claimed = _store.Write(work =>
        {
            var rows = NotificationsTable.Claim(work, token, work.Now + ClaimLifetime, max);
            // Verified stores: only messages a verified change queued, as it queued them, are sent.
            if (work.VerifiedNow() is { } verified)
                foreach (var r in rows)
                    if (!verified.HasNotification(r.NotificationId, VerifiedState.Digest(r.NotificationId, r.Recipient, r.Subject, r.Body, r.Event, r.Critical)))
                        unverified.Add(r.NotificationId);
            return rows.ConvertAll(r => ToNotification(work, r));
        });
        if (claimed.Count == 0) return new SendResult(0, 0, 0, []);

        if (stored is not null)
        {
            password = SecretProtector.Unprotect(stored, context, "SMTP password");
            if (SecretProtector.IsLegacy(stored)) // written before secrets were bound to their store: bind it now
            {
                var rebound = SecretProtector.Protect(password, context);
                _store.Write(w => StoreInfoTable.Replace(w, PasswordKey, rebound, expected: stored));
            }
        }

        var user = mail.UserName is { Length: > 0 } u && password is not null ? u : null;
        PimException? insecure = null;
        int sent = 0, retrying = 0, failed = 0, done = 0;
        var results = new List<PimNotification>();
        // Certificate validation stays MailKit's default (the system's trusted roots, the host name): never turned off.
        using var client = new SmtpClient { Timeout = 30000 };
        foreach (var n in claimed)
        {
            if (cancel.IsCancellationRequested) break; // unsent claims lapse and are picked up again
            string? error = null;
            try
            {
                if (unverified.Contains(n.NotificationId))
                    throw PimErrors.StoreTampered("This message was not queued by a verified change (it was written into the outbox around PimModule), so it is not sent.",
                        n.NotificationId, "Run Test-PimAuditLog and find out who wrote to the store outside PimModule.");
                if (insecure is not null) throw insecure; // the same server, the same answer: not asked again in this run
                if (!client.IsConnected) Connect(client, mail, user, password, cancel);
                var message = new MimeMessage();
                message.From.Add(MailboxAddress.Parse(mail.From));
                message.To.Add(MailboxAddress.Parse(n.Recipient));
                message.Subject = n.Subject;
                if (n.Critical) message.Importance = MessageImportance.High;
                message.Headers.Add("X-PIM-Notification", n.NotificationId.ToString());
                message.Body = new TextPart("plain") { Text = n.Body };
                client.Send(message, cancel);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                if (e is PimException refused && refused.ErrorId == PimErrors.IdOf(nameof(PimErrors.MailInsecure))) insecure = refused;
                error = e is PimException p ? $"{p.ErrorId}: {p.Message} {p.RecommendedAction}" : e.Message;
                if (client.IsConnected) try { client.Disconnect(true); } catch (Exception) { /* reconnect next time */ }
            }
            var outcome = _store.Write(work =>
            {
                if (error is null)
                {
                    NotificationsTable.MarkSent(work, n.NotificationId, token);
                    return PimNotificationStatus.Sent;
                }
                var attempts = n.Attempts + 1;
                var final = attempts >= MaxAttempts || unverified.Contains(n.NotificationId);
                NotificationsTable.MarkFailed(work, n.NotificationId, token, final ? PimNotificationStatus.Failed : PimNotificationStatus.Pending,
                    attempts, work.Now + TimeSpan.FromMinutes(Math.Pow(2, attempts - 1)), error);
                return final ? PimNotificationStatus.Failed : PimNotificationStatus.Pending;
            });
            switch (outcome)
            {
                case PimNotificationStatus.Sent: sent++; break;
                case PimNotificationStatus.Failed: failed++; break;
                default: retrying++; break;
            }
            progress?.Invoke(++done, claimed.Count);
            results.Add(_store.Read(w => ToNotification(w, NotificationsTable.ById(w, n.NotificationId)
                ?? throw new InvalidOperationException($"Notification {n.NotificationId} vanished while it was claimed."))));
        }
        if (client.IsConnected) try { client.Disconnect(true); } catch (Exception) { /* closing only */ }
        return new SendResult(sent, retrying, failed, results);
    }

    /// <summary>
    /// Connects and logs in. A login (user name and password) never travels without TLS: with -UseSsl TLS starts
    /// with the first byte; else STARTTLS is required when there is a login (a server that does not offer it is
    /// refused before AUTH), unless the administrator allowed it (-AllowInsecureAuthentication). Without a login,
    /// STARTTLS is used when the server offers it.
    /// </summary>
    private static void Connect(SmtpClient client, PimMailSetting mail, string? user, byte[]? password, CancellationToken cancel)
    {
        var requireTls = user is not null && !mail.AllowInsecureAuthentication;
        var security = mail.UseSsl ? SecureSocketOptions.SslOnConnect
            : requireTls ? SecureSocketOptions.StartTls
            : SecureSocketOptions.StartTlsWhenAvailable;
        try
        {
            client.Connect(mail.SmtpServer!, mail.Port, security, cancel);
        }
        catch (NotSupportedException) when (requireTls)
        {
            throw Insecure(mail); // MailKit's word for "no STARTTLS offered": nothing was sent but EHLO
        }
        if (user is null) return;
        if (requireTls && !client.IsSecure)
        {
            client.Disconnect(true);
            throw Insecure(mail);
        }
        client.Authenticate(user, System.Text.Encoding.UTF8.GetString(password!), cancel);
    }

    private static PimException Insecure(PimMailSetting mail) => PimErrors.MailInsecure($"The SMTP server {mail.SmtpServer}:{mail.Port} offers no TLS (no STARTTLS), so the login of '{mail.UserName}' was not sent and the message was not delivered.",
        mail.SmtpServer,
        "Use a server or port with TLS: Set-PimMailSetting -Port 587 (STARTTLS) or -Port 465 -UseSsl; or, only on a network you trust, " +
        "let the password travel in clear text with Set-PimMailSetting -AllowInsecureAuthentication.");
}
