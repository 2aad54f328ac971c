<#
.SYNOPSIS
    Runs the Pester suite in this (fresh) pwsh against the built module; writes NUnit XML and a summary.
#>
param(
    [Parameter(Mandatory)] [string] $PackagesFolder,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ResultsFolder,
    [string] $Tag,
    [string] $ExcludeTag,
    # The run's name (results and summary files): Shipped or Hostile (out/PimModule), or TestClock (out/test/PimModule).
    [string] $Name = 'Shipped',
    # Only these test files (names, comma-separated), or every file but these: build.ps1 runs the hostile suite beside the rest.
    [string] $Files,
    [string] $ExcludeFiles
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PackagesFolder 'pester/5.7.1/tools/Pester.psd1') -MinimumVersion 5.7.1 -Force
$env:PIM_TEST_MODULE = (Resolve-Path $ModulePath).Path
$env:PIM_TEST_PACKAGES = $PackagesFolder
# Set-TestClock works only against the test variant (the module users load has no clock hook).
$env:PIM_TEST_HOOKS = if ($Name -eq 'TestClock') { '1' } else { $null }
# Which provider (PIM_TEST_PROVIDER); on PostgreSQL every test database is named after this run, and dropped at the end.
$provider = if ($env:PIM_TEST_PROVIDER -eq 'PostgreSql') { 'PostgreSql' } else { 'Sqlite' }
$env:PIM_TEST_RUN_ID = [guid]::NewGuid().ToString('N').Substring(0, 8)
# Keys and known stores (the per-user PimModule folder) of this run only: never the real user's.
$env:XDG_DATA_HOME = Join-Path ([IO.Path]::GetTempPath()) "pim-test-data-$($env:PIM_TEST_RUN_ID)"
$null = New-Item -ItemType Directory -Path $env:XDG_DATA_HOME -Force
Write-Host "Pester on $provider ($($Name): $ModulePath)"

$config = New-PesterConfiguration
# Suites that never touch a PostgreSQL store (the source's layout, cmdlet conventions, help, the package on its default
# SQLite store) run on SQLite only: the same answer twice is only time.
$sqliteOnly = @('Layout.Tests.ps1', 'Conventions.Tests.ps1', 'Help.Tests.ps1', 'Package.Tests.ps1')
$only = @(if ($Files) { $Files -split ',' })
$skip = @(if ($ExcludeFiles) { $ExcludeFiles -split ',' })
$config.Run.Path = @(Get-ChildItem $PSScriptRoot -Filter '*.Tests.ps1' |
        Where-Object { ($provider -ne 'PostgreSql' -or $_.Name -notin $sqliteOnly) -and (-not $only -or $_.Name -in $only) -and $_.Name -notin $skip } |
        ForEach-Object FullName)
$config.Run.PassThru = $true
$config.Run.Exit = $false
$config.Output.Verbosity = 'Normal'
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = Join-Path $ResultsFolder "pester-$provider-$Name.xml"
if ($Tag) { $config.Filter.Tag = $Tag -split ',' }
# Tests tagged ProviderNeutral refuse input before the store is touched: on SQLite only, for the same reason.
$exclude = @(if ($ExcludeTag) { $ExcludeTag -split ',' }) + @(if ($provider -eq 'PostgreSql') { 'ProviderNeutral' })
if ($exclude) { $config.Filter.ExcludeTag = $exclude }

$result = Invoke-Pester -Configuration $config
# The run's test databases are dropped, unless the cluster is thrown away after the run anyway (.ci/run sets
# PIM_TEST_PG_THROWAWAY: dropping some hundreds of databases one by one costs about a minute).
if ($provider -eq 'PostgreSql' -and $env:PIM_TEST_PG_THROWAWAY -ne '1') {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    try {
        $dbs = Invoke-Psql -ConnectionString $env:PIM_TEST_PG_ADMIN -Sql "SELECT datname FROM pg_database WHERE datname LIKE 'pimtest\_$($env:PIM_TEST_RUN_ID)\_%'"
        foreach ($db in $dbs | Where-Object { $_ }) { $null = Invoke-Psql -ConnectionString $env:PIM_TEST_PG_ADMIN -Sql "DROP DATABASE IF EXISTS $db WITH (FORCE)" }
        Write-Host "Dropped $(@($dbs | Where-Object { $_ }).Count) test databases."
    }
    catch { Write-Warning "Could not drop the test databases: $_" }
}
$summary = [ordered]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    # Tests a tag filter leaves out (the other run's) are NotRun, not skipped: count only those skipped with a reason.
    Skipped = $result.SkippedCount
}
$summary | ConvertTo-Json | Set-Content (Join-Path $ResultsFolder "pester-summary-$Name.json")
exit ([int]($summary.Failed -gt 0))
