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
