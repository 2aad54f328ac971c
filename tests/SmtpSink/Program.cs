// SmtpSink: a loopback SMTP server for the Pester tests (see tests/Pester/SmtpSink.ps1).
//   dotnet SmtpSink.dll --port <n> --dir <folder> [--fail-first <k>] [--fail-file <path>]
//                       [--tls-cert <pfx> [--tls-password <p>]] [--crl <file> --crl-port <n>] [--log <file>]
// Every accepted message is written as <dir>/<timestamp>-<guid>.eml (raw MIME) plus a <same>.json sidecar.
// --fail-first k: the first k messages (DATA transactions) are refused with 451 and not written.
// --fail-file p: while file p exists every message is refused with 451.
// --tls-cert pfx: STARTTLS is offered with this certificate (PKCS#12, its key inside), and AUTH only after it;
//   without it the sink offers no STARTTLS and offers AUTH in clear text (the server a cautious client must refuse).
// --crl file --crl-port n: serves the CRL file over HTTP on 127.0.0.1:n (any path), for a test CA whose certificates
//   name http://127.0.0.1:n/… as their CRL distribution point (clients check revocation; nothing turns that off).
// --log file: one line per SMTP command the sink executed ("<session> <secure|plain> <COMMAND>"), and for every login
//   it received "AUTHENTICATE <secure|plain> <user> <password>": the tests read it to prove what reached the server.
// Prints "listening <port>" once the port accepts connections; runs until killed (SIGTERM/SIGINT exit cleanly).
using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.ComponentModel;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;

int port = 0, failFirst = 0;
string? dir = null, failFile = null, tlsCert = null, tlsPassword = null, logFile = null, crlFile = null;
int crlPort = 0;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--port": port = int.Parse(Next()); break;
        case "--dir": dir = Next(); break;
        case "--fail-first": failFirst = int.Parse(Next()); break;
        case "--fail-file": failFile = Next(); break;
        case "--tls-cert": tlsCert = Next(); break;
        case "--tls-password": tlsPassword = Next(); break;
        case "--log": logFile = Next(); break;
        case "--crl": crlFile = Next(); break;
        case "--crl-port": crlPort = int.Parse(Next()); break;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'.");
            Console.Error.WriteLine("usage: SmtpSink --port <n> --dir <folder> [--fail-first <k>] [--fail-file <path>] [--tls-cert <pfx> [--tls-password <p>]] [--crl <file> --crl-port <n>] [--log <file>]");
            return 2;
    }
}
if (port <= 0 || dir is null)
{
    Console.Error.WriteLine("usage: SmtpSink --port <n> --dir <folder> [--fail-first <k>] [--fail-file <path>] [--tls-cert <pfx> [--tls-password <p>]] [--crl <file> --crl-port <n>] [--log <file>]");
    return 2;
}
Directory.CreateDirectory(dir);

X509Certificate2? certificate = tlsCert is null ? null : X509CertificateLoader.LoadPkcs12FromFile(tlsCert, tlsPassword);
var options = new SmtpServerOptionsBuilder()
    .ServerName("localhost")
    .Endpoint(e =>
    {
        e.Endpoint(new IPEndPoint(IPAddress.Loopback, port))
            .IsSecure(false)
            .AuthenticationRequired(false)
            // Without a certificate: no STARTTLS, and AUTH PLAIN/LOGIN offered in clear text. With one: STARTTLS, AUTH after it.
            .AllowUnsecureAuthentication(certificate is null);
        if (certificate is not null) e.Certificate(certificate);
    })
    .Build();

var log = new SinkLog(logFile);
var services = new ServiceProvider();
services.Add(new SinkStore(dir, failFirst, failFile));
services.Add(new DelegatingUserAuthenticator((context, user, password) =>
{
    log.Write($"AUTHENTICATE {(context.Pipe?.IsSecure == true ? "secure" : "plain")} {user} {password}");
    return true; // any credentials are accepted
}));

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cts.Cancel(); });

