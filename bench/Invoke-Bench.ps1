<#
.SYNOPSIS
    PimModule's performance figures, each as a ratio against a baseline run beside it in the same process.
.DESCRIPTION
    1. Import-Csv of N rows piped to New-PimEligibleAssignment, against the same Import-Csv piped to a
       ForEach-Object that builds equivalent objects (targets: SQLite <= 2.5x the baseline and >= 10,000 rows/s;
       PostgreSQL <= 3x and >= 20,000 rows/s, on a server with its default durability — fsync, synchronous_commit
       and full_page_writes on, as users run it; the figure is marked as not comparable otherwise).
    2. Get-PimAssignment over M assignments piped to Export-Csv, against exporting M plain objects
       (target: <= 1x), and a filtered query (-Principal) in milliseconds.
    3. Test-PimAccess at M assignments: the median of many calls (target: SQLite < 0.2 ms, PostgreSQL < 0.5 ms).
    4. Start-up: a fresh pwsh that imports the module, connects to a store and runs Test-PimAccess, against a bare
       pwsh start (target: within 150 ms of it; the median of several starts).
    5. Identity: the same N-row import into a Verified store against a Lab store (target: <= 1.2x), and
       Test-PimAuditLog over the Verified store's log — chain, seals, bindings (target: >= 20,000 records/s).
    6. Verified state: M assignments imported into a Verified store (through the module, so every one is in the log).
       A user's first connect verifies the whole log into their checkpoint (target: >= 20,000 records/s); then, with an
       up-to-date checkpoint, Test-PimAccess (target: median < 1 ms), connect + first answer (target: < 300 ms), and
       Get-PimAssignment | Export-Csv against the same export from a Lab store of M assignments (target: <= 1.5x).
    7. Entra interop: Import-PimAssignment of Graph's JSON against the same rows from a CSV, and Import-PimDirectoryObject.
    8. Report: Export-PimReport of a year (-Since a year ago) on a store of M assignments and a year of activation
       requests (200,000 by default, three in four approved), against Get-PimAssignment | Export-Csv of the same store
       (target: the report under 10 s).
    Measures 1-4 and 8 run on Lab stores (as before the identity modes); every store of the bench uses keys and known
    stores in a folder of its own (XDG_DATA_HOME), never the user's.
    Prints a table and writes bench/results.md (included in the README).
.PARAMETER Rows
    Rows of the bulk import (100,000 by default).
.PARAMETER Assignments
    Assignments in the store for the read measures (1,000,000 by default).
.PARAMETER Measure
    The measures to run (all by default): Import (1), Export (2), Access (3), StartUp (4), Identity (5), Verified (6), Interop (7),
    Report (8). A partial run prints its
    table but leaves bench/results.md and the README as they are.
.PARAMETER Providers
    The providers to measure (SQLite, and PostgreSQL when -PostgresAdmin is given, by default).
