<#
    Documentation is code (issue 26): every fenced powershell block of README.md runs as written, top to bottom per
    (##) section, each section in a fresh pwsh on the fresh default store a newcomer gets — a Verified store — on
    SQLite and on PostgreSQL; the PS> commands of about_PimModule run the same way, top to bottom, on one provider.
    How a run is set up, and how a block is marked not to run (with its reason), is in DocRunner.ps1.
#>

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'DocRunner.ps1')
    $script:ReadmeSections = @(Get-ReadmeSection -Path (Join-Path $RepoRoot 'README.md') | ForEach-Object {
            @{ Section = $_.Name; Blocks = @($_.Blocks | ForEach-Object { @{ Index = $_.Index; Title = $_.Title; Skip = $_.Skip } }) }
        })
    $script:AboutSnippets = @(if ($env:PIM_TEST_PROVIDER -ne 'PostgreSql') {
            Get-AboutExample -Path (Join-Path $RepoRoot 'docs/about_PimModule.help.txt') | ForEach-Object { @{ Index = $_.Index; Title = $_.Title; Skip = $_.Skip } }
        })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'DocRunner.ps1')
    $script:Sections = @(Get-ReadmeSection -Path (Join-Path $RepoRoot 'README.md'))
    $runs = @($Sections | Where-Object { $_.Blocks | Where-Object { $null -eq $_.Skip } } | ForEach-Object { [pscustomobject]@{ Name = "README: $($_.Name)"; Snippets = @($_.Blocks) } })
    $script:About = @(if (-not $OnPostgres) { Get-AboutExample -Path (Join-Path $RepoRoot 'docs/about_PimModule.help.txt') })
    if ($About | Where-Object { $null -eq $_.Skip }) { $runs += [pscustomobject]@{ Name = 'about_PimModule'; Snippets = $About } }
    $script:Outcomes = Invoke-DocRun -Runs $runs -Folder $TestDrive
}

Describe 'README.md, section "<Section>"' -Tag Documentation, Readme -ForEach $ReadmeSections {
    It '<Title> runs as written on a fresh default store' -ForEach $Blocks {
        $snippet = ($Sections | Where-Object Name -eq $Section).Blocks | Where-Object Index -eq $Index
        Assert-DocSnippet -Outcome $Outcomes["README: $Section"] -Snippet $snippet -Source "README.md ($Section)"
    }
}

Describe 'about_PimModule' -Tag Documentation, Help {
    It 'has commands to run (PS> lines)' -Skip:($env:PIM_TEST_PROVIDER -eq 'PostgreSql') {
        @($About | Where-Object { $null -eq $_.Skip }).Count | Should -BeGreaterThan 0
    }

    It '<Title> runs as written on a fresh default store' -ForEach $AboutSnippets {
        $snippet = $About | Where-Object Index -eq $Index
        Assert-DocSnippet -Outcome $Outcomes['about_PimModule'] -Snippet $snippet -Source 'about_PimModule'
    }
}

Describe 'The documentation tests themselves' -Tag Documentation {
    It 'finds the README''s blocks, with a reason for every block marked not to run' {
        $all = @($Sections | ForEach-Object { $_.Blocks })
        $all.Count | Should -BeGreaterThan 5
        @($all | Where-Object { $null -ne $_.Skip -and -not $_.Skip }).Title | Should -BeNullOrEmpty
        ($Sections | Where-Object Name -eq 'Try it').Blocks.Count | Should -BeGreaterThan 0
        @(($Sections | Where-Object Name -eq 'Try it').Blocks | Where-Object { $null -ne $_.Skip }).Count | Should -Be 0 -Because 'Try it must run as written'
    }

    It 'fails a block that fails (the runner can fail)' {
        $o = Invoke-DocRun -Folder $TestDrive -Runs @([pscustomobject]@{ Name = 'self-test'; Snippets = @(
                    [pscustomobject]@{ Index = 0; Title = 'ok'; Code = '$x = Get-PimStore; $x.IdentityMode'; Skip = $null }
                    [pscustomobject]@{ Index = 1; Title = 'fails'; Code = 'Connect-PimStore -Principal nobody@contoso.com'; Skip = $null }
                    [pscustomobject]@{ Index = 2; Title = 'mode'; Code = 'if ("$((Get-PimStore).IdentityMode)" -ne "Verified") { throw "not the default store" }'; Skip = $null }) })
        $r = $o['self-test'].Results
        ($r | Where-Object Index -eq 0).Status | Should -Be 'Passed'
        ($r | Where-Object Index -eq 1).Status | Should -Be 'Failed'
        ($r | Where-Object Index -eq 1).Error | Should -Match 'PimCredentialNotFound'
        ($r | Where-Object Index -eq 2).Status | Should -Be 'Failed' -Because 'a failed Connect-PimStore leaves the session with no store'
    }
}
