BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
}

Describe 'Opening a store' {
    It 'creates the store on first use from $env:PIM_STORE_PATH, with no Connect-PimStore' {
        $path = New-TestStorePath
        $out = Invoke-FreshPwsh -Environment @{ PIM_STORE_PATH = $path } -Script @"
Import-Module '$ModulePath'
(Get-PimRole 'Security Reader').Name
(Get-PimRole).Count
(Get-PimStore).Location
"@
        $out[0] | Should -Be 'Security Reader'
        [int]$out[1] | Should -BeGreaterOrEqual 60
        $out[2] | Should -Be $path
        $path | Should -Exist
    }

    It 'creates the default store in the per-user data folder when no path is set' {
        $home2 = Join-Path $TestDrive 'home'
        New-Item -ItemType Directory $home2 | Out-Null
        $out = Invoke-FreshPwsh -Environment @{ PIM_STORE_PATH = $null; HOME = $home2; XDG_DATA_HOME = $null; LOCALAPPDATA = $null } -Script @"
Import-Module '$ModulePath'
(Get-PimStore).Location
"@
        $expected = if ($IsWindows) { Join-Path $env:LOCALAPPDATA 'PimModule/pim.db' } elseif ($IsMacOS) { Join-Path $home2 'Library/Application Support/PimModule/pim.db' } else { Join-Path $home2 '.local/share/PimModule/pim.db' }
        $out | Should -Be $expected
        $expected | Should -Exist
    }

    It 'reports provider, location, schema version, principal and counts' {
        $path = New-TestStorePath
        $info = Connect-PimStore -Path $path -Principal 'admin@contoso.com' -PassThru
        $info.Provider | Should -Be 'Sqlite'
        $info.Location | Should -Be $path
        $info.SchemaVersion | Should -BeGreaterOrEqual 1
        $info.Principal | Should -Be 'admin@contoso.com'
        $info.RoleCount | Should -BeGreaterOrEqual 60
        $info.AssignmentCount | Should -Be 1
        $info.PendingRequestCount | Should -Be 0
        (Get-PimStore).Location | Should -Be $path
    }

    It 'gives the creator a permanent active Privileged Role Administrator assignment' {
        $path = New-TestStorePath
        Connect-PimStore -Path $path -Principal 'creator@contoso.com'
        $rec = Get-PimAuditLog -Action AdminAssign
        $rec.Principal | Should -Be 'creator@contoso.com'
        $rec.Role | Should -Be 'Privileged Role Administrator'
        ($rec.After | ConvertFrom-Json).EndDateTime | Should -BeNullOrEmpty
        ($rec.After | ConvertFrom-Json).Type | Should -Be 'Active'
        (Get-PimStore).ActiveAssignmentCount | Should -Be 1
    }

    It 'acts as the operating-system user by default' {
        Connect-PimStore -Path (New-TestStorePath)
        (Get-PimStore).Principal | Should -Be ([Environment]::UserName)
    }

    It 'migrates once: reopening keeps the data and the schema version' {
        $path = New-TestStorePath
        Connect-PimStore -Path $path -Principal 'admin@contoso.com'
        New-PimRole -Name 'Kept Role' | Out-Null
        $v = (Get-PimStore).SchemaVersion
        Disconnect-PimStore
        Connect-PimStore -Path $path -Principal 'admin@contoso.com'
        (Get-PimStore).SchemaVersion | Should -Be $v
        Get-PimRole 'Kept Role' | Should -Not -BeNullOrEmpty
        (Invoke-Sql -Path $path -Sql 'SELECT COUNT(*) FROM schema_version') | Should -Be "$v"
    }

    It 'switches the acting principal on the open store with Connect-PimStore -Principal' {
        $path = New-TestStorePath
        Connect-PimStore -Path $path -Principal 'admin@contoso.com'
        Connect-PimStore -Principal 'user1@contoso.com'
        (Get-PimStore).Principal | Should -Be 'user1@contoso.com'
        (Get-PimStore).Location | Should -Be $path
    }
}

Describe 'Refusing a store that cannot be opened' {
    BeforeEach {
        $script:current = New-TestStorePath
        Connect-PimStore -Path $script:current -Principal 'admin@contoso.com'
    }

    It 'refuses a path whose folder is missing, and creates nothing' {
        $path = Join-Path $TestDrive 'missing-folder/pim.db'
        { Connect-PimStore -Path $path } | Should -Throw -ErrorId 'PimStoreFolderNotFound,PimModule.Cmdlets.ConnectPimStoreCommand'
        Join-Path $TestDrive 'missing-folder' | Should -Not -Exist
        (Get-PimStore).Location | Should -Be $script:current
    }

    It 'refuses a folder it cannot write to' {
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
        (Get-PimStore).Location | Should -Be $script:current
    }

    It 'refuses a file that is not a SQLite database, and leaves it untouched' {
        $path = Join-Path $TestDrive 'notes.db'
        Set-Content -Path $path -Value 'these are my notes, not a database'
        $hash = (Get-FileHash $path).Hash
        $err = { Connect-PimStore -Path $path } | Should -Throw -ErrorId 'PimStoreInvalid,PimModule.Cmdlets.ConnectPimStoreCommand' -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.TargetObject | Should -Be $path
        (Get-FileHash $path).Hash | Should -Be $hash
        (Get-PimStore).Location | Should -Be $script:current
    }

    It 'refuses a store with a newer schema and never downgrades it' {
        $path = New-TestStorePath
        Connect-PimStore -Path $path -Principal 'admin@contoso.com'
        Disconnect-PimStore
        Invoke-Sql -Path $path -Sql "INSERT INTO schema_version (version, description, applied_utc) VALUES (999, 'from the future', 0)"
        $hash = (Get-FileHash $path).Hash
        { Connect-PimStore -Path $path } | Should -Throw -ErrorId 'PimStoreSchemaTooNew,PimModule.Cmdlets.ConnectPimStoreCommand'
        (Get-FileHash $path).Hash | Should -Be $hash
        (Invoke-Sql -Path $path -Sql 'SELECT MAX(version) FROM schema_version') | Should -Be '999'
    }

    It 'refuses a principal that is not a principal' {
        { Connect-PimStore -Path (New-TestStorePath) -Principal 'not a user' } |
            Should -Throw -ErrorId 'PimPrincipalInvalid,PimModule.Cmdlets.ConnectPimStoreCommand'
        (Get-PimStore).Location | Should -Be $script:current
    }
}

Describe 'Disconnect-PimStore' {
    It 'closes the store; the next command opens the default store again' {
        $default = New-TestStorePath
        $out = Invoke-FreshPwsh -Environment @{ PIM_STORE_PATH = $default } -Script @"
Import-Module '$ModulePath'
Connect-PimStore -Path '$(New-TestStorePath)'
Disconnect-PimStore
(Get-PimStore).Location
"@
        $out | Should -Be $default
    }
}
