# Helpers for Pester tests that need a real SMTP server: dot-source this file, then
#   $sink = Start-SmtpSink [-FailFirst <k>] [-FailFile <path>]
#   ... send mail to 127.0.0.1:$($sink.Port) ...
#   Wait-SmtpSinkMessage $sink -Count 1
#   Get-SmtpSinkMessage $sink -To 'someone@example.test'
#   Stop-SmtpSink $sink
# TLS: $cert = New-SmtpSinkCertificate -Folder $TestDrive; $sink = Start-SmtpSink -Certificate $cert (STARTTLS offered);
#   a fresh pwsh trusts the test CA with -Environment @{ SSL_CERT_FILE = $cert.CaFile } (OpenSSL's variable, which .NET honours).
# What reached the sink (commands, logins with their passwords): Get-SmtpSinkLog $sink.
# The sink is tests/SmtpSink (built by build.ps1 Test, which sets $env:PIM_TEST_SMTPSINK to its dll).

function Get-SmtpSinkPath {
    if ($env:PIM_TEST_SMTPSINK) { return $env:PIM_TEST_SMTPSINK }
    Join-Path $PSScriptRoot '../../tests/SmtpSink/bin/Release/net10.0/SmtpSink.dll'
}

function Get-SmtpSinkFreePort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    try {
        $listener.Start()
        $listener.LocalEndpoint.Port
    }
    finally {
        $listener.Stop()
    }
}

function Test-SmtpSinkPort {
    param([int] $Port)
    $client = [System.Net.Sockets.TcpClient]::new()
    try {
        $client.ConnectAsync([System.Net.IPAddress]::Loopback, $Port).Wait(500) -and $client.Connected
    }
    catch { $false }
    finally { $client.Dispose() }
}

