<#
    Every example of the module's help is run as a test, so that the documentation cannot rot (issues 8 and 26).

    The examples are read from the generated MAML (`(Get-Help <cmdlet>).examples.example`), not from the
    Markdown in docs/help, so what is tested is what users see. For each exported cmdlet, its examples run in
    order, in ONE fresh pwsh on a newcomer's machine (tests/Pester/DocRunner.ps1): a HOME of its own and the default
    store a newcomer gets — a Verified store, created on first use by the operating-system user, who is its first
    Privileged Role Administrator and holds its root key. Nothing forces Lab: an example that acts as several
    principals shows how each gets a key (New-PimCredential | Register-PimCredential), as a newcomer must.
    A later example may use what an earlier one made ($admin, $request, a user's assignment).

    SKIPPING. An example that cannot run unattended (it needs a person: Read-Host, Get-Credential; or a real
    external system: a fixed path such as D:\ or /var/lib, a real mail server, a PostgreSQL server) carries this
    line in its code, in docs/help/<Verb-Noun>.md:

        # Not run by the example tests: <reason>

    Such an example is not run; its It is reported as Skipped with the reason (Set-ItResult -Skipped), so skips
    show in every run. Prefer making an example runnable (a temporary path, 127.0.0.1, -WhatIf) over marking it.
    A marker without a reason is not a skip: 'has a reason for every skipped example' fails.
#>

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'DocRunner.ps1')
    Import-Module $ModulePath -Force
    # The examples are about the help, not the store: they run once, in the SQLite pass.
    $names = if ($env:PIM_TEST_PROVIDER -eq 'PostgreSql') { @() } else { (Get-Command -Module PimModule -CommandType Cmdlet).Name | Sort-Object }
    $script:CmdletExamples = foreach ($name in $names) {
        $index = 0
        @{
            Name     = $name
            Examples = @(foreach ($e in @((Get-Help -Name $name).examples.example)) {
                    @{
                        Index = $index++
                        Title = ("$($e.title)" -replace '^[\s-]+|[\s-]+$', '')
                        Skip  = Get-DocSkipReason "$($e.code)"
                    }
                })
        }
    }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'DocRunner.ps1')
    Import-Module $ModulePath -Force
    $script:Runs = @{}
    if ($env:PIM_TEST_PROVIDER -ne 'PostgreSql') {
        $helpRuns = foreach ($name in (Get-Command -Module PimModule -CommandType Cmdlet).Name | Sort-Object) {
            $helpExamples = @((Get-Help -Name $name).examples.example)
            [pscustomobject]@{
                Name     = $name
                Snippets = @(for ($i = 0; $i -lt $helpExamples.Count; $i++) {
                        $code = "$($helpExamples[$i].code)"
                        [pscustomobject]@{
                            Index = $i
                            Title = ("$($helpExamples[$i].title)" -replace '^[\s-]+|[\s-]+$', '')
                            Code  = $code
                            Skip  = Get-DocSkipReason $code
                        }
                    })
            }
        }
        $script:Runs = Invoke-DocRun -Runs @($helpRuns) -Folder $TestDrive
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
        $Examples | Where-Object { $null -ne $_.Skip -and -not $_.Skip } | ForEach-Object Title |
            Should -BeNullOrEmpty -Because "'# Not run by the example tests:' must say why"
    }
}
