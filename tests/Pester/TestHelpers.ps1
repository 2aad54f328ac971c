# Dot-sourced by every test file: where the built module is, and how to run code in a fresh pwsh.
$script:ModulePath = $env:PIM_TEST_MODULE
if (-not $script:ModulePath) { $script:ModulePath = Join-Path $PSScriptRoot '../../out/PimModule' | Resolve-Path | ForEach-Object Path }
$script:PackagesFolder = $env:PIM_TEST_PACKAGES
$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

function Invoke-FreshPwsh {
    <# Runs a script in a new pwsh -NoProfile process (as a user would start one); returns its output lines. #>
    param(
        [Parameter(Mandatory)] [string] $Script,
        [hashtable] $Environment = @{},
        [switch] $AllowFailure
    )
    $file = Join-Path ([IO.Path]::GetTempPath()) ("pimtest-{0}.ps1" -f [guid]::NewGuid().ToString('N'))
    Set-Content -Path $file -Value $Script
    $saved = @{}
    foreach ($k in $Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $Environment[$k]) }
    try {
        $output = & ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $file 2>&1
        $code = $LASTEXITCODE
    }
    finally {
        foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
        Remove-Item $file -ErrorAction SilentlyContinue
    }
    if ($code -ne 0 -and -not $AllowFailure) { throw "Fresh pwsh failed (exit $code):`n$($output -join "`n")" }
    $output | ForEach-Object { "$_" }
}

function New-TestStorePath {
    param([string] $Name = 'pim')
    Join-Path $TestDrive ("{0}-{1}.db" -f $Name, [guid]::NewGuid().ToString('N').Substring(0, 8))
}

function Get-StoreFingerprint {
    <# What must not move when a command is refused: the audit chain's head and every count. #>
    $s = Get-PimStore
    $last = Get-PimAuditLog | Select-Object -Last 1
    '{0}|{1}|{2}|{3}|{4}|{5}' -f $s.RoleCount, $s.AssignmentCount, $s.PendingRequestCount, $s.AuditRecordCount, $last.Sequence, $last.Hash
}

function Invoke-Sql {
    <# Changes a store behind the module's back, as an attacker or a careless admin would (sqlite3 CLI, else python3). #>
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [string] $Sql)
    $sqlite = Get-Command sqlite3 -ErrorAction SilentlyContinue
    if ($sqlite) {
        $out = & $sqlite.Source $Path $Sql 2>&1
    }
    else {
        $py = "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); r=c.execute(sys.argv[2]).fetchall(); c.commit(); print('\n'.join('|'.join(str(v) for v in row) for row in r))"
        $out = & python3 -c $py $Path $Sql 2>&1
    }
    if ($LASTEXITCODE -ne 0) { throw "SQL failed: $out" }
    $out
}

function Get-TotpCode {
    <# The code an authenticator app shows for a base32 secret at a time (RFC 6238, SHA-1, 30 s, 6 digits). #>
    param([Parameter(Mandatory)] [string] $Secret, [datetime] $At = [datetime]::UtcNow)
    $alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
    $bits = ($Secret.ToUpperInvariant().ToCharArray() | ForEach-Object { [Convert]::ToString($alphabet.IndexOf($_), 2).PadLeft(5, '0') }) -join ''
    $key = [byte[]]@(for ($i = 0; $i + 8 -le $bits.Length; $i += 8) { [Convert]::ToByte($bits.Substring($i, 8), 2) })
    $step = [long][Math]::Floor(($At.ToUniversalTime() - [datetime]::UnixEpoch).TotalSeconds / 30)
    $counter = [BitConverter]::GetBytes($step); if ([BitConverter]::IsLittleEndian) { [Array]::Reverse($counter) }
    $hash = [Security.Cryptography.HMACSHA1]::new($key).ComputeHash($counter)
    $o = $hash[-1] -band 0x0f
    $value = (([int]$hash[$o] -band 0x7f) -shl 24) -bor ([int]$hash[$o + 1] -shl 16) -bor ([int]$hash[$o + 2] -shl 8) -bor [int]$hash[$o + 3]
    '{0:D6}' -f ($value % 1000000)
}

function Set-TestClock {
    <# Moves the module's clock (the PIM_TEST_UTCNOW hook); -Reset goes back to the system clock. #>
    param([datetime] $UtcNow, [switch] $Reset)
    if ($Reset) { Remove-Item Env:PIM_TEST_UTCNOW -ErrorAction SilentlyContinue; return }
    $env:PIM_TEST_UTCNOW = $UtcNow.ToUniversalTime().ToString('o')
}
