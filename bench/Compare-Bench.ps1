<#
.SYNOPSIS
    Measures a change against a baseline build side by side, in one run: the same bench measures, on the same machine,
    one after the other, for both modules.
.DESCRIPTION
    Runs bench/Invoke-Bench.ps1 (each in a fresh pwsh) for -Baseline and for -ModulePath, alternating -Rounds times, and
    prints each measure's figure for both and the change's ratio to the baseline (the median over the rounds). Build the
    baseline from the commit to compare with, e.g.:
        git worktree add ../baseline <commit>; cd ../baseline; dotnet pwsh ./build.ps1 Build
.EXAMPLE
    ./bench/Compare-Bench.ps1 -Baseline ../baseline/out/PimModule -ModulePath ./out/PimModule -Measure Import, Access, Identity, Verified -Rows 20000 -Assignments 100000
#>
param(
    [Parameter(Mandatory)] [string] $Baseline,
    [Parameter(Mandatory)] [string] $ModulePath,
    [ValidateSet('Import', 'Export', 'Access', 'StartUp', 'Identity', 'Verified', 'Interop', 'Report')] [string[]] $Measure = @('Import', 'Access', 'Identity', 'Verified'),
    [int] $Rows = 20000,
    [int] $Assignments = 100000,
    [int] $Rounds = 1,
    [ValidateSet('Sqlite', 'PostgreSql')] [string[]] $Providers = @('Sqlite'),
    [string] $PostgresAdmin = $env:PIM_TEST_PG_ADMIN
)
$ErrorActionPreference = 'Stop'
$bench = Join-Path $PSScriptRoot 'Invoke-Bench.ps1'
$figures = @{}   # "provider|measure" -> @{ Baseline = [double[]]; Change = [double[]]; Unit }
function Get-Number([string] $Text) {
    # The first number of a figure ('1.23 s', '0.166 ms', '1,980 ms') and its unit.
    if ($Text -match '^\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*(\S+)') { [pscustomobject]@{ Value = [double]($Matches[1] -replace ',', ''); Unit = $Matches[2] } }
}
foreach ($round in 1..$Rounds) {
    foreach ($which in 'Baseline', 'Change') {
        $module = (Resolve-Path $(if ($which -eq 'Baseline') { $Baseline } else { $ModulePath })).Path
        $json = Join-Path ([IO.Path]::GetTempPath()) "pim-compare-$([guid]::NewGuid().ToString('N')).json"
        # -Command, not -File: the lists (-Measure, -Providers) reach the bench as lists.
        $q = { param($v) "'" + ($v -replace "'", "''") + "'" }
        $command = "& $(& $q $bench) -ModulePath $(& $q $module) -Rows $Rows -Assignments $Assignments -Measure $($Measure -join ',') " +
            "-Providers $($Providers -join ',') -ResultsJson $(& $q $json)" + $(if ($PostgresAdmin) { " -PostgresAdmin $(& $q $PostgresAdmin)" } else { '' })
        Write-Host "Round $round, $($which): $module"
        & ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $command | Out-Null
        if (-not (Test-Path $json)) { throw "The bench of $which wrote no figures." }
        foreach ($r in Get-Content $json -Raw | ConvertFrom-Json) {
            $n = Get-Number $r.Module
            if (-not $n) { continue }
            $key = "$($r.Provider)|$($r.Measure)"
            if (-not $figures[$key]) { $figures[$key] = @{ Baseline = [Collections.Generic.List[double]]::new(); Change = [Collections.Generic.List[double]]::new(); Unit = $n.Unit } }
            $figures[$key][$which].Add($n.Value)
        }
        Remove-Item $json
    }
}
function Median($list) { if ($list.Count -eq 0) { return $null }; ($list | Sort-Object)[[int][Math]::Floor(($list.Count - 1) / 2)] }
$table = foreach ($key in $figures.Keys | Sort-Object) {
    $f = $figures[$key]; $b = Median $f.Baseline; $c = Median $f.Change
    $provider, $what = $key -split '\|', 2
    [pscustomobject]@{ Provider = $provider; Measure = $what; Baseline = "$b $($f.Unit)"; Change = "$c $($f.Unit)"
        Ratio = if ($b) { '{0:N2}x' -f ($c / $b) } else { '' } }
}
$table | Format-Table -AutoSize -Wrap | Out-String -Width 200 | Write-Host
$table
