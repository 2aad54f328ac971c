BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

Describe 'The built module' {
    It 'has a manifest that exports exactly its cmdlets' {
        $manifest = Test-ModuleManifest (Join-Path $ModulePath 'PimModule.psd1')
        $manifest.ExportedCmdlets.Keys | Should -Contain 'Get-PimRole'
        $manifest.ExportedCmdlets.Keys | Should -Contain 'Connect-PimStore'
        $manifest.ExportedFunctions.Count | Should -Be 0
        $data = Import-PowerShellDataFile (Join-Path $ModulePath 'PimModule.psd1')
        $data.CmdletsToExport | Should -Not -Contain '*'
    }

    It 'ships native SQLite for <_>' -ForEach 'linux-x64', 'linux-arm64', 'osx-x64', 'osx-arm64', 'win-x64', 'win-arm64' {
        Get-ChildItem (Join-Path $ModulePath "Dependencies/runtimes/$_/native") -Filter '*e_sqlite3*' | Should -Not -BeNullOrEmpty
    }

    It 'does not ship System.Management.Automation, and keeps third-party assemblies out of its root' {
        Get-ChildItem $ModulePath -Recurse -Filter 'System.Management.Automation.dll' | Should -BeNullOrEmpty
        Get-ChildItem $ModulePath -Filter '*.dll' | ForEach-Object Name | Sort-Object | Should -Be @('PimModule.dll', 'PimModule.Model.dll')
        Join-Path $ModulePath 'Dependencies/Microsoft.Data.Sqlite.dll' | Should -Exist
        Join-Path $ModulePath 'Dependencies/Npgsql.dll' | Should -Exist
        Join-Path $ModulePath 'Dependencies/PimModule.Engine.dll' | Should -Exist
    }

    It 'exports every cmdlet the manifest names' {
        $out = Invoke-FreshPwsh -Environment (New-TestStore).Environment -Script @"
Import-Module '$ModulePath'
`$m = Get-Module PimModule
(Import-PowerShellDataFile (Join-Path `$m.ModuleBase 'PimModule.psd1')).CmdletsToExport | Where-Object { -not (Get-Command `$_ -Module PimModule -ErrorAction SilentlyContinue) }
'checked'
"@
        $out | Should -Be @('checked')
    }
}

Describe 'Dependency isolation' {
    It 'works beside a different Microsoft.Data.Sqlite already loaded in the session' {
        $old = Join-Path $PackagesFolder 'microsoft.data.sqlite.core/8.0.30/lib/net8.0/Microsoft.Data.Sqlite.dll'
        $old | Should -Exist
        $store = New-TestStorePath
        $out = Invoke-FreshPwsh -Script @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$old'
`$before = [Microsoft.Data.Sqlite.SqliteConnection].Assembly
Import-Module '$ModulePath'
Connect-PimStore -Path '$store'
(Get-PimRole 'Security Reader').Id.ToString()
`$loaded = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'Microsoft.Data.Sqlite' }
'versions=' + ((`$loaded | ForEach-Object { `$_.GetName().Version.Major } | Sort-Object) -join ',')
'contexts=' + ((`$loaded | ForEach-Object { [Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name } | Sort-Object) -join ',')
'sessionCopy=' + [Microsoft.Data.Sqlite.SqliteConnection].Assembly.GetName().Version.Major
"@
        $out | Should -Contain '5d6b6bb7-de71-4623-b4af-96380a352509'
        $out | Should -Contain 'versions=8,10'
        $out | Should -Contain 'contexts=Default,PimModule'
        $out | Should -Contain 'sessionCopy=8'
    }

    It 'loads Npgsql only in its own load context and opens a PostgreSQL store through it' {
        if (-not $OnPostgres) { Set-ItResult -Skipped -Because 'needs a PostgreSQL server (PIM_TEST_PROVIDER=PostgreSql)' }
        $store = New-TestStore
        $out = Invoke-FreshPwsh -Environment @{ PIM_STORE_PATH = $null; PIM_STORE_CONNECTION = $null } -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
`$info = Connect-PimStore -ConnectionString '$($store.ConnectionString)' -Provider PostgreSql -Principal 'admin@contoso.com' -PassThru
`$info.Provider.ToString()
`$info.ActiveAssignmentCount
`$n = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'Npgsql' }
'contexts=' + ((`$n | ForEach-Object { [Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name }) -join ',')
"@
        $out | Should -Be @('PostgreSql', '1', 'contexts=PimModule')
    }

    It 'loads its engine only in its own load context' {
        $out = Invoke-FreshPwsh -Environment (New-TestStore).Environment -Script @"
Import-Module '$ModulePath'
`$null = Get-PimRole 'Global Administrator' -WarningAction SilentlyContinue
`$e = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'PimModule.Engine' }
[Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$e).Name
`$m = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'PimModule.Model' }
@(`$m).Count
"@
        $out | Should -Be @('PimModule', '1')
    }
}

# Issue 30, start-up: the engine and the SQLite stack ship precompiled (ReadyToRun) for .NET 10 — the runtime of
# PowerShell 7.6 — on linux-x64, win-x64 and osx-x64, in Dependencies/r2r/net10.0/<rid>/ beside their IL; the load context
# prefers them on that runtime and platform. What a command does not need is not loaded to connect and answer.
Describe 'Start-up' -Tag 'ProviderNeutral' {
    BeforeAll {
        $script:precompiled = 'PimModule.Engine', 'Dapper', 'Microsoft.Data.Sqlite', 'SQLitePCLRaw.core', 'SQLitePCLRaw.provider.e_sqlite3', 'SQLitePCLRaw.batteries_v2'
        # A ReadyToRun image names its platform in its PE machine field (the machine XOR an OS value).
        $script:machine = @{ 'linux-x64' = 0xFD1D; 'win-x64' = 0x8664; 'osx-x64' = 0xC020 }
        function Get-ImageKind([string] $Path) {
            $stream = [IO.File]::OpenRead($Path)
            try {
                $pe = [Reflection.PortableExecutable.PEReader]::new($stream)
                [pscustomobject]@{ Machine = [int]$pe.PEHeaders.CoffHeader.Machine; ReadyToRun = $pe.PEHeaders.CorHeader.ManagedNativeHeaderDirectory.Size -gt 0 }
            }
            finally { $stream.Dispose() }
        }
        # Connects to a Lab SQLite store in a fresh pwsh and answers one question: the methods JIT-compiled to connect and
        # answer (after the import), where the engine was loaded from, and which of the optional libraries were loaded.
        $script:startScript = {
            param([string] $Module, [string] $Db, [string] $Mode = 'Lab')
            @"
`$ErrorActionPreference = 'Stop'
Import-Module '$Module'
`$before = [System.Runtime.JitInfo]::GetCompiledMethodCount(`$false)
Connect-PimStore -Path '$Db' -Principal 'admin@contoso.com' -IdentityMode $Mode
`$null = Test-PimAccess -Principal 'user1@contoso.com' -Role 'Security Reader'
'jit=' + ([System.Runtime.JitInfo]::GetCompiledMethodCount(`$false) - `$before)
'engine=' + ([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'PimModule.Engine' }).Location
'loaded=' + (([AppDomain]::CurrentDomain.GetAssemblies() | ForEach-Object { `$_.GetName().Name } |
    Where-Object { `$_ -match '^(MailKit|MimeKit|OxyPlot|QRCoder|BouncyCastle\.Cryptography|Npgsql|K4os\.Compression\.LZ4.*)$' } | Sort-Object) -join ',')
"@
        }
    }

    It 'ships <_> precompiled for .NET 10 on each platform whose packs restore, beside its IL' -ForEach @('PimModule.Engine', 'Dapper', 'Microsoft.Data.Sqlite', 'SQLitePCLRaw.core', 'SQLitePCLRaw.provider.e_sqlite3', 'SQLitePCLRaw.batteries_v2') {
        (Get-ImageKind (Join-Path $ModulePath "Dependencies/$_.dll")).ReadyToRun | Should -BeFalse -Because 'the IL beside is what any other runtime or platform loads'
        foreach ($rid in $machine.Keys) {
            $image = Get-ImageKind (Join-Path $ModulePath "Dependencies/r2r/net10.0/$rid/$_.dll")
            $image.ReadyToRun | Should -BeTrue -Because "$rid's copy is precompiled"
            $image.Machine | Should -Be $machine[$rid] -Because "$rid's copy is compiled for $rid"
        }
    }

    It 'loads the precompiled engine on this runtime and platform, and JIT-compiles far fewer methods to connect and answer than its IL does' {
        $os = if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
        $rid = $os + '-' + [Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture.ToString().ToLowerInvariant()
        if ([Environment]::Version.Major -ne 10 -or -not $machine.ContainsKey($rid)) { Set-ItResult -Skipped -Because "nothing is precompiled for .NET $([Environment]::Version.Major) on $rid" }
        # The same module without its precompiled copies: what PowerShell on any other runtime or platform loads.
        $plain = Join-Path $TestDrive 'il/PimModule'
        New-Item -ItemType Directory (Split-Path $plain) -Force | Out-Null
        Copy-Item $ModulePath $plain -Recurse
        Remove-Item (Join-Path $plain 'Dependencies/r2r') -Recurse -Force
        $db = New-TestStorePath
        Invoke-FreshPwsh -Script "Import-Module '$ModulePath'; Connect-PimStore -Path '$db' -Principal 'admin@contoso.com' -IdentityMode Lab; `$null = New-PimEligibleAssignment -Principal user1@contoso.com -Role 'Security Reader' -Permanent -Justification 'start-up'" | Out-Null
        $withR2R = Invoke-FreshPwsh -Script (& $startScript $ModulePath $db)
        $withIL = Invoke-FreshPwsh -Script (& $startScript $plain $db)
        $withR2R | Where-Object { $_ -like 'engine=*' } | Should -BeLike "*Dependencies?r2r?net10.0?${rid}?PimModule.Engine.dll"
        $withIL | Where-Object { $_ -like 'engine=*' } | Should -BeLike '*il?PimModule?Dependencies?PimModule.Engine.dll'
        [int]$r2r = ($withR2R | Where-Object { $_ -like 'jit=*' }) -replace 'jit='
        [int]$il = ($withIL | Where-Object { $_ -like 'jit=*' }) -replace 'jit='
        # Measured: about 530 methods against 1,270 (the rest are PowerShell's, the cmdlets' and Dapper's generated readers).
        $r2r | Should -BeLessThan ($il * 0.6) -Because "the precompiled code runs ($r2r methods JIT-compiled, against $il with the IL)"
    }

    # Verified: the store a newcomer gets (what loads at its start is what this test is about).
    It 'loads no mail, chart, QR code, compression or PostgreSQL library to connect to a <_> SQLite store and answer' -ForEach 'Lab', 'Verified' {
        $db = New-TestStorePath
        Invoke-FreshPwsh -Script "Import-Module '$ModulePath'; Connect-PimStore -Path '$db' -Principal 'admin@contoso.com' -IdentityMode $_; `$null = New-PimEligibleAssignment -Principal user1@contoso.com -Role 'Security Reader' -Permanent -Justification 'start-up'" | Out-Null
        Invoke-FreshPwsh -Script (& $startScript $ModulePath $db $_) | Where-Object { $_ -like 'loaded=*' } | Should -Be 'loaded='
    }
}
