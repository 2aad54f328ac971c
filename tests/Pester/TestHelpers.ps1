# Dot-sourced by every test file: where the built module is, and how to run code in a fresh pwsh.
$script:ModulePath = $env:PIM_TEST_MODULE
if (-not $script:ModulePath) { $script:ModulePath = Join-Path $PSScriptRoot '../../out/PimModule' | Resolve-Path | ForEach-Object Path }
$script:PackagesFolder = $env:PIM_TEST_PACKAGES
$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

# Test stores are Lab stores unless identity is what the test is about (those pass -IdentityMode Verified, or create
# a store with Connect-PimStore -IdentityMode Verified in a folder of their own: Use-TestUserFolder).
$global:PSDefaultParameterValues['Connect-PimStore:IdentityMode'] = 'Lab'

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

# The provider the suite runs on: SQLite by default; PostgreSQL with PIM_TEST_PROVIDER=PostgreSql and
# PIM_TEST_PG_ADMIN (an Npgsql connection string of an account that may CREATE DATABASE).
$script:TestProvider = if ($env:PIM_TEST_PROVIDER -eq 'PostgreSql') { 'PostgreSql' } else { 'Sqlite' }
$script:OnPostgres = $script:TestProvider -eq 'PostgreSql'

function ConvertFrom-ConnectionString {
    param([Parameter(Mandatory)] [string] $ConnectionString)
    $b = [Data.Common.DbConnectionStringBuilder]::new()
    $b.set_ConnectionString($ConnectionString)   # a property set on a dictionary would add a key
    , $b   # a dictionary: not enumerated into its entries
}

function Get-PsqlArgument {
    <# psql's arguments (and PGPASSWORD) for an Npgsql connection string. #>
    param([Parameter(Mandatory)] [string] $ConnectionString)
    $b = ConvertFrom-ConnectionString $ConnectionString
    $get = { param([string[]] $names) foreach ($n in $names) { if ($b.ContainsKey($n)) { return [string]$b[$n] } } }
    [pscustomobject]@{
        Arguments = @('-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1',
            '-h', (& $get 'Host', 'Server'), '-p', ((& $get 'Port') ?? '5432'),
            '-U', (& $get 'Username', 'User Id', 'UserId', 'User Name', 'User'), '-d', (& $get 'Database', 'DB'))
        Password  = & $get 'Password', 'PWD'
    }
}

function Invoke-Psql {
    param([Parameter(Mandatory)] [string] $ConnectionString, [Parameter(Mandatory)] [string] $Sql)
    $psql = (Get-Command psql -ErrorAction SilentlyContinue).Source
    if (-not $psql) { $psql = Get-ChildItem '/usr/lib/postgresql/*/bin/psql' -ErrorAction SilentlyContinue | Select-Object -Last 1 -ExpandProperty FullName }
    if (-not $psql) { throw 'psql is needed for the PostgreSQL tests.' }
    $a = Get-PsqlArgument $ConnectionString
    $saved = $env:PGPASSWORD
    if ($a.Password) { $env:PGPASSWORD = $a.Password }
    try { $out = & $psql @($a.Arguments) -c $Sql 2>&1 }
    finally { $env:PGPASSWORD = $saved }
    if ($LASTEXITCODE -ne 0) { throw "psql failed: $out" }
    $out | ForEach-Object { "$_" }
}

function Get-PgTestConnection {
    <# The run's admin connection string, pointed at another database, as another login or role (Npgsql syntax). #>
    param([Parameter(Mandatory)] [string] $Database, [string] $Username, [string] $Role)
    $b = ConvertFrom-ConnectionString $env:PIM_TEST_PG_ADMIN
    foreach ($k in @('Database', 'DB')) { if ($b.ContainsKey($k)) { $null = $b.Remove($k) } }
    $b['Database'] = $Database
    if ($Username) {
        foreach ($k in @('Username', 'User Id', 'UserId', 'User Name', 'User', 'Password', 'PWD')) { if ($b.ContainsKey($k)) { $null = $b.Remove($k) } }
        $b['Username'] = $Username
    }
    if ($Role) { $b['Options'] = "-c role=$Role" }
    $b.get_ConnectionString()
}