function Start-SmtpSink {
    <#
    .SYNOPSIS
        Starts the loopback SMTP sink on a free port; returns { Port, Folder, Process, LogFile, ErrorLogFile }.
    .PARAMETER FailFirst
        The first N messages are refused with 451 (and not stored).
    .PARAMETER FailFile
        While this file exists, every message is refused with 451.
    #>
    [CmdletBinding()]
    param(
        [int] $FailFirst = 0,
        [string] $FailFile,
        # From New-SmtpSinkCertificate: STARTTLS is offered with it (and AUTH only after STARTTLS).
        # Without it the sink offers no STARTTLS and offers AUTH in clear text.
        [object] $Certificate,
        [int] $TimeoutSeconds = 20
    )

    $dll = Get-SmtpSinkPath
    if (-not (Test-Path $dll)) {
        throw "SmtpSink not found at '$dll'. Build it: dotnet build tests/SmtpSink -c Release (or set `$env:PIM_TEST_SMTPSINK)."
    }
    $dll = (Resolve-Path $dll).ProviderPath
    $base = Join-Path ([System.IO.Path]::GetTempPath()) ("pim-smtpsink-" + [guid]::NewGuid().ToString('N'))
    $folder = Join-Path $base 'mail'
    New-Item -ItemType Directory -Path $folder -Force | Out-Null

    # The port is picked before the sink binds it, so another process could take it in between: retry then.
    for ($try = 1; $try -le 3; $try++) {
        $port = Get-SmtpSinkFreePort
        $out = Join-Path $base "stdout-$try.txt"
        $err = Join-Path $base "stderr-$try.txt"
        $sinkArgs = @("`"$dll`"", '--port', $port, '--dir', "`"$folder`"")
        if ($FailFirst -gt 0) { $sinkArgs += @('--fail-first', $FailFirst) }
        if ($FailFile) { $sinkArgs += @('--fail-file', "`"$([System.IO.Path]::GetFullPath($FailFile))`"") }
        if ($Certificate) { $sinkArgs += @('--tls-cert', "`"$($Certificate.PfxFile)`"", '--tls-password', $Certificate.Password) }
        if ($Certificate.CrlFile) { $sinkArgs += @('--crl', "`"$($Certificate.CrlFile)`"", '--crl-port', $Certificate.CrlPort) }
        $sinkArgs += @('--log', "`"$(Join-Path $base 'session.log')`"")

        $process = Start-Process -FilePath ([Environment]::ProcessPath) -ArgumentList $sinkArgs -PassThru `
            -RedirectStandardOutput $out -RedirectStandardError $err
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while (-not $process.HasExited -and [DateTime]::UtcNow -lt $deadline) {
            if (Test-SmtpSinkPort $port) {
                return [pscustomobject]@{
                    PSTypeName   = 'PimModule.Tests.SmtpSink'
                    Port         = $port
                    Folder       = $folder
                    Process      = $process
                    LogFile      = $out
                    ErrorLogFile = $err
                    SessionLog   = Join-Path $base 'session.log'
                }
            }
            Start-Sleep -Milliseconds 100
        }
        if (-not $process.HasExited) {
            $process.Kill($true); $process.WaitForExit()
            throw "SmtpSink did not accept connections on port $port within $TimeoutSeconds s."
        }
        $process.WaitForExit()
        $why = (Get-Content $err -Raw -ErrorAction SilentlyContinue) + (Get-Content $out -Raw -ErrorAction SilentlyContinue)
        Write-Verbose "SmtpSink exited with $($process.ExitCode) on port $port (attempt $try): $why"
    }
    throw "SmtpSink failed to start (exit code $($process.ExitCode)): $why"
}

function Stop-SmtpSink {
    <#
    .SYNOPSIS
        Kills the sink process and waits for it to exit. -RemoveFolder also deletes its temporary folder.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline)] $Sink,
        [switch] $RemoveFolder
    )
    process {
        if ($null -eq $Sink) { return }
        $p = $Sink.Process
        if ($p -and -not $p.HasExited) {
            try { $p.Kill($true) } catch [System.InvalidOperationException] { } # exited meanwhile
        }
        if ($p -and -not $p.WaitForExit(10000)) { throw "SmtpSink (pid $($p.Id)) did not exit." }
        if ($RemoveFolder) {
            Remove-Item (Split-Path $Sink.Folder -Parent) -Recurse -Force -ErrorAction SilentlyContinue
        }
    }
}

function Get-SmtpSinkMessage {
    <#
    .SYNOPSIS
        The messages the sink accepted, oldest first: { From, To, Subject, Body, Raw, ReceivedUtc, User, Secure, Path }.
        User is the login the message came with; Secure says it came over TLS (STARTTLS).
        From and To are the SMTP envelope addresses; Body is the text/plain body.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] $Sink,
        # Only messages with this envelope recipient (case-insensitive).
        [string] $To
    )
    $messages = foreach ($json in Get-ChildItem -Path $Sink.Folder -Filter '*.json' -File -ErrorAction SilentlyContinue) {
        $meta = Get-Content -LiteralPath $json.FullName -Raw -Encoding utf8 | ConvertFrom-Json
        $eml = [System.IO.Path]::ChangeExtension($json.FullName, '.eml')
        $recipients = @($meta.To)
        if ($To -and -not ($recipients | Where-Object { $_ -eq $To })) { continue }
        [pscustomobject]@{
            PSTypeName  = 'PimModule.Tests.SmtpSinkMessage'
            From        = $meta.From
            To          = $recipients
            Subject     = $meta.Subject
            Body        = $meta.Body
            Raw         = [System.IO.File]::ReadAllText($eml)
            ReceivedUtc = [DateTime]::Parse($meta.ReceivedUtc, [cultureinfo]::InvariantCulture,
                [System.Globalization.DateTimeStyles]::RoundtripKind)
            User        = $meta.User
            Secure      = [bool]$meta.Secure
            Path        = $eml
        }
    }
    @($messages | Sort-Object ReceivedUtc, Path)
}

function Wait-SmtpSinkMessage {
    <#
    .SYNOPSIS
        Polls until the sink holds at least -Count messages (optionally to -To); returns them, or throws on timeout.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] $Sink,
        [int] $Count = 1,
        [string] $To,
        [int] $TimeoutSeconds = 15
    )
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ($true) {
        $messages = Get-SmtpSinkMessage $Sink -To $To
        if ($messages.Count -ge $Count) { return $messages }
        if ([DateTime]::UtcNow -ge $deadline) {
            throw "Expected at least $Count message(s) in the SMTP sink within $TimeoutSeconds s; got $($messages.Count)."
        }
        if ($Sink.Process.HasExited) { throw "SmtpSink exited (code $($Sink.Process.ExitCode)) while waiting for messages." }
        Start-Sleep -Milliseconds 100
    }
}

function Get-SmtpSinkLog {
    <#
    .SYNOPSIS
        What reached the sink, one line each: "<session> <secure|plain> <COMMAND>" for every SMTP command it executed,
        and "AUTHENTICATE <secure|plain> <user> <password>" for every login it received.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] $Sink)
    if (-not (Test-Path -LiteralPath $Sink.SessionLog)) { return @() }
    @(Get-Content -LiteralPath $Sink.SessionLog)
}

function New-SmtpSinkCertificate {
    <#
    .SYNOPSIS
        A server certificate for 127.0.0.1 and localhost, issued by a test CA made here (or, with -SelfSigned, signed by
        itself and trusted by nobody). Returns { PfxFile, Password, CaFile }: PfxFile for Start-SmtpSink -Certificate,
        CaFile (PEM of the CA) for a client to trust, e.g. SSL_CERT_FILE in a fresh pwsh. The server certificate names
        http://127.0.0.1:<CrlPort>/ as its CRL distribution point; Start-SmtpSink serves the CA's (empty) CRL there.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Folder,
        [switch] $SelfSigned
    )
    $now = [DateTimeOffset]::UtcNow
    $san = [System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new()
    $san.AddIpAddress([System.Net.IPAddress]::Loopback)
    $san.AddDnsName('localhost')
    $leafKey = [System.Security.Cryptography.RSA]::Create(2048)
    $leafRequest = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=localhost', $leafKey,
        [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $leafRequest.CertificateExtensions.Add($san.Build())
    $leafRequest.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($false, $false, 0, $true))
    $leafRequest.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509KeyUsageExtension]::new(
        [System.Security.Cryptography.X509Certificates.X509KeyUsageFlags]'DigitalSignature, KeyEncipherment', $true))
    $eku = [System.Security.Cryptography.OidCollection]::new()
    $null = $eku.Add([System.Security.Cryptography.Oid]::new('1.3.6.1.5.5.7.3.1'))   # server authentication
    $leafRequest.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension]::new($eku, $false))

    $caFile = $null; $crlFile = $null; $crlPort = 0
    if ($SelfSigned) {
        $leaf = $leafRequest.CreateSelfSigned($now.AddMinutes(-5), $now.AddDays(2))
    }
    else {
        $caKey = [System.Security.Cryptography.RSA]::Create(2048)
        $caRequest = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new("CN=PimModule Test CA $([guid]::NewGuid().ToString('N').Substring(0, 8))", $caKey,
            [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
        $caRequest.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($true, $false, 0, $true))
        $caRequest.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509KeyUsageExtension]::new(
            [System.Security.Cryptography.X509Certificates.X509KeyUsageFlags]'KeyCertSign, CrlSign', $true))
        $caRequest.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509SubjectKeyIdentifierExtension]::new($caRequest.PublicKey, $false))
        $ca = $caRequest.CreateSelfSigned($now.AddMinutes(-10), $now.AddDays(3))
        $serial = [byte[]]::new(12); [System.Security.Cryptography.RandomNumberGenerator]::Fill($serial); $serial[0] = $serial[0] -band 0x7f
        $leafRequest.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509AuthorityKeyIdentifierExtension]::CreateFromCertificate($ca, $true, $false))
        # Clients check revocation (MailKit's default, kept): the CA's empty CRL is served by the sink on loopback.
        $crlPort = Get-SmtpSinkFreePort
        $leafRequest.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.CertificateRevocationListBuilder]::BuildCrlDistributionPointExtension(
            [string[]]@("http://127.0.0.1:$crlPort/test-ca.crl"), $false))
        $crlBytes = [System.Security.Cryptography.X509Certificates.CertificateRevocationListBuilder]::new().Build($ca, [System.Numerics.BigInteger]::One,
            $now.AddDays(2), [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1, $now.AddMinutes(-5))
        $crlFile = Join-Path $Folder ("test-ca-{0}.crl" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
        [System.IO.File]::WriteAllBytes($crlFile, $crlBytes)
        $signed = $leafRequest.Create($ca, $now.AddMinutes(-5), $now.AddDays(2), $serial)
        $leaf = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::CopyWithPrivateKey($signed, $leafKey)
        $caFile = Join-Path $Folder ("test-ca-{0}.pem" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
        Set-Content -LiteralPath $caFile -Value $ca.ExportCertificatePem() -NoNewline
    }
    $password = [guid]::NewGuid().ToString('N')
    $pfx = Join-Path $Folder ("smtp-{0}.pfx" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
    [System.IO.File]::WriteAllBytes($pfx, $leaf.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Pfx, $password))
    [pscustomobject]@{ PfxFile = $pfx; Password = $password; CaFile = $caFile; CrlFile = $crlFile; CrlPort = $crlPort; Thumbprint = $leaf.Thumbprint }
}
