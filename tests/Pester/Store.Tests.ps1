BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
}

Describe 'Opening a store' {
    It 'creates the store on first use from $env:PIM_STORE_PATH (or $env:PIM_STORE_CONNECTION), with no Connect-PimStore' {
        $store = New-TestStore
        $out = Invoke-FreshPwsh -Environment $store.Environment -Script @"
Import-Module '$ModulePath'
(Get-PimRole 'Security Reader' -WarningAction SilentlyContinue).Name
(Get-PimRole).Count
(Get-PimStore).Location
"@
        $out[0] | Should -Be 'Security Reader'
        [int]$out[1] | Should -BeGreaterOrEqual 60
        $out[2] | Should -Be $store.Location
        if ($OnPostgres) { [int](Invoke-Sql $store 'SELECT COUNT(*) FROM roles') | Should -BeGreaterOrEqual 60 } else { $store.Path | Should -Exist }
    }

    It 'creates the default store in the per-user data folder when no path is set' {
        $home2 = Join-Path $TestDrive 'home'
        New-Item -ItemType Directory $home2 | Out-Null
        $out = Invoke-FreshPwsh -Environment @{ PIM_STORE_PATH = $null; PIM_STORE_CONNECTION = $null; HOME = $home2; XDG_DATA_HOME = $null; LOCALAPPDATA = $null } -Script @"
Import-Module '$ModulePath'
(Get-PimStore -WarningAction SilentlyContinue).Location
"@
        $expected = if ($IsWindows) { Join-Path $env:LOCALAPPDATA 'PimModule/pim.db' } elseif ($IsMacOS) { Join-Path $home2 'Library/Application Support/PimModule/pim.db' } else { Join-Path $home2 '.local/share/PimModule/pim.db' }
        $out | Should -Be $expected
        $expected | Should -Exist
    }

    It 'reports provider, location, schema version, principal and counts' {
        $store = New-TestStore
        $info = if ($OnPostgres) { Connect-PimStore -ConnectionString $store.ConnectionString -Provider PostgreSql -Principal 'admin@contoso.com' -PassThru }
        else { Connect-PimStore -Path $store.Path -Principal 'admin@contoso.com' -PassThru }
        $info.Provider | Should -Be $TestProvider
        $info.Location | Should -Be $store.Location
        $info.SchemaVersion | Should -BeGreaterOrEqual 1
        $info.Principal | Should -Be 'admin@contoso.com'
        $info.RoleCount | Should -BeGreaterOrEqual 60
        $info.AssignmentCount | Should -Be 1
        $info.PendingRequestCount | Should -Be 0
        (Get-PimStore).Location | Should -Be $store.Location
    }

    It 'gives the creator a permanent active Privileged Role Administrator assignment' {
        $null = Connect-TestStore -Principal 'creator@contoso.com'
        $rec = Get-PimAuditLog -Action AdminAssign
        $rec.Principal | Should -Be 'creator@contoso.com'
        $rec.Role | Should -Be 'Privileged Role Administrator'
        ($rec.After | ConvertFrom-Json).EndDateTime | Should -BeNullOrEmpty
        ($rec.After | ConvertFrom-Json).Type | Should -Be 'Active'
        (Get-PimStore).ActiveAssignmentCount | Should -Be 1
    }

    It 'acts as the operating-system user by default' {
        $null = Connect-TestStore
        (Get-PimStore).Principal | Should -Be ([Environment]::UserName)
    }

    It 'migrates once: reopening keeps the data and the schema version' {
        $store = Connect-TestStore -Principal 'admin@contoso.com'
        New-PimRole -Name 'Kept Role' | Out-Null
        $v = (Get-PimStore).SchemaVersion
        Disconnect-PimStore
        $null = Connect-TestStore -Store $store -Principal 'admin@contoso.com'
        (Get-PimStore).SchemaVersion | Should -Be $v
        Get-PimRole 'Kept Role' | Should -Not -BeNullOrEmpty
        (Invoke-Sql -Store $store -Sql 'SELECT COUNT(*) FROM schema_version') | Should -Be "$v"
    }

    It 'switches the acting principal on the open store with Connect-PimStore -Principal' {
        $store = Connect-TestStore -Principal 'admin@contoso.com'
        Connect-PimStore -Principal 'user1@contoso.com'
        (Get-PimStore).Principal | Should -Be 'user1@contoso.com'
        (Get-PimStore).Location | Should -Be $store.Location
    }
}