function Initialize-PgTestTemplate {
    <#
    A PostgreSQL store is made in two steps, by two logins (issue 27): the schema's owner (a NOLOGIN role; here the admin
    acting as it) makes the tables, then a writer login that does not own them creates the store and does the day-to-day
    work. Once per run: the roles pim_test_owner (NOLOGIN), pim_test_writer (LOGIN; SELECT, INSERT, UPDATE, DELETE on
    the tables: UPDATE or DELETE is what lets it take the write lock, LOCK TABLE pim_write_lock IN EXCLUSIVE MODE) and
    pim_test_reader (LOGIN; SELECT only: it reads, and cannot take the write lock), and a template database whose tables
    the module made as the owner (in a fresh pwsh, Connect-PimStore refuses the owner with PimStoreOwnerLogin after
    making them). Every test store is a copy of it (CREATE DATABASE ... TEMPLATE: fast).
    #>
    if ($global:PimTestPgTemplate) { return $global:PimTestPgTemplate }
    $null = Invoke-Psql -ConnectionString $env:PIM_TEST_PG_ADMIN -Sql ("DO `$do`$ BEGIN " +
        "IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pim_test_owner') THEN CREATE ROLE pim_test_owner NOLOGIN; END IF; " +
        "IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pim_test_writer') THEN CREATE ROLE pim_test_writer LOGIN; END IF; " +
        "IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pim_test_reader') THEN CREATE ROLE pim_test_reader LOGIN; END IF; END `$do`$")
    $run = if ($env:PIM_TEST_RUN_ID) { $env:PIM_TEST_RUN_ID } else { 'adhoc' }
    $template = 'pimtest_{0}_template{1}' -f $run, [guid]::NewGuid().ToString('N').Substring(0, 6)
    $null = Invoke-Psql -ConnectionString $env:PIM_TEST_PG_ADMIN -Sql "CREATE DATABASE $template OWNER pim_test_owner"
    $null = Invoke-Psql -ConnectionString (Get-PgTestConnection -Database $template) -Sql (
        'ALTER DEFAULT PRIVILEGES FOR ROLE pim_test_owner IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO pim_test_writer; ' +
        'ALTER DEFAULT PRIVILEGES FOR ROLE pim_test_owner IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO pim_test_writer; ' +
        'ALTER DEFAULT PRIVILEGES FOR ROLE pim_test_owner IN SCHEMA public GRANT SELECT ON TABLES TO pim_test_reader')
    $owner = (Get-PgTestConnection -Database $template -Role pim_test_owner) + ';Pooling=false'
    $out = Invoke-FreshPwsh -AllowFailure -Environment @{ XDG_DATA_HOME = (Join-Path ([IO.Path]::GetTempPath()) "pim-template-$run") } -Script @"
Import-Module '$ModulePath'
try { Connect-PimStore -ConnectionString '$owner' -Provider PostgreSql -IdentityMode Verified -Principal schema-owner@contoso.com; 'CONNECTED' }
catch { `$_.FullyQualifiedErrorId }
"@
    if (-not ($out -match '^PimStoreOwnerLogin')) { throw "The template's tables were not made as the owner: $($out -join "`n")" }
    $global:PimTestPgTemplate = $template
    $template
}

