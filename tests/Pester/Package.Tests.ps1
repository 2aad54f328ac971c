# The package (issue 17): ./build.ps1 Package writes out/PimModule.<version>.nupkg; a user installs it from a local
# repository with PSResourceGet into a fresh pwsh whose HOME and module path are its own, and uses the module.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:Version = (Import-PowerShellDataFile (Join-Path $ModulePath 'PimModule.psd1')).ModuleVersion
    # The package ./build.ps1 Test wrote (PIM_TEST_PACKAGE); run alone, the same Compress-PSResource of the module
    # under test that ./build.ps1 Package does.
    $script:Repository = Join-Path $TestDrive 'repository'
    New-Item -ItemType Directory -Path $Repository -Force | Out-Null
    if ($env:PIM_TEST_PACKAGE) { Copy-Item $env:PIM_TEST_PACKAGE $Repository }
    else { Compress-PSResource -Path $ModulePath -DestinationPath $Repository }
    $script:Package = Join-Path $Repository "PimModule.$Version.nupkg"

    function Invoke-InstalledPwsh {
        <# A fresh pwsh with a new HOME (PSResourceGet's repositories and CurrentUser scope live there) and a module
           path of only that HOME's modules and PowerShell's own. #>
        param([Parameter(Mandatory)] [string] $Script, [string] $HomeFolder, [hashtable] $Environment = @{})
        $data = Join-Path $HomeFolder '.local/share'
        # .NET answers an empty LocalApplicationData for a folder that does not exist (PSResourceGet would then write
        # its repositories beside the current directory).
        New-Item -ItemType Directory -Path $data, (Join-Path $HomeFolder '.config') -Force | Out-Null
        $env = @{
            HOME = $HomeFolder; XDG_DATA_HOME = $data; XDG_CONFIG_HOME = (Join-Path $HomeFolder '.config')
            XDG_CACHE_HOME = (Join-Path $HomeFolder '.cache'); LOCALAPPDATA = $data; APPDATA = (Join-Path $HomeFolder '.config')
            PSModulePath = ((Join-Path $data 'powershell/Modules'), (Join-Path $PSHOME 'Modules')) -join [IO.Path]::PathSeparator
            PIM_STORE_CONNECTION = $null; PIM_TEST_HOOKS = $null
        }
        foreach ($k in $Environment.Keys) { $env[$k] = $Environment[$k] }
        Invoke-FreshPwsh -Script $Script -Environment $env
    }
}