Describe 'Refusing a store that cannot be opened' {
    BeforeEach {
        $script:current = (Connect-TestStore -Principal 'admin@contoso.com').Location
    }

    It 'creates a missing folder (0700, with its missing parents), as the help says' {
        if ($OnPostgres) { Set-ItResult -Skipped -Because 'about SQLite files' }
        $path = Join-Path $TestDrive 'missing-folder/inner/pim.db'
        Connect-PimStore -Path $path
        (Get-PimStore).Location | Should -Be $path
        $path | Should -Exist
        if (-not $IsWindows) {
            foreach ($folder in (Join-Path $TestDrive 'missing-folder'), (Join-Path $TestDrive 'missing-folder/inner')) {
                [IO.File]::GetUnixFileMode($folder) | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite, UserExecute')
            }
        }
    }

    It 'creates the missing folder of $env:PIM_STORE_PATH, the default store' {
        if ($OnPostgres) { Set-ItResult -Skipped -Because 'about SQLite files' }
        $path = Join-Path $TestDrive 'env-missing/sub/pim.db'
        $out = Invoke-FreshPwsh -Environment @{ PIM_STORE_PATH = $path; PIM_STORE_CONNECTION = $null } -Script @"
Import-Module '$ModulePath'
(Get-PimStore).Location
"@
        $out | Should -Contain $path
        $path | Should -Exist
    }

    It 'refuses a path under a file, and leaves the file as it was' {
        if ($OnPostgres) { Set-ItResult -Skipped -Because 'about SQLite files (PostgreSQL: see "refuses a server it cannot reach")' }
        $file = Join-Path $TestDrive 'a-file'
        Set-Content -LiteralPath $file -Value 'not a folder'
        { Connect-PimStore -Path (Join-Path $file 'pim.db') } | Should -Throw -ErrorId 'PimStoreFolderNotFound,PimModule.Cmdlets.ConnectPimStoreCommand'
        Get-Content -LiteralPath $file | Should -Be 'not a folder'
        { Get-PimStore } | Should -Throw -ErrorId 'PimNotConnected,PimModule.Cmdlets.GetPimStoreCommand'   # a failed connect leaves no store
    }

    It 'refuses a folder it cannot write to' {
        if ($OnPostgres) { Set-ItResult -Skipped -Because 'about SQLite files' }
        if ([Environment]::UserName -eq 'root' -or $IsWindows) {
            $path = '/sys/kernel/pim.db'   # root may write anywhere a permission allows; sysfs refuses even root
            if ($IsWindows) { Set-ItResult -Skipped -Because 'no read-only folder on this runner' }
        }
        else {
            $folder = Join-Path $TestDrive 'readonly'
            New-Item -ItemType Directory $folder | Out-Null
            chmod 555 $folder
            $path = Join-Path $folder 'pim.db'
        }
        $err = { Connect-PimStore -Path $path } | Should -Throw -ErrorId 'PimStoreNotWritable,PimModule.Cmdlets.ConnectPimStoreCommand' -PassThru
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $path | Should -Not -Exist
        { Get-PimStore } | Should -Throw -ErrorId 'PimNotConnected,PimModule.Cmdlets.GetPimStoreCommand'   # a failed connect leaves no store
    }

    It 'refuses a file that is not a SQLite database, and leaves it untouched' {
        if ($OnPostgres) { Set-ItResult -Skipped -Because 'about SQLite files (PostgreSQL: see "refuses a database that holds other tables")' }
        $path = Join-Path $TestDrive 'notes.db'
        Set-Content -Path $path -Value 'these are my notes, not a database'
        $hash = (Get-FileHash $path).Hash
        $err = { Connect-PimStore -Path $path } | Should -Throw -ErrorId 'PimStoreInvalid,PimModule.Cmdlets.ConnectPimStoreCommand' -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.TargetObject | Should -Be $path
        (Get-FileHash $path).Hash | Should -Be $hash
        { Get-PimStore } | Should -Throw -ErrorId 'PimNotConnected,PimModule.Cmdlets.GetPimStoreCommand'   # a failed connect leaves no store
    }

    It 'refuses a store with a newer schema and never downgrades it' {
        $store = Connect-TestStore -Principal 'admin@contoso.com'
        Disconnect-PimStore
        $null = Connect-TestStore -Principal 'admin@contoso.com' -Store (New-TestStore)   # stay connected elsewhere
        $script:current = (Get-PimStore).Location
        Invoke-Sql -Store $store -Sql "INSERT INTO schema_version (version, description, applied_utc) VALUES (999, 'from the future', 0)"
        $before = if ($OnPostgres) { Invoke-Sql $store 'SELECT COUNT(*), MAX(sequence) FROM audit_log' } else { (Get-FileHash $store.Path).Hash }
        { Connect-TestStore -Store $store } | Should -Throw -ErrorId 'PimStoreSchemaTooNew,PimModule.Cmdlets.ConnectPimStoreCommand'
        $after = if ($OnPostgres) { Invoke-Sql $store 'SELECT COUNT(*), MAX(sequence) FROM audit_log' } else { (Get-FileHash $store.Path).Hash }
        $after | Should -Be $before
        (Invoke-Sql -Store $store -Sql 'SELECT MAX(version) FROM schema_version') | Should -Be '999'
        { Get-PimStore } | Should -Throw -ErrorId 'PimNotConnected,PimModule.Cmdlets.GetPimStoreCommand'   # a failed connect leaves no store
    }

    It 'refuses a server it cannot reach (PimStoreUnavailable), saying which server and what to check' {
        if (-not $OnPostgres) { Set-ItResult -Skipped -Because 'PostgreSQL only' }
        $err = { Connect-PimStore -ConnectionString 'Host=127.0.0.1;Port=1;Database=pim;Username=pim;Password=hunter2;Timeout=3' -Provider PostgreSql } |
            Should -Throw -ErrorId 'PimStoreUnavailable,PimModule.Cmdlets.ConnectPimStoreCommand' -PassThru
        $err.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $err.Exception.Message | Should -Match '127\.0\.0\.1:1'
        $err.Exception.Message | Should -Not -Match 'hunter2'
        "$($err.TargetObject)" | Should -Not -Match 'hunter2'
        $err.ErrorDetails.RecommendedAction + $err.Exception.Message | Should -Match 'Port'
        { Get-PimStore } | Should -Throw -ErrorId 'PimNotConnected,PimModule.Cmdlets.GetPimStoreCommand'   # a failed connect leaves no store
    }

    It 'refuses a database that holds other tables but no PIM store, and leaves it untouched' {
        if (-not $OnPostgres) { Set-ItResult -Skipped -Because 'PostgreSQL only (SQLite: see "refuses a file that is not a SQLite database")' }
        $store = New-TestStore -Empty
        Invoke-Sql $store "CREATE TABLE notes (id BIGINT PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (1, 'mine')" | Out-Null
        $err = { Connect-TestStore -Store $store } | Should -Throw -ErrorId 'PimStoreInvalid,PimModule.Cmdlets.ConnectPimStoreCommand' -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        Invoke-Sql $store "SELECT string_agg(table_name, ',') FROM information_schema.tables WHERE table_schema = 'public'" | Should -Be 'notes'
        { Get-PimStore } | Should -Throw -ErrorId 'PimNotConnected,PimModule.Cmdlets.GetPimStoreCommand'   # a failed connect leaves no store
    }

    It 'refuses a principal that is not a principal' {
        { Connect-TestStore -Principal 'not a user' } |
            Should -Throw -ErrorId 'PimPrincipalInvalid,PimModule.Cmdlets.ConnectPimStoreCommand'
        { Get-PimStore } | Should -Throw -ErrorId 'PimNotConnected,PimModule.Cmdlets.GetPimStoreCommand'   # a failed connect leaves no store
    }
}

Describe 'Disconnect-PimStore' {
    It 'closes the store; the next command opens the default store again' {
        $default = New-TestStore
        $out = Invoke-FreshPwsh -Environment $default.Environment -Script @"
Import-Module '$ModulePath'
Connect-PimStore $((New-TestStore).ConnectArguments) -WarningAction SilentlyContinue
Disconnect-PimStore
(Get-PimStore -WarningAction SilentlyContinue).Location
"@
        $out | Should -Be $default.Location
    }
}

Describe 'Connecting again to the same store' {
    It 'sees every change other processes make afterwards (no stale reads)' {
        $store = Connect-TestStore -Principal 'admin@contoso.com'
        $null = Connect-TestStore -Principal 'admin@contoso.com' -Store $store
        $before = (Get-PimStore).AuditRecordCount
        foreach ($n in 1..2) {
            $null = Invoke-FreshPwsh -Script "Import-Module '$ModulePath'; Connect-PimStore $($store.ConnectArguments) -Principal admin@contoso.com; New-PimRole -Name 'Written elsewhere $n' -Description d | Out-Null"
            (Get-PimStore).AuditRecordCount | Should -Be ($before + $n)
            @(Get-PimAuditLog).Count | Should -Be ($before + $n)
        }
    }
}
