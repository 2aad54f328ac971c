BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
}

Describe 'The audit log' {
    BeforeEach {
        $script:store = Connect-TestStore -Principal 'admin@contoso.com'
        1..4 | ForEach-Object { New-PimRole -Name "Audited $_" -Description "Role $_" } | Out-Null
        Remove-PimRole -Role 'Audited 4' -Confirm:$false
    }

    It 'records every change with who, when and before/after, in order' {
        $log = Get-PimAuditLog
        $log.Count | Should -Be 7   # CreateStore, creator's assignment, 4 AddRole, 1 RemoveRole
        $log.Sequence | Should -Be (1..7)
        $log[2].Action | Should -Be 'AddRole'
        $log[2].Actor | Should -Be 'admin@contoso.com'
        $log[2].DateTime.Kind | Should -Be 'Utc'
        ($log[2].After | ConvertFrom-Json).Name | Should -Be 'Audited 1'
        $log[2].Before | Should -BeNullOrEmpty
        $log[6].Action | Should -Be 'RemoveRole'
        ($log[6].Before | ConvertFrom-Json).Name | Should -Be 'Audited 4'
    }

    It 'filters by action, role, principal and time' {
        (Get-PimAuditLog -Action AddRole).Count | Should -Be 4
        (Get-PimAuditLog -Role 'Privileged Role Administrator').Action | Should -Be 'AdminAssign'
        (Get-PimAuditLog -Principal 'ADMIN@contoso.com').Count | Should -Be 7
        (Get-PimAuditLog -Principal 'someone@else.com') | Should -BeNullOrEmpty
        (Get-PimAuditLog -Since ([datetime]::UtcNow.AddMinutes(5))) | Should -BeNullOrEmpty
        (Get-PimAuditLog -Until ([datetime]::UtcNow.AddMinutes(5))).Count | Should -Be 7
        (Get-PimAuditLog -First 2).Sequence | Should -Be 1, 2
    }

    It 'verifies when nothing was touched' {
        $r = Test-PimAuditLog
        $r.IsValid | Should -BeTrue
        $r.RecordsChecked | Should -Be 7
        $r.FirstInvalidRecord | Should -BeNullOrEmpty
    }

    It 'finds a record edited behind its back (sqlite3 CLI, or psql on PostgreSQL)' {
        Disconnect-PimStore
        Invoke-Sql -Store $script:store -Sql "UPDATE audit_log SET actor = 'mallory' WHERE sequence = 4"
        $null = Connect-TestStore -Store $script:store -Principal 'admin@contoso.com'
        $r = Test-PimAuditLog -WarningAction SilentlyContinue
        $r.IsValid | Should -BeFalse
        $r.FirstInvalidSequence | Should -Be 4
        $r.FirstInvalidRecord.Sequence | Should -Be 4
        $r.FirstInvalidRecord.Actor | Should -Be 'mallory'
        $r.Reason | Should -Match 'changed'
        $r.RecordsChecked | Should -Be 4
    }

    It 'finds a record whose before/after values were edited' {
        Invoke-Sql -Store $script:store -Sql "UPDATE audit_log SET after_json = replace(after_json, 'Audited 2', 'Audited X') WHERE sequence = 4"
        (Test-PimAuditLog -WarningAction SilentlyContinue).FirstInvalidSequence | Should -Be 4
    }

    It 'finds a record deleted from the middle' {
        Invoke-Sql -Store $script:store -Sql 'DELETE FROM audit_log WHERE sequence = 3'
        $r = Test-PimAuditLog -WarningAction SilentlyContinue
        $r.IsValid | Should -BeFalse
        $r.FirstInvalidSequence | Should -Be 4
        $r.Reason | Should -Match 'removed'
    }

    It 'finds the newest record deleted' {
        Invoke-Sql -Store $script:store -Sql 'DELETE FROM audit_log WHERE sequence = 7'
        $r = Test-PimAuditLog -WarningAction SilentlyContinue
        $r.IsValid | Should -BeFalse
        $r.Reason | Should -Match 'removed'
    }

    It 'finds a forged record inserted with a fresh sequence number' {
        Invoke-Sql -Store $script:store -Sql "INSERT INTO audit_log (sequence, audit_id, at_utc, actor, actor_key, action, target_type, prev_hash, hash) SELECT 8, audit_id, at_utc, 'mallory', 'mallory', 'AddRole', 'Role', hash, hash FROM audit_log WHERE sequence = 7"
        $r = Test-PimAuditLog -WarningAction SilentlyContinue
        $r.IsValid | Should -BeFalse
        $r.FirstInvalidSequence | Should -Be 8
    }

    It 'warns when the log is broken' {
        Invoke-Sql -Store $script:store -Sql "UPDATE audit_log SET action = 'Nothing' WHERE sequence = 5"
        $null = Test-PimAuditLog -WarningVariable w -WarningAction SilentlyContinue
        $w | Should -Not -BeNullOrEmpty
    }
}
