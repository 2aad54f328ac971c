BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
}

Describe 'Copy-PimStore' {
    It 'copies everything into a new SQLite store with the audit chain intact' {
        Connect-PimStore -Path (New-TestStorePath) -Principal 'admin@contoso.com'
        New-PimRole -Name 'Copied Role' | Out-Null
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' -Duration 30d | Out-Null
        Set-PimRoleSetting -Role 'Security Reader' -RequireTicket $true
        $before = Get-PimStore
        $copy = New-TestStorePath
        $info = Copy-PimStore -DestinationPath $copy
        $info.AssignmentCount | Should -Be $before.AssignmentCount
        $info.AuditRecordCount | Should -Be $before.AuditRecordCount
        Connect-PimStore -Path $copy -Principal 'admin@contoso.com'
        (Test-PimAuditLog).IsValid | Should -BeTrue
        (Get-PimRoleSetting 'Security Reader').RequireTicket | Should -BeTrue
        Get-PimRole 'Copied Role' | Should -Not -BeNullOrEmpty
        (Get-PimAssignment -Principal 'user1@contoso.com').EndDateTime | Should -Not -BeNullOrEmpty
    }

    It 'refuses a destination that already holds data, leaving it as it was' {
        $other = New-TestStorePath
        Connect-PimStore -Path $other -Principal 'admin@contoso.com'
        New-PimRole -Name 'Mine' | Out-Null
        $fp = Get-StoreFingerprint
        Connect-PimStore -Path (New-TestStorePath) -Principal 'admin@contoso.com'
        { Copy-PimStore -DestinationPath $other } | Should -Throw -ErrorId 'PimStoreNotEmpty,PimModule.Cmdlets.CopyPimStoreCommand'
        Connect-PimStore -Path $other -Principal 'admin@contoso.com'
        Get-StoreFingerprint | Should -Be $fp
    }
}