if (crlFile is not null && crlPort > 0)
{
    var crl = File.ReadAllBytes(crlFile);
    var http = new HttpListener();
    http.Prefixes.Add($"http://127.0.0.1:{crlPort}/");
    http.Start();
    _ = Task.Run(async () =>
    {
        while (!cts.IsCancellationRequested)
        {
            HttpListenerContext request;
            try { request = await http.GetContextAsync(); }
            catch (Exception) { break; }
            log.Write($"CRL {request.Request.Url?.AbsolutePath}");
            request.Response.ContentType = "application/pkix-crl";
            request.Response.ContentLength64 = crl.Length;
            await request.Response.OutputStream.WriteAsync(crl);
            request.Response.Close();
        }
    });
}

var server = new SmtpServer.SmtpServer(options, services);
server.SessionCreated += (_, e) => e.Context.CommandExecuting += (_, c) =>
    log.Write($"{e.Context.SessionId:N} {(c.Context.Pipe?.IsSecure == true ? "secure" : "plain")} {c.Command.Name}");
var run = server.StartAsync(cts.Token);

// Report readiness only once the listener really accepts connections.
var deadline = DateTime.UtcNow.AddSeconds(20);
while (true)
{
    if (run.IsCompleted) { await run; Console.Error.WriteLine("The server stopped before listening."); return 1; }
    try
    {
        using var probe = new TcpClient();
        await probe.ConnectAsync(IPAddress.Loopback, port);
        break;
    }
    catch (SocketException) when (DateTime.UtcNow < deadline) { await Task.Delay(50); }
}
Console.WriteLine($"listening {port}");

try { await run; }
catch (OperationCanceledException) { }
Console.WriteLine("stopped");
return 0;

sealed class SinkStore(string dir, int failFirst, string? failFile) : MessageStore
{
    int _attempts;
    static readonly SmtpResponse Busy = new((SmtpReplyCode)451, "4.3.0 Mailbox busy, try again later (SmtpSink failure injection)");

    public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction,
        ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        int attempt = Interlocked.Increment(ref _attempts);
        if (attempt <= failFirst || (failFile is not null && File.Exists(failFile)))
        {
            Console.WriteLine($"refused {attempt}");
            return Busy;
        }

        byte[] raw = buffer.ToArray();
        var now = DateTime.UtcNow;
        string stem = Path.Combine(dir, $"{now:yyyyMMdd'T'HHmmssfffffff}-{Guid.NewGuid():N}");
        await File.WriteAllBytesAsync(stem + ".eml", raw, cancellationToken);

        string? subject = null, body = null;
        try
        {
            using var ms = new MemoryStream(raw);
            var mime = await MimeMessage.LoadAsync(ms, cancellationToken);
            subject = mime.Subject;
            body = mime.TextBody;
        }
        catch (FormatException) { }

        var sidecar = new
        {
            From = transaction.From is null ? "" : transaction.From.AsAddress(),
            To = transaction.To.Select(m => m.AsAddress()).ToArray(),
            Subject = subject,
            Body = body,
            User = context.Authentication.IsAuthenticated ? context.Authentication.User : null,
            Secure = context.Pipe?.IsSecure == true,
            ReceivedUtc = now.ToString("O"),
        };
        // Write the sidecar under a temporary name and rename it, so readers never see half a file.
        await File.WriteAllTextAsync(stem + ".json.tmp", JsonSerializer.Serialize(sidecar), cancellationToken);
        File.Move(stem + ".json.tmp", stem + ".json");
        Console.WriteLine($"accepted {Path.GetFileName(stem)}.eml");
        return SmtpResponse.Ok;
    }
}

/// <summary>The sink's record of what reached it (commands, logins), one flushed line at a time.</summary>
sealed class SinkLog(string? path)
{
    readonly object _gate = new();

    public void Write(string line)
    {
        if (path is null) return;
        lock (_gate) File.AppendAllText(path, line + Environment.NewLine);
    }
}