function New-TestStore {
    <#
    A fresh, empty store target on the active provider (nothing opened yet): a file under $TestDrive, or a
    new PostgreSQL database named after this run (the runner drops them at the end). Returns what tests need:
    Provider, Path or ConnectionString, the Location Get-PimStore shows, Environment (for Invoke-FreshPwsh: the
    default store) and ConnectArguments (to paste into a fresh pwsh script after Connect-PimStore).
    #>
    param([string] $Name = 'pim', [switch] $Empty)
    if ($script:OnPostgres -and $Empty) {
        # An empty database (no tables), for the tests of what is refused before anything is made; as the administrator.
        $run = if ($env:PIM_TEST_RUN_ID) { $env:PIM_TEST_RUN_ID } else { 'adhoc' }
        $db = 'pimtest_{0}_{1}' -f $run, [guid]::NewGuid().ToString('N').Substring(0, 10)
        $null = Invoke-Psql -ConnectionString $env:PIM_TEST_PG_ADMIN -Sql "CREATE DATABASE $db"
        $cs = Get-PgTestConnection -Database $db
        return [pscustomobject]@{
            Provider = 'PostgreSql'; Path = $null; ConnectionString = $cs; Database = $db; Location = $cs; AdminConnectionString = $cs
            Environment = @{ PIM_STORE_CONNECTION = $cs; PIM_STORE_PATH = $null }
            ConnectArguments = "-ConnectionString '$cs' -Provider PostgreSql -IdentityMode Lab"
        }
    }
    if ($script:OnPostgres) {
        if (-not $env:PIM_TEST_PG_ADMIN) { throw 'PIM_TEST_PROVIDER=PostgreSql needs PIM_TEST_PG_ADMIN.' }
        $run = if ($env:PIM_TEST_RUN_ID) { $env:PIM_TEST_RUN_ID } else { 'adhoc' }
        $db = 'pimtest_{0}_{1}' -f $run, [guid]::NewGuid().ToString('N').Substring(0, 10)
        # The store's tables, made by their owner (a copy of the run's template); the tests connect as the writer login.
        $template = Initialize-PgTestTemplate
        $null = Invoke-Psql -ConnectionString $env:PIM_TEST_PG_ADMIN -Sql "CREATE DATABASE $db TEMPLATE $template OWNER pim_test_owner"
        $cs = Get-PgTestConnection -Database $db -Username pim_test_writer
        $b = ConvertFrom-ConnectionString $cs
        foreach ($k in @('Password', 'PWD')) { if ($b.ContainsKey($k)) { $null = $b.Remove($k) } }
        [pscustomobject]@{
            Provider = 'PostgreSql'; Path = $null; ConnectionString = $cs; Database = $db; Location = $b.get_ConnectionString()
            AdminConnectionString = Get-PgTestConnection -Database $db
            Environment = @{ PIM_STORE_CONNECTION = $cs; PIM_STORE_PATH = $null }
            ConnectArguments = "-ConnectionString '$cs' -Provider PostgreSql -IdentityMode Lab"
        }
    }
    else {
        $path = New-TestStorePath -Name $Name
        [pscustomobject]@{
            Provider = 'Sqlite'; Path = $path; ConnectionString = $null; Database = $null; Location = $path
            Environment = @{ PIM_STORE_PATH = $path; PIM_STORE_CONNECTION = $null }
            ConnectArguments = "-Path '$path' -IdentityMode Lab"
        }
    }
}

function Connect-TestStore {
    <# Connect-PimStore to a store on the active provider: a fresh one (New-TestStore), or -Store. Returns the store. #>
    param([string] $Principal, [object] $Store)
    if (-not $Store) { $Store = New-TestStore }
    $p = @{}
    if ($Principal) { $p.Principal = $Principal }
    if ($Store.Provider -eq 'PostgreSql') { Connect-PimStore -ConnectionString $Store.ConnectionString -Provider PostgreSql @p }
    else { Connect-PimStore -Path $Store.Path @p }
    $global:PimTestStore = $Store
    $Store
}

function Get-TestConnectArgument {
    <# The Connect-PimStore arguments of the store the tests are connected to, for a fresh pwsh script. #>
    if (-not $global:PimTestStore) { throw 'No test store: use Connect-TestStore first.' }
    $global:PimTestStore.ConnectArguments
}

function Get-StoreFingerprint {
    <# What must not move when a command is refused: the audit chain's head and every count. #>
    $s = Get-PimStore
    # The log's head, read around the module: through it a principal who does not read PIM reads only the records they
    # acted in or that are about them (docs/security.md, "Who may read what"), and the fingerprint is the same for everyone.
    $target = if ($s.Provider -eq 'Sqlite') { $s.Location }
              elseif ($global:PimTestStore -and $global:PimTestStore.Provider -eq 'PostgreSql' -and $global:PimTestStore.Location -eq $s.Location) { $global:PimTestStore }
    if ($null -ne $target) {
        $head = (Invoke-Sql -Store $target -Sql "SELECT (SELECT COALESCE(MAX(sequence), 0) FROM audit_log) || '|' || COALESCE((SELECT hash FROM audit_log ORDER BY sequence DESC LIMIT 1), '')") -join ''
        return '{0}|{1}|{2}|{3}|{4}' -f $s.RoleCount, $s.AssignmentCount, $s.PendingRequestCount, $s.AuditRecordCount, $head
    }
    $last = Get-PimAuditLog | Select-Object -Last 1
    '{0}|{1}|{2}|{3}|{4}|{5}' -f $s.RoleCount, $s.AssignmentCount, $s.PendingRequestCount, $s.AuditRecordCount, $last.Sequence, $last.Hash
}

