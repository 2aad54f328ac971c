BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $script:T0 = [datetime]::new(2026, 7, 1, 8, 0, 0, [DateTimeKind]::Utc)
}
AfterAll { Set-TestClock -Reset }

Describe 'Invoke-PimMaintenance' -Tag TestClock {
    BeforeEach {
        Set-TestClock $T0
        $script:connect = (Connect-TestStore -Principal 'admin@contoso.com').ConnectArguments
        Set-PimRoleSetting -Role 'Security Reader' -RequireApproval $true -ActivationRequirement None -Approvers 'approver1@contoso.com'
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' -Duration 10d | Out-Null
        Connect-PimStore -Principal 'user1@contoso.com'
        $script:req = Request-PimActivation -Role 'Security Reader' -Justification 'x'
        Connect-PimStore -Principal 'admin@contoso.com'
    }

    It 'expires undecided requests after 24 hours, audited' {
        Set-TestClock $T0.AddHours(25)
        $r = Invoke-PimMaintenance
        $r.RequestsExpired | Should -Be 1
        (Get-PimRequest -RequestId $req.RequestId).Status | Should -Be 'Expired'
        (Get-PimAuditLog -Action ExpireRequest).Count | Should -Be 1
        (Invoke-PimMaintenance).RequestsExpired | Should -Be 0
    }

    It 'queues each expiring-soon notice once, however often it runs' {
        (Invoke-PimMaintenance).NoticesQueued | Should -Be 1
        (Invoke-PimMaintenance).NoticesQueued | Should -Be 0
        (Get-PimNotification -Recipient 'user1@contoso.com' | Where-Object Event -eq 'Expiring14d').Count | Should -Be 1
        Set-TestClock $T0.AddDays(9.5)
        (Invoke-PimMaintenance).NoticesQueued | Should -Be 1
        (Get-PimNotification -Recipient 'user1@contoso.com' | Where-Object Event -eq 'Expiring1d').Count | Should -Be 1
        Set-TestClock $T0.AddDays(11)
        Invoke-PimMaintenance | Out-Null
        Invoke-PimMaintenance | Out-Null
        (Get-PimNotification -Recipient 'user1@contoso.com' | Where-Object Event -eq 'Expired').Count | Should -Be 1
    }

    It 'queues each notice once when two processes run it at once' {
        $jobs = 1..2 | ForEach-Object {
            Start-ThreadJob -ArgumentList $connect, $ModulePath, $T0 -ScriptBlock {
                param($connect, $module, $t0)
                & ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command "`$env:PIM_TEST_UTCNOW = '$($t0.ToString('o'))'; Import-Module '$module'; Connect-PimStore $connect -Principal 'admin@contoso.com'; 1..3 | ForEach-Object { Invoke-PimMaintenance | Out-Null }"
            }
        }
        $jobs | Wait-Job -Timeout 120 | Receive-Job | Out-Null
        (Get-PimNotification -Recipient 'user1@contoso.com' | Where-Object Event -eq 'Expiring14d').Count | Should -Be 1
        (Test-PimAuditLog).IsValid | Should -BeTrue
    }

    It 'prunes requests and expired assignments after 30 days, never the audit log' {
        $auditBefore = (Get-PimAuditLog).Count
        Set-TestClock $T0.AddDays(45)
        $r = Invoke-PimMaintenance
        $r.RequestsPruned | Should -BeGreaterThan 0
        $r.AssignmentsPruned | Should -Be 1
        Get-PimRequest -RequestId $req.RequestId -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Get-PimAssignment -Principal 'user1@contoso.com' -State All | Should -BeNullOrEmpty
        (Get-PimAuditLog).Count | Should -BeGreaterThan $auditBefore
        (Get-PimAuditLog -Action PruneHistory).Count | Should -Be 1
        (Test-PimAuditLog).IsValid | Should -BeTrue
    }

    It 'changes nothing with -WhatIf' {
        Set-TestClock $T0.AddHours(25)
        $fp = Get-StoreFingerprint
        Invoke-PimMaintenance -WhatIf
        Get-StoreFingerprint | Should -Be $fp
    }
}