.EXAMPLE
    ./bench/Invoke-Bench.ps1 -ModulePath ./out/PimModule -Measure Import -Rows 100000 -PostgresAdmin $env:PIM_TEST_PG_ADMIN
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Rows = 100000,
    [int] $Assignments = 1000000,
    [int] $AccessCalls = 2000,
    [int] $StartRuns = 9,
    [ValidateSet('Import', 'Export', 'Access', 'StartUp', 'Identity', 'Verified', 'Interop', 'Report')] [string[]] $Measure = @('Import', 'Export', 'Access', 'StartUp', 'Identity', 'Verified', 'Interop', 'Report'),
    # Activation requests of the report's year (measure 8).
    [int] $Activations = 200000,
    [ValidateSet('Sqlite', 'PostgreSql')] [string[]] $Providers,
    # Also writes the figures as JSON here (bench/Compare-Bench.ps1 reads them).
    [string] $ResultsJson,
    # An account that may CREATE DATABASE (Npgsql syntax): the measures run again on PostgreSQL, beside SQLite's.
    [string] $PostgresAdmin = $env:PIM_TEST_PG_ADMIN
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
$work = Join-Path ([IO.Path]::GetTempPath()) ("pim-bench-{0}" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory $work | Out-Null
$env:XDG_DATA_HOME = Join-Path $work 'data' # the bench's keys and known stores, not the user's
$results = [Collections.Generic.List[object]]::new()

function ConvertTo-Libpq([string] $ConnectionString) {
    $map = @{ host = 'host'; server = 'host'; port = 'port'; username = 'user'; 'user id' = 'user'; userid = 'user'; password = 'password'; database = 'dbname' }
    ($ConnectionString -split ';' | Where-Object { $_ -match '=' } | ForEach-Object {
        $k, $v = $_ -split '=', 2; if ($map[$k.Trim().ToLowerInvariant()]) { "$($map[$k.Trim().ToLowerInvariant()])=$($v.Trim())" } }) -join ' '
}
function Invoke-BenchPsql([string] $ConnectionString, [string] $Sql) {
    $out = & psql (ConvertTo-Libpq $ConnectionString) -v ON_ERROR_STOP=1 -qtA -c $Sql 2>&1
    if ($LASTEXITCODE -ne 0) { throw "psql failed: $out" }
}
$script:benchDatabases = [Collections.Generic.List[string]]::new()
function Connect-BenchStore([string] $Name, [object] $Store, [string] $IdentityMode = 'Lab') {
    # A new store on the provider being measured (or the one given); returns it.
    if (-not $Store) {
        if ($Provider -eq 'PostgreSql') {
            # As the README sets a store up: its tables belong to a NOLOGIN owner role (the admin, acting as it, makes them:
            # the module refuses to go further as the owner, PimStoreOwnerLogin), and the bench connects as a writer login.
            $db = 'pimbench_{0}_{1}' -f $Name, [guid]::NewGuid().ToString('N').Substring(0, 8)
            Invoke-BenchPsql $PostgresAdmin ("DO `$do`$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pim_bench_owner') THEN CREATE ROLE pim_bench_owner NOLOGIN; END IF; " +
                "IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pim_bench_writer') THEN CREATE ROLE pim_bench_writer LOGIN; END IF; END `$do`$")
            Invoke-BenchPsql $PostgresAdmin "CREATE DATABASE $db OWNER pim_bench_owner"
            $script:benchDatabases.Add($db)
            $admin = (($PostgresAdmin -split ';' | Where-Object { $_ -notmatch '^\s*database\s*=' }) -join ';') + ";Database=$db"
            # (UPDATE or DELETE on pim_write_lock is what lets the writer take the write lock: LOCK TABLE ... IN EXCLUSIVE MODE.)
            Invoke-BenchPsql $admin 'ALTER DEFAULT PRIVILEGES FOR ROLE pim_bench_owner IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO pim_bench_writer'
            $prepared = $false
            try { Connect-PimStore -ConnectionString "$admin;Options=-c role=pim_bench_owner;Pooling=false" -Provider PostgreSql -Principal 'admin@contoso.com' -IdentityMode Verified }
            catch { if ($_.FullyQualifiedErrorId -notlike 'PimStoreOwnerLogin*') { throw }; $prepared = $true }
            if ($prepared) { $Store = (($admin -split ';' | Where-Object { $_ -notmatch '^\s*(username|user id|userid|user|password|pwd)\s*=' }) -join ';') + ';Username=pim_bench_writer' }
            else {
                # A PimModule from before the two logins (a baseline build, bench/Compare-Bench.ps1) made the whole store as the
                # owner: start again with an empty database, made and used by the administrator's login, as it expects.
                Disconnect-PimStore
                Invoke-BenchPsql $PostgresAdmin "DROP DATABASE $db WITH (FORCE)"
                Invoke-BenchPsql $PostgresAdmin "CREATE DATABASE $db"
                $Store = $admin
            }
        }
        else { $Store = Join-Path $work "$Name.db" }
    }
    if ($Provider -eq 'PostgreSql') { Connect-PimStore -ConnectionString $Store -Provider PostgreSql -Principal 'admin@contoso.com' -IdentityMode $IdentityMode }
    else { Connect-PimStore -Path $Store -Principal 'admin@contoso.com' -IdentityMode $IdentityMode }
    $Store
}
function Add-SeedAssignments([string] $Store, [int] $Count) {
    # Written straight into the tables, as the module would: a million rows in seconds rather than minutes.
    if ($Provider -eq 'PostgreSql') {
        Invoke-BenchPsql $Store ("INSERT INTO assignments (assignment_id, principal, principal_key, role_id, scope, type, member_type, start_utc, " +
            "justification, created_by, created_utc) SELECT md5('a' || g)::uuid::text, 'user' || g || '@contoso.com', 'user' || g || '@contoso.com', " +
            "'5d6b6bb7-de71-4623-b4af-96380a352509', '/', 'Eligible', 'Direct', 639000000000000000, 'seed', 'admin@contoso.com', 639000000000000000 " +
            "FROM generate_series(0, $($Count - 1)) g; ANALYZE assignments;")
    }
    else {
        & python3 (Join-Path $PSScriptRoot 'seed-assignments.py') $Store $Count
        if ($LASTEXITCODE -ne 0) { throw 'Seeding the store failed.' }
    }
}

function Add-ReportSeed([string] $Store, [int] $Count, [int] $Requests) {
    # Measure 8's store, written straight into the tables: $Count assignments of five privileged roles (eligible and active,
    # permanent and time-bound; the first $Requests are the activations) and a year of activation requests up to now.
    $now = [DateTime]::UtcNow.Ticks
    if ($Provider -eq 'PostgreSql') {
        $year = 365 * [TimeSpan]::TicksPerDay; $day = [TimeSpan]::TicksPerDay; $minute = [TimeSpan]::TicksPerMinute
        $roles = "ARRAY['5d6b6bb7-de71-4623-b4af-96380a352509', 'f2ef992c-3afb-46b9-b7cf-a126ee74c451', '62e90394-69f5-4237-9190-012177145e10', 'fe930be7-5e62-47db-91af-98c3a49a38b1', '729827e3-9c14-49f7-bb1b-9608f156bbb8']"
        Invoke-BenchPsql $Store ("INSERT INTO requests (request_id, action, status, principal, principal_key, role_id, scope, assignment_type, duration_ticks, start_utc, " +
            "end_utc, justification, created_by, created_utc, approved_by, decided_utc) SELECT md5('q' || g)::uuid::text, 'SelfActivate', 'Provisioned', " +
            "'user' || (g % 5000) || '@contoso.com', 'user' || (g % 5000) || '@contoso.com', ($roles)[g % 5 + 1], '/', 'Active', $(120 * $minute), c, c + $(120 * $minute), " +
            "'report bench', 'user' || (g % 5000) || '@contoso.com', c, CASE WHEN g % 4 <> 0 THEN 'approver1@contoso.com' END, " +
            "CASE WHEN g % 4 <> 0 THEN c + (g % 120 + 1) * $minute ELSE c END " +
            "FROM (SELECT g, $now - $year + (g::numeric * $year / $Requests)::bigint AS c FROM generate_series(0::bigint, $($Requests - 1)) g) s; ANALYZE requests;")
        Invoke-BenchPsql $Store ("INSERT INTO assignments (assignment_id, principal, principal_key, role_id, scope, type, member_type, start_utc, end_utc, " +
            "justification, created_by, created_utc, request_id) SELECT md5('a' || g)::uuid::text, p, p, ($roles)[g % 5 + 1], '/', " +
            "CASE WHEN g < $Requests OR g % 10 = 9 THEN 'Active' ELSE 'Eligible' END, CASE WHEN g < $Requests THEN 'Activated' ELSE 'Direct' END, " +
            "CASE WHEN g < $Requests THEN c ELSE $($now - 400 * $day) END, " +
            "CASE WHEN g < $Requests THEN c + $(120 * $minute) WHEN g % 2 = 0 THEN NULL ELSE $now + (g % 365 + 1) * $day END, " +
            "'seed', 'admin@contoso.com', CASE WHEN g < $Requests THEN c ELSE $($now - 400 * $day) END, CASE WHEN g < $Requests THEN md5('q' || g)::uuid::text END " +
            "FROM (SELECT g, CASE WHEN g < $Requests THEN 'user' || (g % 5000) ELSE 'user' || g END || '@contoso.com' AS p, " +
            "$now - $year + (g::numeric * $year / $Requests)::bigint AS c FROM generate_series(0::bigint, $($Count - 1)) g) s; ANALYZE assignments;")
    }
    else {
        & python3 (Join-Path $PSScriptRoot 'seed-report.py') $Store $Count $Requests $now
        if ($LASTEXITCODE -ne 0) { throw 'Seeding the report store failed.' }
    }
}

function Measure-Provider([string] $Provider) {
    function Add-Result($Measure, $Module, $Baseline, $Target, $Pass, $Note) {
        $results.Add([pscustomobject]@{ Measure = $Measure; Module = $Module; Baseline = $Baseline; Ratio = $null; Target = $Target; Pass = $Pass; Note = $Note })
    }
    function Time([scriptblock] $Block) { $sw = [Diagnostics.Stopwatch]::StartNew(); & $Block | Out-Null; $sw.Stop(); $sw.Elapsed.TotalSeconds }

    try {
        # ---- 1. bulk import ---------------------------------------------------------------------------
        if ('Import' -in $Measure) {
        $csv = Join-Path $work 'assignments.csv'
        $roles = 'Security Reader', 'Global Reader', 'Reports Reader', 'Message Center Reader', 'Directory Readers'
        $sb = [Text.StringBuilder]::new("Principal,Role,Scope,StartDateTime,EndDateTime,Duration,Permanent,Justification,TicketNumber,TicketSystem`n")
        for ($i = 0; $i -lt $Rows; $i++) {
            [void]$sb.Append("user$i@contoso.com,$($roles[$i % 5]),/,,,,,bulk load,CHG$i,ServiceNow`n")
        }
        [IO.File]::WriteAllText($csv, $sb.ToString())
        # Warm up both paths (JIT, caches) on a small file, so the timed runs compare steady states.
        $warm = Join-Path $work 'warm.csv'
        Get-Content $csv -TotalCount 3001 | Set-Content $warm
        Connect-BenchStore 'warm' | Out-Null
        Import-Csv $warm | New-PimEligibleAssignment | Out-Null
        Import-Csv $warm | ForEach-Object { [pscustomobject]@{ Principal = $_.Principal } } | Out-Null
        Connect-BenchStore 'bulk' | Out-Null

        $baseline = Time { Import-Csv $csv | ForEach-Object {
                [pscustomobject]@{ AssignmentId = [guid]::NewGuid(); Principal = $_.Principal; Role = $_.Role; RoleId = [guid]::Empty; Scope = $_.Scope
                    Type = 'Eligible'; MemberType = 'Direct'; State = 'Active'; StartDateTime = [datetime]::UtcNow; EndDateTime = $null
                    Justification = $_.Justification; TicketNumber = $_.TicketNumber; CreatedBy = 'admin@contoso.com'; CreatedDateTime = [datetime]::UtcNow }
            } }
        $module = Time { Import-Csv $csv | New-PimEligibleAssignment }
        $count = (Get-PimStore).EligibleAssignmentCount
        if ($count -ne $Rows) { throw "Bulk import stored $count of $Rows rows." }
        $rate = [math]::Round($Rows / $module)
        $ratio = $module / $baseline
        $maxRatio, $minRate = if ($Provider -eq 'PostgreSql') { 3, 20000 } else { 2.5, 10000 }
        $durable = $true; $durability = ''
        if ($Provider -eq 'PostgreSql') {
            # The figure counts only on a server as users run it: with its default durability.
            $settings = foreach ($name in 'fsync', 'synchronous_commit', 'full_page_writes') {
                $v = (& psql (ConvertTo-Libpq $PostgresAdmin) -qtA -c "SHOW $name" 2>&1 | Select-Object -First 1).ToString().Trim()
                if ($v -ne 'on') { $durable = $false }
                "$name=$v"
            }
            $durability = '; server ' + ($settings -join ', ') + $(if (-not $durable) { ' (not default durability: not comparable)' } else { '' })
        }
        $results.Add([pscustomobject]@{ Provider = $Provider; Measure = "Import-Csv | New-PimEligibleAssignment ($($Rows.ToString('N0')) rows)"; Module = '{0:N2} s' -f $module
            Baseline = '{0:N2} s (Import-Csv | ForEach-Object)' -f $baseline; Ratio = '{0:N2}x' -f $ratio; Target = "<= $($maxRatio)x, >= $($minRate.ToString('N0'))/s"
            Result = ('{0:N0} rows/s' -f $rate) + $durability; Pass = ($ratio -le $maxRatio -and $rate -ge $minRate -and $durable) })
        }
        # ---- 5. identity: a Verified store against a Lab store ----------------------------------------
        if ('Identity' -in $Measure) {
        $csv = Join-Path $work 'identity.csv'
        $roles = 'Security Reader', 'Global Reader', 'Reports Reader', 'Message Center Reader', 'Directory Readers'
        $sb = [Text.StringBuilder]::new("Principal,Role,Scope,Justification,TicketNumber,TicketSystem`n")
        for ($i = 0; $i -lt $Rows; $i++) { [void]$sb.Append("user$i@contoso.com,$($roles[$i % 5]),/,bulk load,CHG$i,ServiceNow`n") }
        [IO.File]::WriteAllText($csv, $sb.ToString())
        $warm = Join-Path $work 'identity-warm.csv'
        Get-Content $csv -TotalCount 3001 | Set-Content $warm
        Connect-BenchStore 'warmverified' -IdentityMode Verified | Out-Null
        Import-Csv $warm | New-PimEligibleAssignment | Out-Null
        # Alternated, twice each, the faster of each kept: the machine's noise is larger than what a seal per batch costs.
        $lab = [double]::MaxValue; $verified = [double]::MaxValue
        foreach ($round in 1, 2) {
            Connect-BenchStore "lab$round" | Out-Null
            $lab = [math]::Min($lab, (Time { Import-Csv $csv | New-PimEligibleAssignment }))
            $verifiedStore = Connect-BenchStore "verified$round" -IdentityMode Verified
            $verified = [math]::Min($verified, (Time { Import-Csv $csv | New-PimEligibleAssignment }))
            if ((Get-PimStore).EligibleAssignmentCount -ne $Rows) { throw "The Verified import stored $((Get-PimStore).EligibleAssignmentCount) of $Rows rows." }
        }
        $ratio = $verified / $lab
        $results.Add([pscustomobject]@{ Provider = $Provider; Measure = "Import into a Verified store ($($Rows.ToString('N0')) rows)"; Module = '{0:N2} s' -f $verified
            Baseline = '{0:N2} s (the same import, Lab store; faster of 2 each)' -f $lab; Ratio = '{0:N2}x' -f $ratio; Target = '<= 1.2x'
            Result = '{0:N0} rows/s' -f ($Rows / $verified); Pass = $ratio -le 1.2 })
        $check = $null
        $seconds = Time { $script:check = Test-PimAuditLog }
        $check = $script:check
        if (-not $check.IsValid) { throw "The Verified store's log does not verify: $($check.Reason)" }
        $perSecond = $check.RecordsChecked / $seconds
        $reconnect = Time { Connect-BenchStore 'verified' -Store $verifiedStore -IdentityMode Verified }
        $results.Add([pscustomobject]@{ Provider = $Provider; Measure = "Test-PimAuditLog, Verified ($($check.RecordsChecked.ToString('N0')) records, $($check.SealsChecked.ToString('N0')) seals)"
            Module = '{0:N2} s' -f $seconds; Baseline = ''; Ratio = ''; Target = '>= 20,000 records/s'
            Result = ('{0:N0} records/s; a connect (which verifies it all) {1:N2} s' -f $perSecond, $reconnect); Pass = $perSecond -ge 20000 })
        }

        # ---- 6. verified state: a million assignments in a Verified store ---------------------------------
        if ('Verified' -in $Measure) {
        $csvM = Join-Path $work 'verified-million.csv'
        $roles = 'Security Reader', 'Global Reader', 'Reports Reader', 'Message Center Reader', 'Directory Readers'
        $writer = [IO.StreamWriter]::new($csvM)
        $writer.WriteLine('Principal,Role,Scope,Justification')
        for ($i = 0; $i -lt $Assignments; $i++) { $writer.WriteLine("user$i@contoso.com,$($roles[$i % 5]),/,bulk load") }
        $writer.Dispose()
        $vstore = Connect-BenchStore 'vmillion' -IdentityMode Verified
        $import = Time { Import-Csv $csvM | New-PimEligibleAssignment }
        Disconnect-PimStore
        # A user's first connect: their checkpoint is made, verifying every record (with Write-Progress), on another folder.
        $savedData = $env:XDG_DATA_HOME
        $fresh = Join-Path $work 'data-fresh'
        New-Item -ItemType Directory (Join-Path $fresh 'PimModule') -Force | Out-Null
        Copy-Item (Join-Path $savedData 'PimModule/keys') (Join-Path $fresh 'PimModule/keys') -Recurse -Force
        $env:XDG_DATA_HOME = $fresh
        $ProgressPreference = 'SilentlyContinue'
        $first = Time { Connect-BenchStore 'vmillion' -Store $vstore -IdentityMode Verified }
        $records = (Get-PimStore).AuditRecordCount
        $rate = $records / $first
        $results.Add([pscustomobject]@{ Provider = $Provider; Measure = "First connect to a Verified store: the whole log verified ($($records.ToString('N0')) records, $($Assignments.ToString('N0')) assignments)"
            Module = '{0:N2} s' -f $first; Baseline = ('import through the module {0:N0} s' -f $import); Ratio = ''; Target = '>= 20,000 records/s'
            Result = '{0:N0} records/s' -f $rate; Pass = $rate -ge 20000 })
        # A new user's first connect with a snapshot (issue 30): the root seals one, 10,000 records follow it, and a user
        # with no checkpoint verifies the snapshot and the tail only; against the whole log's first connect above.
        Disconnect-PimStore
        $env:XDG_DATA_HOME = $savedData
        Connect-BenchStore 'vmillion' -Store $vstore -IdentityMode Verified | Out-Null
        $sealing = Time { $script:snapshot = New-PimSnapshot }
        $tailCsv = Join-Path $work 'tail.csv'
        $tw = [IO.StreamWriter]::new($tailCsv)
        $tw.WriteLine('Principal,Role,Scope,Justification')
        for ($i = 0; $i -lt 10000; $i++) { $tw.WriteLine("tail$i@contoso.com,Global Reader,/,after the snapshot") }
        $tw.Dispose()
        Import-Csv $tailCsv | New-PimEligibleAssignment | Out-Null
        Disconnect-PimStore
        $fromSnapshot = Join-Path $work 'data-snapshot'
        New-Item -ItemType Directory (Join-Path $fromSnapshot 'PimModule') -Force | Out-Null
        Copy-Item (Join-Path $savedData 'PimModule/keys') (Join-Path $fromSnapshot 'PimModule/keys') -Recurse -Force
        $env:XDG_DATA_HOME = $fromSnapshot
        $snapFirst = Time { Connect-BenchStore 'vmillion' -Store $vstore -IdentityMode Verified }
        $info = Get-PimStore
        if ($info.VerifiedFromSnapshot -ne $script:snapshot.Sequence) { throw "The first connect did not start from the snapshot at record $($script:snapshot.Sequence)." }
        $tail = $info.AuditRecordCount - $script:snapshot.Sequence
        $results.Add([pscustomobject]@{ Provider = $Provider; Measure = "First connect with a snapshot ($($info.AuditRecordCount.ToString('N0')) records, a tail of $($tail.ToString('N0')))"
            Module = '{0:N2} s' -f $snapFirst; Baseline = '{0:N2} s (the whole log, above)' -f $first; Ratio = '{0:N2}x' -f ($snapFirst / $first); Target = '<= 3 s'
            Result = ('snapshot {0:N0} MB, sealed in {1:N1} s' -f ($script:snapshot.SizeBytes / 1MB), $sealing); Pass = $snapFirst -le 3 })
        Disconnect-PimStore
        $env:XDG_DATA_HOME = $fresh
        Connect-BenchStore 'vmillion' -Store $vstore -IdentityMode Verified | Out-Null
        # Up-to-date checkpoint: access checks, against the same checks on a Lab store of as many assignments.
        $labDb = Connect-BenchStore 'vlab'
        Disconnect-PimStore
        Add-SeedAssignments $labDb $Assignments
        $sw = [Diagnostics.Stopwatch]::new()
        $median = @{}
        foreach ($mode in 'Lab', 'Verified') {
            if ($mode -eq 'Lab') { Connect-BenchStore 'vlab' -Store $labDb | Out-Null } else { Connect-BenchStore 'vmillion' -Store $vstore -IdentityMode Verified | Out-Null }
            $times = [double[]]::new($AccessCalls)
            for ($i = 0; $i -lt $AccessCalls; $i++) {
                $p = "user$(Get-Random -Maximum $Assignments)@contoso.com"
                $sw.Restart(); $null = Test-PimAccess -Principal $p -Role 'Security Reader'; $sw.Stop(); $times[$i] = $sw.Elapsed.TotalMilliseconds
            }
            [array]::Sort($times)
            $median[$mode] = $times[[int]($AccessCalls / 2)]
        }
        $results.Add([pscustomobject]@{ Provider = $Provider; Measure = "Test-PimAccess, Verified store, up-to-date checkpoint ($($Assignments.ToString('N0')) assignments)"
            Module = '{0:N3} ms' -f $median.Verified; Baseline = '{0:N3} ms (Lab store, same size)' -f $median.Lab; Ratio = '{0:N2}x' -f ($median.Verified / $median.Lab)
            Target = 'median < 1 ms'; Result = "median of $AccessCalls"; Pass = $median.Verified -lt 1 })
        $starts = foreach ($i in 1..7) {
            Disconnect-PimStore
            Time { Connect-BenchStore 'vmillion' -Store $vstore -IdentityMode Verified; Test-PimAccess -Principal 'user1@contoso.com' -Role 'Global Reader' } | ForEach-Object { $_ * 1000 }
        }
        $labStarts = foreach ($i in 1..7) {
            Disconnect-PimStore
            Time { Connect-BenchStore 'vlab' -Store $labDb; Test-PimAccess -Principal 'user1@contoso.com' -Role 'Global Reader' } | ForEach-Object { $_ * 1000 }
        }
        $startMedian = ($starts | Sort-Object)[3]; $labStartMedian = ($labStarts | Sort-Object)[3]
        $results.Add([pscustomobject]@{ Provider = $Provider; Measure = 'Connect + first answer, Verified store, up-to-date checkpoint'; Module = '{0:N0} ms' -f $startMedian
            Baseline = '{0:N0} ms (Lab store)' -f $labStartMedian; Ratio = '{0:N2}x' -f ($startMedian / $labStartMedian); Target = '< 300 ms'
            Result = 'median of 7, in a session'; Pass = $startMedian -lt 300 })
        $outV = Join-Path $work 'verified.csv'; $outL = Join-Path $work 'lab.csv'
        Connect-BenchStore 'vlab' -Store $labDb | Out-Null
        $labExport = Time { Get-PimAssignment | Export-Csv $outL -NoTypeInformation }
        Connect-BenchStore 'vmillion' -Store $vstore -IdentityMode Verified | Out-Null
        $verifiedExport = Time { Get-PimAssignment | Export-Csv $outV -NoTypeInformation }
        $lines = [IO.File]::ReadLines($outV) | Measure-Object | ForEach-Object Count
        if ($lines -lt $Assignments) { throw "The Verified export wrote $lines lines for $Assignments assignments." }
        $ratio = $verifiedExport / $labExport
        $results.Add([pscustomobject]@{ Provider = $Provider; Measure = "Get-PimAssignment | Export-Csv, Verified store ($($Assignments.ToString('N0')) assignments)"
            Module = '{0:N2} s' -f $verifiedExport; Baseline = '{0:N2} s (Lab store, same size)' -f $labExport; Ratio = '{0:N2}x' -f $ratio; Target = '<= 1.5x'
            Result = '{0:N0} rows/s' -f ($Assignments / $verifiedExport); Pass = $ratio -le 1.5 })
        Disconnect-PimStore
        $env:XDG_DATA_HOME = $savedData
        }

        # ---- 7. Entra interop: a tenant's users and assignments brought in from Graph's JSON ------------------------
        if ('Interop' -in $Measure) {
        $n = [math]::Min($Rows, 20000)
        $users = Join-Path $work 'users.csv'
        $sbu = [Text.StringBuilder]::new("Id,UserPrincipalName,DisplayName`n")
        $ids = foreach ($i in 0..($n - 1)) { $g = [guid]::NewGuid(); [void]$sbu.Append("$g,guest$i@contoso.com,Guest $i`n"); $g }
        [IO.File]::WriteAllText($users, $sbu.ToString())
        $graph = Join-Path $work 'eligible.json'
        $items = for ($i = 0; $i -lt $n; $i++) {
            '{"id":"' + [guid]::NewGuid() + '","principalId":"' + $ids[$i] + '","roleDefinitionId":"5d6b6bb7-de71-4623-b4af-96380a352509","directoryScopeId":"/","memberType":"Direct","status":"Provisioned","scheduleInfo":{"startDateTime":null,"recurrence":null,"expiration":{"type":"noExpiration","endDateTime":null,"duration":null}}}'
        }
        [IO.File]::WriteAllText($graph, '{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#roleManagement/directory/roleEligibilitySchedules","value":[' + ($items -join ',') + ']}')
        $plain = Join-Path $work 'eligible.csv'
        $sbc = [Text.StringBuilder]::new("Principal,Role,Permanent,Justification`n")
        for ($i = 0; $i -lt $n; $i++) { [void]$sbc.Append("guest$i@contoso.com,Security Reader,True,Imported from Entra`n") }
        [IO.File]::WriteAllText($plain, $sbc.ToString())
        Connect-BenchStore 'interop_csv' | Out-Null
        Import-PimDirectoryObject -Path $users
        $csvTime = Time { Import-Csv $plain | New-PimEligibleAssignment }
        Connect-BenchStore 'interop_graph' | Out-Null
        $dirTime = Time { Import-PimDirectoryObject -Path $users }
        $graphTime = Time { Import-PimAssignment -Path $graph }
        $count = (Get-PimStore).EligibleAssignmentCount
        if ($count -ne $n) { throw "The Graph import stored $count of $n assignments." }
        $ratio = $graphTime / $csvTime
        $results.Add([pscustomobject]@{ Provider = $Provider; Measure = "Import-PimAssignment of Graph's roleEligibilitySchedules ($($n.ToString('N0')) assignments)"
            Module = '{0:N2} s' -f $graphTime; Baseline = '{0:N2} s (Import-Csv | New-PimEligibleAssignment, same rows)' -f $csvTime; Ratio = '{0:N2}x' -f $ratio
            Target = '<= 1.5x'; Result = '{0:N0} assignments/s' -f ($n / $graphTime); Pass = $ratio -le 1.5 })
        $rate = $n / $dirTime
        $results.Add([pscustomobject]@{ Provider = $Provider; Measure = "Import-PimDirectoryObject of a Get-MgUser CSV ($($n.ToString('N0')) users, each audited)"
            Module = '{0:N2} s' -f $dirTime; Baseline = ''; Ratio = ''; Target = '>= 2,000 users/s'; Result = '{0:N0} users/s' -f $rate; Pass = $rate -ge 2000 })
        Disconnect-PimStore
        }

        # ---- 8. the report: a year of activity on a million assignments ------------------------------------------
        if ('Report' -in $Measure) {
        $rdb = Connect-BenchStore 'report'
        Disconnect-PimStore
        Add-ReportSeed $rdb $Assignments $Activations
        Connect-BenchStore 'report' $rdb | Out-Null
        $ProgressPreference = 'SilentlyContinue'
        $html = Join-Path $work "report-$Provider.html"; $csvOut = Join-Path $work "report-assignments-$Provider.csv"
        Export-PimReport -Path (Join-Path $work "report-warm-$Provider.html") -Since (Get-Date).AddDays(-7) | Out-Null   # JIT, the page cache
        $report = Time { Export-PimReport -Path $html -Since (Get-Date).AddDays(-365) }
        $data = [regex]::Match((Get-Content $html -Raw), '<script type="application/json" id="pim-report-data">(.*?)</script>', 'Singleline').Groups[1].Value | ConvertFrom-Json
        $counted = ($data.activationsPerDay | Measure-Object count -Sum).Sum
        $held = ($data.assignments | Measure-Object count -Sum).Sum
        if ($held -lt $Assignments -or $counted -lt $Activations * 0.99) { throw "The report counted $held assignments and $counted activations (of $Assignments and $Activations)." }
        $export = Time { Get-PimAssignment -State All | Export-Csv $csvOut -NoTypeInformation }
        $results.Add([pscustomobject]@{ Provider = $Provider; Measure = "Export-PimReport, a year ($($Assignments.ToString('N0')) assignments, $($Activations.ToString('N0')) activation requests)"
            Module = '{0:N2} s' -f $report; Baseline = '{0:N2} s (Get-PimAssignment -State All | Export-Csv, same store)' -f $export; Ratio = '{0:N2}x' -f ($report / $export)
            Target = '< 10 s'; Result = '{0:N0} KB of HTML' -f ((Get-Item $html).Length / 1KB); Pass = $report -lt 10 })
        Disconnect-PimStore
        }

        if (-not ($Measure | Where-Object { $_ -notin 'Import', 'Identity', 'Verified', 'Interop', 'Report' })) { return }

        # ---- 2. reading a million -----------------------------------------------------------------------
        $db = Connect-BenchStore 'million'
        Disconnect-PimStore
        Add-SeedAssignments $db $Assignments
        Connect-BenchStore 'million' $db | Out-Null
        if ('Export' -in $Measure) {

        $out1 = Join-Path $work 'module.csv'; $out2 = Join-Path $work 'plain.csv'
        $baseline = Time {
            $t = [datetime]::UtcNow
            1..$Assignments | ForEach-Object { [pscustomobject]@{ AssignmentId = [guid]::NewGuid(); Principal = "user$_@contoso.com"; Role = 'Security Reader'
                    RoleId = [guid]::Empty; Scope = '/'; Type = 'Eligible'; MemberType = 'Direct'; State = 'Active'; StartDateTime = $t; EndDateTime = $null
                    Justification = 'seed'; TicketNumber = $null; CreatedBy = 'admin@contoso.com'; CreatedDateTime = $t } } | Export-Csv $out2 -NoTypeInformation }
        $module = Time { Get-PimAssignment | Export-Csv $out1 -NoTypeInformation }
        $lines = [IO.File]::ReadLines($out1) | Measure-Object | ForEach-Object Count
        if ($lines -lt $Assignments) { throw "Export wrote $lines lines for $Assignments assignments." }
        $ratio = $module / $baseline
        $results.Add([pscustomobject]@{ Provider = $Provider; Measure = "Get-PimAssignment | Export-Csv ($($Assignments.ToString('N0')) assignments)"; Module = '{0:N2} s' -f $module
            Baseline = '{0:N2} s (plain objects | Export-Csv)' -f $baseline; Ratio = '{0:N2}x' -f $ratio; Target = '<= 1x'
            Result = '{0:N0} rows/s' -f ($Assignments / $module); Pass = $ratio -le 1 })

        $samples = foreach ($i in 1..50) { $p = "user$(Get-Random -Maximum $Assignments)@contoso.com"; (Measure-Command { Get-PimAssignment -Principal $p }).TotalMilliseconds }
        $median = ($samples | Sort-Object)[[int]($samples.Count / 2)]
        $results.Add([pscustomobject]@{ Provider = $Provider; Measure = "Get-PimAssignment -Principal x ($($Assignments.ToString('N0')) assignments)"; Module = '{0:N2} ms' -f $median
            Baseline = 'index lookup'; Ratio = ''; Target = 'milliseconds'; Result = 'median of 50'; Pass = $median -lt 50 })
        }

        # ---- 3. access checks ---------------------------------------------------------------------------
        if ('Access' -in $Measure) {
        $accessTarget = if ($Provider -eq 'PostgreSql') { 0.5 } else { 0.2 }
        $sw = [Diagnostics.Stopwatch]::new()
        $times = [double[]]::new($AccessCalls)
        $baseTimes = [double[]]::new($AccessCalls)
        for ($i = 0; $i -lt $AccessCalls; $i++) {
            $p = "user$(Get-Random -Maximum $Assignments)@contoso.com"
            $sw.Restart(); $null = Test-PimAccess -Principal $p -Role 'Security Reader'; $sw.Stop(); $times[$i] = $sw.Elapsed.TotalMilliseconds
            $sw.Restart(); $null = Test-Path -LiteralPath $work; $sw.Stop(); $baseTimes[$i] = $sw.Elapsed.TotalMilliseconds
        }
        [array]::Sort($times); [array]::Sort($baseTimes)
        $median = $times[[int]($AccessCalls / 2)]; $baseMedian = $baseTimes[[int]($AccessCalls / 2)]
        $results.Add([pscustomobject]@{ Provider = $Provider; Measure = "Test-PimAccess ($($Assignments.ToString('N0')) assignments)"; Module = '{0:N3} ms' -f $median
            Baseline = '{0:N3} ms (Test-Path, a trivial cmdlet)' -f $baseMedian; Ratio = '{0:N1}x' -f ($median / $baseMedian); Target = "median < $accessTarget ms"
            Result = "median of $AccessCalls"; Pass = $median -lt $accessTarget })
        }

        # ---- 4. start-up --------------------------------------------------------------------------------
        if ('StartUp' -notin $Measure) { return }
        # A fresh pwsh per start (the engine, Dapper and the providers load and JIT for real), against a bare start that
        # prints 1 (the issue's baseline, `pwsh -c 1`). On the Lab store of measure 2 and on a Verified store whose
        # checkpoint and pin this user (the bench's own data folder, which the starts inherit) already holds.
        $exe = [Environment]::ProcessPath
        [string[]] $prefix = if ((Split-Path $exe -Leaf) -like 'dotnet*') { @((Join-Path $PSHOME 'pwsh.dll')) } else { @() }
        $labConnect = if ($Provider -eq 'PostgreSql') { "Connect-PimStore -ConnectionString '$db' -Provider PostgreSql -Principal 'admin@contoso.com'" } else { "Connect-PimStore -Path '$db' -Principal 'admin@contoso.com'" }
        $startVerified = Connect-BenchStore 'startverified' -IdentityMode Verified
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' -Justification 'start-up bench' | Out-Null
        Disconnect-PimStore
        Connect-BenchStore 'startverified' -Store $startVerified -IdentityMode Verified | Out-Null # the checkpoint and the pin, up to date
        Disconnect-PimStore
        $verifiedConnect = if ($Provider -eq 'PostgreSql') { "Connect-PimStore -ConnectionString '$startVerified' -Provider PostgreSql -Principal 'admin@contoso.com'" } else { "Connect-PimStore -Path '$startVerified' -Principal 'admin@contoso.com'" }
        $commands = [ordered]@{ Lab = $labConnect; Verified = $verifiedConnect }
        $bare = [Collections.Generic.List[double]]::new()
        $withModule = @{ Lab = [Collections.Generic.List[double]]::new(); Verified = [Collections.Generic.List[double]]::new() }
        foreach ($i in 0..$StartRuns) {
            $b = Time { & $exe @prefix -NoProfile -NonInteractive -Command '1' | Out-Null }
            if ($i -gt 0) { $bare.Add($b * 1000) } # the first round warms the disk cache
            foreach ($mode in $commands.Keys) {
                $first = "Import-Module '$ModulePath'; $($commands[$mode]); `$null = Test-PimAccess -Principal 'user1@contoso.com' -Role 'Security Reader'"
                $m = Time { & $exe @prefix -NoProfile -NonInteractive -Command $first }
                if ($LASTEXITCODE -ne 0) { throw "The start-up run ($mode) failed." }
                if ($i -gt 0) { $withModule[$mode].Add($m * 1000) }
            }
        }
        $bareMedian = ($bare | Sort-Object)[[int]($bare.Count / 2)]
        foreach ($mode in $commands.Keys) {
            $moduleMedian = ($withModule[$mode] | Sort-Object)[[int]($withModule[$mode].Count / 2)]
            $results.Add([pscustomobject]@{ Provider = $Provider; Measure = "Start-up: import, connect, first Test-PimAccess ($mode store)"; Module = '{0:N0} ms' -f $moduleMedian
                Baseline = '{0:N0} ms (bare pwsh -c 1)' -f $bareMedian; Ratio = '+{0:N0} ms' -f ($moduleMedian - $bareMedian); Target = '<= +150 ms'
                Result = "median of $StartRuns starts"; Pass = ($moduleMedian - $bareMedian) -le 150 })
        }
    }
    finally {
        Disconnect-PimStore
    }

}

$providers = if ($Providers) { $Providers } else { @('Sqlite') + $(if ($PostgresAdmin) { 'PostgreSql' } else { Write-Host 'No $env:PIM_TEST_PG_ADMIN: measuring SQLite only.'; @() }) }
if ('PostgreSql' -in $providers -and -not $PostgresAdmin) { throw 'Measuring PostgreSql needs -PostgresAdmin (or $env:PIM_TEST_PG_ADMIN).' }
foreach ($p in $providers) { Measure-Provider $p }
Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
foreach ($db in $benchDatabases) { try { Invoke-BenchPsql $PostgresAdmin "DROP DATABASE IF EXISTS $db WITH (FORCE)" } catch { Write-Warning $_ } }

$results | Format-Table Provider, Measure, Module, Baseline, Ratio, Target, Result, Pass -AutoSize -Wrap | Out-String -Width 200 | Write-Host
if ($ResultsJson) { $results | ConvertTo-Json -Depth 3 | Set-Content -LiteralPath $ResultsJson }
if ($Measure.Count -lt 8) { if ($results | Where-Object { -not $_.Pass }) { Write-Warning 'Some targets were missed.' }; return }
$md = @('| provider | measure | PimModule | baseline (same run) | ratio | target | result | pass |', '|---|---|---|---|---|---|---|---|')
function Cell($v) { "$v" -replace '\|', '\|' }
$md += $results | ForEach-Object { "| $($_.Provider) | $(Cell $_.Measure) | $(Cell $_.Module) | $(Cell $_.Baseline) | $(Cell $_.Ratio) | $(Cell $_.Target) | $(Cell $_.Result) | $(if ($_.Pass) { 'yes' } else { 'no' }) |" }
$md += '', "Measured $(Get-Date -Format 'yyyy-MM-dd') on $([Environment]::ProcessorCount) cores with ``dotnet pwsh ./build.ps1 Bench`` ($($providers -join ' and ')), each provider's figures measured in one run."
Set-Content (Join-Path $PSScriptRoot 'results.md') $md
# The README shows the latest figures between its bench markers.
$readme = Join-Path $PSScriptRoot '../README.md'
if (Test-Path $readme) {
    $text = Get-Content $readme -Raw
    $block = "<!-- bench:start -->`n" + ($md -join "`n") + "`n<!-- bench:end -->"
    $text = [regex]::Replace($text, '(?s)<!-- bench:start -->.*?<!-- bench:end -->', { param($m) $block })
    Set-Content $readme $text -NoNewline
}
if ($results | Where-Object { -not $_.Pass }) { Write-Warning 'Some targets were missed.' }
