<#
.SYNOPSIS
    Runs the Pester suite in this (fresh) pwsh against the built module; writes NUnit XML and a summary.
#>
param(
    [Parameter(Mandatory)] [string] $PackagesFolder,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ResultsFolder,
    [string] $Tag
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PackagesFolder 'pester/5.7.1/tools/Pester.psd1') -MinimumVersion 5.7.1 -Force
$env:PIM_TEST_MODULE = (Resolve-Path $ModulePath).Path
$env:PIM_TEST_PACKAGES = $PackagesFolder

$config = New-PesterConfiguration
$config.Run.Path = $PSScriptRoot
$config.Run.PassThru = $true
$config.Run.Exit = $false
$config.Output.Verbosity = 'Normal'
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = Join-Path $ResultsFolder 'pester.xml'
if ($Tag) { $config.Filter.Tag = $Tag -split ',' }

$result = Invoke-Pester -Configuration $config
$summary = [ordered]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount + $result.NotRunCount
}
$summary | ConvertTo-Json | Set-Content (Join-Path $ResultsFolder 'pester-summary.json')
exit ([int]($summary.Failed -gt 0))
