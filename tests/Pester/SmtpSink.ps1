# Helpers for Pester tests that need a real SMTP server: dot-source this file, then
#   $sink = Start-SmtpSink [-FailFirst <k>] [-FailFile <path>]
#   ... send mail to 127.0.0.1:$($sink.Port) ...
#   Wait-SmtpSinkMessage $sink -Count 1
#   Get-SmtpSinkMessage $sink -To 'someone@example.test'
#   Stop-SmtpSink $sink
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
        The messages the sink accepted, oldest first: { From, To, Subject, Body, Raw, ReceivedUtc, User, Path }.
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
