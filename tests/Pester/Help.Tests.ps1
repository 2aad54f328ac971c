BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $script:Cmdlets = @((Get-Command -Module PimModule -CommandType Cmdlet).Name | Sort-Object)
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $script:Common = @([System.Management.Automation.Cmdlet]::CommonParameters)
    $script:AboutFile = Join-Path $RepoRoot 'docs/about_PimModule.help.txt'
}

Describe 'Help of <_>' -Tag Help -ForEach $Cmdlets {
    BeforeAll {
        $name = $_
        $command = Get-Command -Name $name -Module PimModule
        $help = Get-Help -Name $name -Full
    }

    It 'has a written synopsis (not the generated syntax)' {
        $synopsis = "$($help.Synopsis)".Trim()
        $synopsis | Should -Not -BeNullOrEmpty
        $synopsis | Should -Not -Match ('^' + [regex]::Escape($name) + '(\s|$)')
        $synopsis | Should -Not -Match '<CommonParameters>'
    }

    It 'has a description' {
        ($help.description.Text -join '').Trim() | Should -Not -BeNullOrEmpty
    }

    It 'describes every parameter' {
        $undocumented = foreach ($p in $command.Parameters.Keys | Where-Object { $_ -notin $Common }) {
            $entry = @($help.parameters.parameter | Where-Object { $_.name -eq $p })
            if (-not $entry.Count -or -not ($entry[0].description.Text -join '').Trim()) { $p }
        }
        $undocumented | Should -BeNullOrEmpty -Because 'every parameter of the cmdlet needs a description'
    }

    It 'has at least 2 examples with code' {
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($e in $examples) { "$($e.code)".Trim() | Should -Not -BeNullOrEmpty }
    }
}

Describe 'Online help' -Tag Help {
    It 'points nowhere that does not exist: no HelpUri, no HelpInfoURI (the help ships in the module)' {
        (Get-Module PimModule).HelpInfoUri | Should -BeNullOrEmpty
        @(Get-Command -Module PimModule -CommandType Cmdlet | Where-Object HelpUri).Name | Should -BeNullOrEmpty
    }

    It 'answers Get-Help -Online with PowerShell''s own error that names the missing address, and about_PimModule says where the help is' {
        $e = $null
        try { Get-Help Get-PimRole -Online -ErrorAction Stop } catch { $e = $_ }
        $e.FullyQualifiedErrorId | Should -Be 'InvalidOperation,Microsoft.PowerShell.Commands.GetHelpCommand'
        $e.Exception.Message | Should -Match 'URI'
        Get-Help about_PimModule | Out-String | Should -Match 'no online\s+version'
    }
}

Describe 'The about_PimModule topic' -Tag Help {
    It 'is shown by Get-Help' -Skip:(-not (Test-Path (Join-Path $RepoRoot 'docs/about_PimModule.help.txt'))) {
        Test-Path (Join-Path $ModulePath 'en-US/about_PimModule.help.txt') | Should -BeTrue
        $about = Get-Help about_PimModule | Out-String
        $about | Should -Match 'about_PimModule'
        $about | Should -Match 'acting principal'
    }
}