Describe 'The package' -Tag Package {
    It 'is named after the manifest''s version and keeps the module''s layout' {
        $Package | Should -Exist
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($Package)
        try { $names = @($zip.Entries.FullName | ForEach-Object { $_ -replace '\\', '/' }) } finally { $zip.Dispose() }
        $names | Should -Contain 'PimModule.psd1'
        $names | Should -Contain 'PimModule.dll'
        $names | Should -Contain 'Dependencies/PimModule.Engine.dll'
        $names | Should -Contain 'Dependencies/Microsoft.Data.Sqlite.dll'
        $names | Should -Contain 'Dependencies/runtimes/linux-x64/native/libe_sqlite3.so'
        $names | Should -Contain 'LICENSE'
        $names | Should -Contain 'CHANGELOG.md'
        $names | Should -Not -Contain 'PimModule.Engine.dll'
        # In Dependencies/ only: its IL, and its precompiled copies for .NET 10 (issue 30) in Dependencies/r2r/net10.0/<rid>/.
        @($names | Where-Object { $_ -match '(^|/)Microsoft\.Data\.Sqlite\.dll$' } | Sort-Object) |
            Should -Be @('Dependencies/Microsoft.Data.Sqlite.dll', 'Dependencies/r2r/net10.0/linux-x64/Microsoft.Data.Sqlite.dll',
                'Dependencies/r2r/net10.0/osx-x64/Microsoft.Data.Sqlite.dll', 'Dependencies/r2r/net10.0/win-x64/Microsoft.Data.Sqlite.dll')
        @($names | Where-Object { $_ -match '(^|/)PimModule\.Engine\.dll$' } | Sort-Object) |
            Should -Be @('Dependencies/PimModule.Engine.dll', 'Dependencies/r2r/net10.0/linux-x64/PimModule.Engine.dll',
                'Dependencies/r2r/net10.0/osx-x64/PimModule.Engine.dll', 'Dependencies/r2r/net10.0/win-x64/PimModule.Engine.dll')
        # Register-PimMfaMethod's QR code: QRCoder in Dependencies/ only, without the System.Drawing its image renderers need.
        @($names | Where-Object { $_ -match '(^|/)QRCoder\.dll$' }) | Should -Be @('Dependencies/QRCoder.dll')
        $names | Where-Object { $_ -match '(^|/)(System\.Drawing\.Common|Microsoft\.Win32\.SystemEvents)\.dll$' } | Should -BeNullOrEmpty
    }

    It 'has no placeholder address and a license, changelog and release notes of its own' {
        $manifest = Import-PowerShellDataFile (Join-Path $RepoRoot 'PimModule.psd1')
        $manifest.PrivateData.PSData.Keys | Should -Not -Contain 'ProjectUri'
        $manifest.PrivateData.PSData.Keys | Should -Not -Contain 'LicenseUri'
        $manifest.PrivateData.PSData.ReleaseNotes | Should -Match 'CHANGELOG\.md'
        Get-Content (Join-Path $RepoRoot 'LICENSE') -Raw | Should -Match '^MIT License'
        $changelog = Get-Content (Join-Path $RepoRoot 'CHANGELOG.md') -Raw
        $changelog | Should -Match ([regex]::Escape("## [$Version] - "))
        $changelog | Should -Match 'Keep a Changelog'
        Get-Content (Join-Path $RepoRoot 'PimModule.psd1') -Raw | Should -Not -Match 'example\.invalid'
    }

    It 'writes the version in one place: the assemblies carry the manifest''s' {
        Get-Content (Join-Path $RepoRoot 'Directory.Build.props') -Raw | Should -Not -Match '<Version>\d'
        [Reflection.AssemblyName]::GetAssemblyName((Join-Path $ModulePath 'PimModule.dll')).Version.ToString(3) | Should -Be $Version
        [Reflection.AssemblyName]::GetAssemblyName((Join-Path $ModulePath 'Dependencies/PimModule.Engine.dll')).Version.ToString(3) | Should -Be $Version
    }

    It 'installs with Install-PSResource from a local repository into a fresh pwsh and answers Get-PimRole' {
        $homeFolder = Join-Path $TestDrive 'home-install'
        New-Item -ItemType Directory -Path $homeFolder -Force | Out-Null
        $store = New-TestStorePath
        $out = Invoke-InstalledPwsh -HomeFolder $homeFolder -Environment @{ PIM_STORE_PATH = $store } -Script @"
`$ErrorActionPreference = 'Stop'
if (Get-Module -ListAvailable PimModule) { throw 'PimModule is visible before it is installed.' }
Register-PSResourceRepository -Name local -Uri '$Repository' -Trusted
Install-PSResource PimModule -Repository local -Scope CurrentUser
Import-Module PimModule
`$m = Get-Module PimModule
'version=' + `$m.Version
'base=' + `$m.ModuleBase
(Get-PimRole 'Security Reader').Id.ToString()
Export-PimReport -Path '$(Join-Path $TestDrive 'installed-report.html')'
'engine=' + [Runtime.Loader.AssemblyLoadContext]::GetLoadContext(([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'PimModule.Engine' })).Name
"@
        $out | Should -Contain "version=$Version"
        ($out | Where-Object { $_ -like 'base=*' }) | Should -BeLike "base=$homeFolder*"
        $out | Should -Contain '5d6b6bb7-de71-4623-b4af-96380a352509'
        $out | Should -Contain 'engine=PimModule'
        $store | Should -Exist
        Get-Content (Join-Path $TestDrive 'installed-report.html') -Raw | Should -Match 'data:image/svg\+xml;base64,'
    }

    It 'saves with Save-PSResource -Path, and the walkthrough runs on the saved module' {
        $homeFolder = Join-Path $TestDrive 'home-save'
        $modules = Join-Path $TestDrive 'saved-modules'
        New-Item -ItemType Directory -Path $homeFolder, $modules -Force | Out-Null
        $walkthrough = Join-Path $RepoRoot 'examples/SecurityReaderJit.ps1'
        $out = Invoke-InstalledPwsh -HomeFolder $homeFolder -Script @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name local -Uri '$Repository' -Trusted
Save-PSResource PimModule -Repository local -Path '$modules'
`$env:PSModulePath = '$modules' + [IO.Path]::PathSeparator + `$env:PSModulePath
`$manifest = (Get-Module -ListAvailable PimModule).Path
'saved=' + `$manifest
`$r = & '$walkthrough' -ModulePath `$manifest -StorePath '$(New-TestStorePath)' -KeyFolder '$(Join-Path $TestDrive 'keys')' 6>`$null
'outcome=' + (`$r.Approved, `$r.HeldDuringActivation, `$r.HeldAfterExpiry, `$r.AuditLogValid, `$r.IdentityMode -join ',')
'engine=' + ([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'PimModule.Engine' }).Location
"@
        ($out | Where-Object { $_ -like 'saved=*' }) | Should -BeLike "saved=$modules*"
        $out | Should -Contain 'outcome=True,True,False,True,Verified'
        ($out | Where-Object { $_ -like 'engine=*' }) | Should -BeLike "engine=$modules*"
    }
}
