BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    function Copy-ToTestStore([object] $Target) {
        if ($Target.Provider -eq 'PostgreSql') { Copy-PimStore -DestinationConnectionString $Target.ConnectionString -DestinationProvider PostgreSql }
        else { Copy-PimStore -DestinationPath $Target.Path }
    }
    function Add-Content {
        New-PimRole -Name 'Copied Role' | Out-Null
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' -Duration 30d | Out-Null
        Set-PimRoleSetting -Role 'Security Reader' -RequireTicket $true
    }
    function Assert-Copied([object] $Before) {
        (Test-PimAuditLog).IsValid | Should -BeTrue
        (Get-PimStore).AuditRecordCount | Should -Be $Before.AuditRecordCount
        (Get-PimStore).AssignmentCount | Should -Be $Before.AssignmentCount
        (Get-PimRoleSetting 'Security Reader').RequireTicket | Should -BeTrue
        Get-PimRole 'Copied Role' | Should -Not -BeNullOrEmpty
        (Get-PimAssignment -Principal 'user1@contoso.com').EndDateTime | Should -Not -BeNullOrEmpty
    }
}

Describe 'Copy-PimStore' {
    It 'copies everything into a new store of the same provider, audit chain intact' {
        Connect-TestStore -Principal 'admin@contoso.com' | Out-Null
        Add-Content
        $before = Get-PimStore
        $target = New-TestStore
        $info = Copy-ToTestStore $target
        $info.AssignmentCount | Should -Be $before.AssignmentCount
        Connect-TestStore -Principal 'admin@contoso.com' -Store $target | Out-Null
        Assert-Copied $before
    }

    It 'moves a store SQLite -> PostgreSQL -> SQLite, audit chain intact' {
        if (-not $OnPostgres) { Set-ItResult -Skipped -Because 'needs the PostgreSQL test server (the PostgreSQL pass runs it)' }
        $sqlite = New-TestStorePath
        Connect-PimStore -Path $sqlite -Principal 'admin@contoso.com'
        Add-Content
        $before = Get-PimStore
        $pg = New-TestStore
        Copy-PimStore -DestinationConnectionString $pg.ConnectionString -DestinationProvider PostgreSql -Switch | Out-Null
        (Get-PimStore).Provider | Should -Be 'PostgreSql'
        Assert-Copied $before
        $back = New-TestStorePath
        Copy-PimStore -DestinationPath $back -Switch | Out-Null
        (Get-PimStore).Provider | Should -Be 'Sqlite'
        Assert-Copied $before
    }

    It 'refuses a destination that already holds data, leaving it as it was' {
        $other = Connect-TestStore -Principal 'admin@contoso.com'
        New-PimRole -Name 'Mine' | Out-Null
        $fp = Get-StoreFingerprint
        Connect-TestStore -Principal 'admin@contoso.com' | Out-Null
        { Copy-ToTestStore $other } | Should -Throw -ErrorId 'PimStoreNotEmpty,PimModule.Cmdlets.CopyPimStoreCommand'
        Connect-TestStore -Principal 'admin@contoso.com' -Store $other | Out-Null
        Get-StoreFingerprint | Should -Be $fp
    }
}
