<#
    Every example of the module's help is run as a test, so that the documentation cannot rot (issue 8).

    The examples are read from the generated MAML (`(Get-Help <cmdlet>).examples.example`), not from the
    Markdown in docs/help, so what is tested is what users see. For each exported cmdlet, its examples run in
    order, in ONE fresh `pwsh -NoProfile -NonInteractive` process, so a later example may use what an earlier one
    made ($admin, $request, a user's assignment):
      - $env:PIM_STORE_PATH is a new store, and nothing connects first: the acting principal is the operating-
        system user, who creates the store and so is its Privileged Role Administrator;
      - the current folder, and the temporary folder ($env:TMPDIR / $env:TEMP, so [IO.Path]::GetTempPath()), are
        a new empty folder; $env:PIM_SECRET_KEY is a new key (no key file is written to the user's profile);
      - $ErrorActionPreference is 'Stop' (set again before each example), so an error an example does not expect
        fails it. Examples that show a refusal on purpose catch their own errors;
      - the output of each example is rendered (Out-String), so the formatting it asks for runs too.
    Each example runs in a try/catch that records its title and error; the process writes the results as JSON on
    its last output line. One It per example, named by its title, fails with the example's error.

    SKIPPING. An example that cannot run unattended (it needs a person: Read-Host, Get-Credential; or a real
    external system: a fixed path such as D:\ or /var/lib, a real mail server, a PostgreSQL server) carries this
    line in its code, in docs/help/<Verb-Noun>.md:

        # Not run by the example tests: <reason>

    Such an example is not run; its It is reported as Skipped with the reason. Prefer making an example runnable
    (a temporary path, 127.0.0.1, -WhatIf) over marking it. An example without code, or a marker without a reason,
    fails.
#>

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $script:SkipMarker = '(?m)^\s*#\s*Not run by the example tests:(?<reason>.*)$'
    $script:CmdletExamples = foreach ($name in (Get-Command -Module PimModule -CommandType Cmdlet).Name | Sort-Object) {
        $index = 0
        @{
            Name     = $name
            Examples = @(foreach ($e in @((Get-Help -Name $name).examples.example)) {
                    $m = [regex]::Match("$($e.code)", $SkipMarker)
                    @{
                        Index = $index++
                        Title = ("$($e.title)" -replace '^[\s-]+|[\s-]+$', '')
                        Skip  = if ($m.Success) { $m.Groups['reason'].Value.Trim() } else { $null }
                    }
                })
        }
    }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $script:SkipMarker = '(?m)^\s*#\s*Not run by the example tests:(?<reason>.*)$'

    # Runs in the fresh process: reads the examples from a JSON file, runs each, prints the results as JSON last.
    $script:Runner = @'
param([string] $ModulePath, [string] $ExamplesFile, [string] $WorkFolder)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module $ModulePath
Set-Location -LiteralPath $WorkFolder
$__pimExamples = @(Get-Content -LiteralPath $ExamplesFile -Raw | ConvertFrom-Json)
$__pimResults = [System.Collections.Generic.List[object]]::new()
foreach ($__pimExample in $__pimExamples) {
    if ($__pimExample.Skip) {
        $__pimResults.Add([pscustomobject]@{ Index = $__pimExample.Index; Title = $__pimExample.Title; Status = 'Skipped'; Error = $null })
        continue
    }
    $__pimClock = [Diagnostics.Stopwatch]::StartNew()
    $ErrorActionPreference = 'Stop'
    try {
        # Dot-sourced: what an example defines ($admin, $request, functions) stays for the next ones.
        $null = . ([scriptblock]::Create($__pimExample.Code)) | Out-String -Width 250
        $__pimResults.Add([pscustomobject]@{ Index = $__pimExample.Index; Title = $__pimExample.Title; Status = 'Passed'; Error = $null; Ms = $__pimClock.ElapsedMilliseconds })
    }
    catch {
        $__pimError = "$($_.FullyQualifiedErrorId): $($_.Exception.Message)`n$($_.InvocationInfo.PositionMessage)"
        $__pimResults.Add([pscustomobject]@{ Index = $__pimExample.Index; Title = $__pimExample.Title; Status = 'Failed'; Error = $__pimError; Ms = $__pimClock.ElapsedMilliseconds })
    }
}
[Console]::Out.WriteLine((ConvertTo-Json -InputObject $__pimResults.ToArray() -Compress -Depth 3))
'@
}

Describe 'Help examples of <Name>' -Tag Help, HelpExamples -ForEach $CmdletExamples {
    BeforeAll {
        # The examples as Get-Help shows them, with their skip markers.
        $helpExamples = @((Get-Help -Name $Name).examples.example)
        $toRun = @(for ($i = 0; $i -lt $helpExamples.Count; $i++) {
                $code = "$($helpExamples[$i].code)"
                $m = [regex]::Match($code, $SkipMarker)
                [pscustomobject]@{
                    Index = $i
                    Title = ("$($helpExamples[$i].title)" -replace '^[\s-]+|[\s-]+$', '')
                    Code  = $code
                    Skip  = if ($m.Success) { $m.Groups['reason'].Value.Trim() } else { $null }
                }
            })

        $work = Join-Path $TestDrive ("examples-{0}" -f $Name)
        $temp = Join-Path $work 'tmp'
        $null = New-Item -ItemType Directory -Path $temp -Force
        $examplesFile = Join-Path $TestDrive ("examples-{0}.json" -f $Name)
        ConvertTo-Json -InputObject $toRun -Depth 3 | Set-Content -LiteralPath $examplesFile
        $runnerFile = Join-Path $TestDrive 'run-examples.ps1'
        Set-Content -LiteralPath $runnerFile -Value $Runner

        $quote = { param($s) "'" + ($s -replace "'", "''") + "'" }
        $environment = @{
            PIM_STORE_PATH   = New-TestStorePath -Name $Name
            PIM_SECRET_KEY   = [Convert]::ToBase64String([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
            PIM_TEST_UTCNOW  = $null
            TMPDIR           = $temp
            TEMP             = $temp
            TMP              = $temp
        }
        $output = Invoke-FreshPwsh -AllowFailure -Environment $environment -Script (
            "& {0} -ModulePath {1} -ExamplesFile {2} -WorkFolder {3}" -f (& $quote $runnerFile), (& $quote $ModulePath), (& $quote $examplesFile), (& $quote $work))
        $last = @($output | Where-Object { "$_".Trim() }) | Select-Object -Last 1
        $results = $null
        try { $results = @($last | ConvertFrom-Json) } catch { }
        if (-not $results -or $null -eq $results[0].Status) {
            throw "The examples of $Name did not report their results. Output of the process:`n$($output -join "`n")"
        }
    }

    It '<Title>' -ForEach $Examples {
        if ($Skip) {
            Set-ItResult -Skipped -Because "it is marked 'Not run by the example tests: $Skip'"
            return
        }
        $result = $results | Where-Object Index -eq $Index
        $result | Should -Not -BeNullOrEmpty -Because "the example '$Title' of $Name must have been run"
        $result.Title | Should -Be $Title
        if ($result.Status -ne 'Passed') {
            throw "Example '$Title' of $Name failed: $($result.Error)"
        }
    }

    It 'has a reason for every skipped example' {
        $toRun | Where-Object { $null -ne $_.Skip -and -not $_.Skip } | ForEach-Object Title |
            Should -BeNullOrEmpty -Because "'# Not run by the example tests:' must say why"
    }
}
