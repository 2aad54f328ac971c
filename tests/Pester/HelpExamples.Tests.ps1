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

    Such an example is not run; its It is reported as Skipped with the reason (Set-ItResult -Skipped), so skips
    show in every run. Prefer making an example runnable (a temporary path, 127.0.0.1, -WhatIf) over marking it.
    A marker without a reason is not a skip: the example runs, and 'has a reason for every skipped example' fails.
#>

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $script:SkipMarker = '(?m)^\s*#\s*Not run by the example tests:(?<reason>.*)$'
    # The examples are about the help, not the store: they run once, in the SQLite pass.
    $names = if ($env:PIM_TEST_PROVIDER -eq 'PostgreSql') { @() } else { (Get-Command -Module PimModule -CommandType Cmdlet).Name | Sort-Object }
    $script:CmdletExamples = foreach ($name in $names) {
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

    # Runs in each fresh process: reads the examples from a JSON file, runs each, prints the results as JSON last.
    $runner = @'
param([string] $ModulePath, [string] $ExamplesFile, [string] $WorkFolder)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module $ModulePath
# The examples that act as several principals are Lab examples (a Verified store needs each principal's own key):
# Lab unless an example names its mode.
$PSDefaultParameterValues['Connect-PimStore:IdentityMode'] = 'Lab'
Connect-PimStore # the default store ($env:PIM_STORE_PATH), made a Lab store
Set-Location -LiteralPath $WorkFolder
$__pimExamples = @(Get-Content -LiteralPath $ExamplesFile -Raw | ConvertFrom-Json)
$__pimResults = [System.Collections.Generic.List[object]]::new()
foreach ($__pimExample in $__pimExamples) {
    if ($__pimExample.Skip) {
        $__pimResults.Add([pscustomobject]@{ Index = $__pimExample.Index; Title = $__pimExample.Title; Status = 'Skipped'; Error = $null; Ms = 0 })
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
    $runnerFile = Join-Path $TestDrive 'run-examples.ps1'
    Set-Content -LiteralPath $runnerFile -Value $runner

    # One fresh pwsh per cmdlet, as Invoke-FreshPwsh starts them, but with its own environment
    # (ProcessStartInfo.Environment, not this process's), so that up to one per core run at the same time.
    $script:Runs = @{}
    $pending = [System.Collections.Generic.Queue[string]]::new([string[]] @((Get-Command -Module PimModule -CommandType Cmdlet).Name | Sort-Object))
    $running = [System.Collections.Generic.List[object]]::new()
    $throttle = [Math]::Max(2, [Environment]::ProcessorCount)
    while ($pending.Count -or $running.Count) {
        while ($pending.Count -and $running.Count -lt $throttle) {
            $name = $pending.Dequeue()
            $helpExamples = @((Get-Help -Name $name).examples.example)
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
            $work = Join-Path $TestDrive "examples-$name"
            $temp = Join-Path $work 'tmp'
            $null = New-Item -ItemType Directory -Path $temp -Force
            $examplesFile = Join-Path $TestDrive "examples-$name.json"
            ConvertTo-Json -InputObject $toRun -Depth 3 | Set-Content -LiteralPath $examplesFile

            $start = [Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
            foreach ($a in (Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', $runnerFile,
                '-ModulePath', $ModulePath, '-ExamplesFile', $examplesFile, '-WorkFolder', $work) { $start.ArgumentList.Add($a) }
            $start.UseShellExecute = $false
            $start.RedirectStandardOutput = $true
            $start.RedirectStandardError = $true
            $start.WorkingDirectory = $work
            $start.Environment['PIM_STORE_PATH'] = New-TestStorePath -Name $name
            $start.Environment.Remove('PIM_STORE_CONNECTION') | Out-Null
            $start.Environment['PIM_SECRET_KEY'] = [Convert]::ToBase64String([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
            $start.Environment.Remove('PIM_TEST_UTCNOW') | Out-Null
            foreach ($v in 'TMPDIR', 'TEMP', 'TMP') { $start.Environment[$v] = $temp }
            $start.Environment['XDG_DATA_HOME'] = Join-Path $work 'data' # keys and known stores of this run only
            $process = [Diagnostics.Process]::Start($start)
            $running.Add([pscustomobject]@{
                    Name = $name; Examples = $toRun; Process = $process
                    Stdout = $process.StandardOutput.ReadToEndAsync(); Stderr = $process.StandardError.ReadToEndAsync()
                })
        }
        $done = @($running | Where-Object { $_.Process.WaitForExit(20) })
        foreach ($run in $done) {
            $run.Process.WaitForExit()
            $output = @($run.Stdout.Result -split '\r?\n' | Where-Object { $_.Trim() })
            $results = $null
            try { $results = @($output[-1] | ConvertFrom-Json) } catch { }
            $Runs[$run.Name] = [pscustomobject]@{
                Examples = $run.Examples
                Results  = if ($results -and $null -ne $results[0].Status) { $results } else { $null }
                Output   = "exit $($run.Process.ExitCode)`n$($run.Stdout.Result)`n$($run.Stderr.Result)"
            }
            $run.Process.Dispose()
            $null = $running.Remove($run)
        }
    }
}

Describe 'Help examples of <Name>' -Tag Help, HelpExamples -ForEach $CmdletExamples {
    BeforeAll {
        $run = $Runs[$Name]
        if (-not $run.Results) { throw "The examples of $Name did not report their results. Output of the process:`n$($run.Output)" }
    }

    It '<Title>' -ForEach $Examples {
        if ($Skip) {
            Set-ItResult -Skipped -Because "it is marked 'Not run by the example tests: $Skip'"
            return
        }
        $result = $run.Results | Where-Object Index -eq $Index
        $result | Should -Not -BeNullOrEmpty -Because "the example '$Title' of $Name must have been run"
        $result.Title | Should -Be $Title
        if ($result.Status -ne 'Passed') {
            throw "Example '$Title' of $Name failed: $($result.Error)"
        }
    }

    It 'has a reason for every skipped example' {
        $run.Examples | Where-Object { $null -ne $_.Skip -and -not $_.Skip } | ForEach-Object Title |
            Should -BeNullOrEmpty -Because "'# Not run by the example tests:' must say why"
    }
}
