<#
.SYNOPSIS
    PimModule's performance figures, each as a ratio against a baseline run beside it in the same process.
.DESCRIPTION
    1. Import-Csv of N rows piped to New-PimEligibleAssignment, against the same Import-Csv piped to a
       ForEach-Object that builds equivalent objects (target: >= 10,000 rows/s and <= 3x the baseline).
    2. Get-PimAssignment over M assignments piped to Export-Csv, against exporting M plain objects
       (target: <= 2x), and a filtered query (-Principal) in milliseconds.
    3. Test-PimAccess at M assignments: the median of many calls (target: < 1 ms).
    Prints a table and writes bench/results.md (included in the README).
.PARAMETER Rows
    Rows of the bulk import (100,000 by default).
.PARAMETER Assignments
    Assignments in the store for the read measures (1,000,000 by default).
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Rows = 100000,
    [int] $Assignments = 1000000,
    [int] $AccessCalls = 2000,
    [string] $Provider = 'Sqlite',
    [string] $ConnectionString
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
$work = Join-Path ([IO.Path]::GetTempPath()) ("pim-bench-{0}" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory $work | Out-Null
$results = [Collections.Generic.List[object]]::new()
function Add-Result($Measure, $Module, $Baseline, $Target, $Pass, $Note) {
    $results.Add([pscustomobject]@{ Measure = $Measure; Module = $Module; Baseline = $Baseline; Ratio = $null; Target = $Target; Pass = $Pass; Note = $Note })
}
function Time([scriptblock] $Block) { $sw = [Diagnostics.Stopwatch]::StartNew(); & $Block | Out-Null; $sw.Stop(); $sw.Elapsed.TotalSeconds }

try {
    # ---- 1. bulk import ---------------------------------------------------------------------------
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
    Connect-PimStore -Path (Join-Path $work 'warm.db') -Principal 'admin@contoso.com'
    Import-Csv $warm | New-PimEligibleAssignment | Out-Null
    Import-Csv $warm | ForEach-Object { [pscustomobject]@{ Principal = $_.Principal } } | Out-Null
    Connect-PimStore -Path (Join-Path $work 'bulk.db') -Principal 'admin@contoso.com'

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
    $results.Add([pscustomobject]@{ Measure = "Import-Csv | New-PimEligibleAssignment ($($Rows.ToString('N0')) rows)"; Module = '{0:N2} s' -f $module
        Baseline = '{0:N2} s (Import-Csv | ForEach-Object)' -f $baseline; Ratio = '{0:N2}x' -f $ratio; Target = '<= 3x, >= 10,000/s'
        Result = '{0:N0} rows/s' -f $rate; Pass = ($ratio -le 3 -and $rate -ge 10000) })

    # ---- 2. reading a million -----------------------------------------------------------------------
    $db = Join-Path $work 'million.db'
    Connect-PimStore -Path $db -Principal 'admin@contoso.com'
    Disconnect-PimStore
    $seed = Join-Path $PSScriptRoot 'seed-assignments.py'
    & python3 $seed $db $Assignments
    if ($LASTEXITCODE -ne 0) { throw 'Seeding the store failed.' }
    Connect-PimStore -Path $db -Principal 'admin@contoso.com'

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
    $results.Add([pscustomobject]@{ Measure = "Get-PimAssignment | Export-Csv ($($Assignments.ToString('N0')) assignments)"; Module = '{0:N2} s' -f $module
        Baseline = '{0:N2} s (plain objects | Export-Csv)' -f $baseline; Ratio = '{0:N2}x' -f $ratio; Target = '<= 2x'
        Result = '{0:N0} rows/s' -f ($Assignments / $module); Pass = $ratio -le 2 })

    $samples = foreach ($i in 1..50) { $p = "user$(Get-Random -Maximum $Assignments)@contoso.com"; (Measure-Command { Get-PimAssignment -Principal $p }).TotalMilliseconds }
    $median = ($samples | Sort-Object)[[int]($samples.Count / 2)]
    $results.Add([pscustomobject]@{ Measure = "Get-PimAssignment -Principal x ($($Assignments.ToString('N0')) assignments)"; Module = '{0:N2} ms' -f $median
        Baseline = 'index lookup'; Ratio = ''; Target = 'milliseconds'; Result = 'median of 50'; Pass = $median -lt 50 })

    # ---- 3. access checks ---------------------------------------------------------------------------
    $sw = [Diagnostics.Stopwatch]::new()
    $times = [double[]]::new($AccessCalls)
    $baseTimes = [double[]]::new($AccessCalls)
    for ($i = 0; $i -lt $AccessCalls; $i++) {
        $p = "user$(Get-Random -Maximum $Assignments)@contoso.com"
        $sw.Restart(); $null = Test-PimAccess -Principal $p -Role 'Security Reader'; $sw.Stop(); $times[$i] = $sw.Elapsed.TotalMilliseconds
        $sw.Restart(); $null = Test-Path -LiteralPath $db; $sw.Stop(); $baseTimes[$i] = $sw.Elapsed.TotalMilliseconds
    }
    [array]::Sort($times); [array]::Sort($baseTimes)
    $median = $times[[int]($AccessCalls / 2)]; $baseMedian = $baseTimes[[int]($AccessCalls / 2)]
    $results.Add([pscustomobject]@{ Measure = "Test-PimAccess ($($Assignments.ToString('N0')) assignments)"; Module = '{0:N3} ms' -f $median
        Baseline = '{0:N3} ms (Test-Path, a trivial cmdlet)' -f $baseMedian; Ratio = '{0:N1}x' -f ($median / $baseMedian); Target = 'median < 1 ms'
        Result = "median of $AccessCalls"; Pass = $median -lt 1 })
}
finally {
    Disconnect-PimStore
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}

$results | Format-Table Measure, Module, Baseline, Ratio, Target, Result, Pass -AutoSize -Wrap | Out-String -Width 200 | Write-Host
$md = @('| measure | PimModule | baseline (same run) | ratio | target | result | pass |', '|---|---|---|---|---|---|---|')
function Cell($v) { "$v" -replace '\|', '\|' }
$md += $results | ForEach-Object { "| $(Cell $_.Measure) | $(Cell $_.Module) | $(Cell $_.Baseline) | $(Cell $_.Ratio) | $(Cell $_.Target) | $(Cell $_.Result) | $(if ($_.Pass) { 'yes' } else { 'no' }) |" }
$md += '', "Measured $(Get-Date -Format 'yyyy-MM-dd') on $([Environment]::ProcessorCount) cores with ``dotnet pwsh ./build.ps1 Bench`` ($Provider)."
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