function Invoke-Sql {
    <#
    Changes a store behind the module's back, as an attacker or a careless admin would: with the sqlite3 CLI (else
    python3) for a SQLite file, with psql for a PostgreSQL database. -Store is a New-TestStore result or a file path.
    #>
    param([Parameter(Mandatory)] [Alias('Path')] [object] $Store, [Parameter(Mandatory)] [string] $Sql)
    if ($Store -isnot [string] -and $Store.Provider -eq 'PostgreSql') {
        # As the database's administrator, as a superuser attacker would: the store's own triggers off for the session
        # (session_replication_role), and what the writer login may not do (drop, alter) allowed.
        if ($Store.AdminConnectionString) { return Invoke-Psql -ConnectionString $Store.AdminConnectionString -Sql "SET session_replication_role = replica; $Sql" }
        return Invoke-Psql -ConnectionString $Store.ConnectionString -Sql $Sql
    }
    $Path = if ($Store -is [string]) { $Store } else { $Store.Path }
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
    <#
    Moves the clock of the TEST VARIANT of the module (out/test/PimModule, engine built in configuration TestHooks; the
    PIM_TEST_UTCNOW hook exists only there); -Reset goes back to the system clock. Tests that use it are tagged TestClock
    and run against that variant; the module users load (out/PimModule) has no such hook.
    #>
    param([datetime] $UtcNow, [switch] $Reset)
    if ($Reset) { Remove-Item Env:PIM_TEST_UTCNOW -ErrorAction SilentlyContinue; return }
    if ($env:PIM_TEST_HOOKS -ne '1') { throw 'Set-TestClock works only in the TestClock run (against out/test/PimModule): tag the Describe with -Tag TestClock.' }
    $env:PIM_TEST_UTCNOW = $UtcNow.ToUniversalTime().ToString('o')
}

function Get-RawFingerprint {
    <# What must not move when something is refused, read around the module (Verified stores): the log, its seals and the bindings. #>
    param([Parameter(Mandatory)] [object] $Store)
    (Invoke-Sql -Store $Store -Sql "SELECT (SELECT COUNT(*) FROM audit_log) || '/' || (SELECT COALESCE(MAX(sequence), 0) FROM audit_log) || '/' || (SELECT COUNT(*) FROM seals) || '/' || (SELECT COUNT(*) FROM credentials) || '/' || (SELECT COUNT(*) FROM assignments) || '/' || COALESCE((SELECT hash FROM audit_log ORDER BY sequence DESC LIMIT 1), '')") -join ''
}

function Get-Refusal {
    <# The ErrorRecord -Action ends with ($null when it ends without one). #>
    param([Parameter(Mandatory)] [scriptblock] $Action)
    try { & $Action; $null } catch { $_ }
}

function Connect-ModeStore {
    <# Connect-PimStore to -Store in identity mode -Mode as -Principal, with -Folder as that person's PimModule folder. #>
    param([Parameter(Mandatory)] [object] $Store, [Parameter(Mandatory)] [string] $Folder, [Parameter(Mandatory)] [string] $Mode,
        [string] $Principal = 'admin@contoso.com')
    $env:XDG_DATA_HOME = $Folder
    $null = New-Item -ItemType Directory -Path $Folder -Force
    $p = @{ Principal = $Principal; IdentityMode = $Mode }
    if ($Store.Provider -eq 'PostgreSql') { Connect-PimStore -ConnectionString $Store.ConnectionString -Provider PostgreSql @p }
    else { Connect-PimStore -Path $Store.Path @p }
}
