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

# Issue 14: in a Verified store, what happens because time passed is sealed by whoever runs it; the verifier checks it was due.
Describe 'Invoke-PimMaintenance in a Verified store, run by an ordinary principal''s scheduler' -Tag TestClock {
    BeforeAll {
        function Use-Person([string] $Name) {
            $env:XDG_DATA_HOME = Join-Path $script:People $Name
            $null = New-Item -ItemType Directory -Path $env:XDG_DATA_HOME -Force
        }
        function Connect-As([string] $Principal) {
            $p = @{ Principal = $Principal; IdentityMode = 'Verified' }
            if ($script:VStore.Provider -eq 'PostgreSql') { Connect-PimStore -ConnectionString $script:VStore.ConnectionString -Provider PostgreSql @p | Out-Null }
            else { Connect-PimStore -Path $script:VStore.Path @p | Out-Null }
        }
    }
    AfterAll { Remove-Item Env:XDG_DATA_HOME -ErrorAction SilentlyContinue }

    It 'expires what is due and nothing else, needs no administrator key, and the log verifies' {
        Set-TestClock $T0
        $script:VStore = New-TestStore
        $script:People = Join-Path $TestDrive "people-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        Use-Person admin
        Connect-As admin@contoso.com
        foreach ($who in 'user1', 'user2', 'scheduler') {
            Use-Person $who
            $key = New-PimCredential -Principal "$who@contoso.com"
            Use-Person admin
            $key | Register-PimCredential -Principal "$who@contoso.com" | Out-Null
        }
        Set-PimRoleSetting -Role 'Security Reader' -RequireApproval $true -ActivationRequirement None -Approvers 'admin@contoso.com'
        'user1', 'user2' | ForEach-Object { New-PimEligibleAssignment -Principal "$_@contoso.com" -Role 'Security Reader' -Duration 10d -Justification 'JIT' | Out-Null }
        Use-Person user1
        Connect-As user1@contoso.com
        $due = Request-PimActivation -Role 'Security Reader' -Justification 'made first'
        Set-TestClock $T0.AddHours(20)
        Use-Person user2
        Connect-As user2@contoso.com
        $notDue = Request-PimActivation -Role 'Security Reader' -Justification 'made later'

        Set-TestClock $T0.AddHours(25)
        Use-Person scheduler
        Connect-As scheduler@contoso.com   # registered, no role at all
        $r = Invoke-PimMaintenance
        $r.RequestsExpired | Should -Be 1
        $r.AssignmentsPruned | Should -Be 0   # pruning deletes history: an administrator's, skipped here
        $r.DigestsQueued | Should -Be 0       # the administrators' weekly account is an administrator's to queue (nobody pre-empts it)
        # With no role the scheduler reads no one's requests (docs/security.md, "Who may read what"), but the records it wrote.
        @(Get-PimRequest).Count | Should -Be 0
        $expiry = @(Get-PimAuditLog -Action ExpireRequest)
        $expiry.Count | Should -Be 1
        $expiry[0].Actor | Should -Be 'scheduler@contoso.com'
        $expiry[0].IdentityMode | Should -Be 'Verified'
        (Test-PimAuditLog).IsValid | Should -BeTrue
        # Another user's verified state agrees: the due request expired, the other is still the approver's to decide.
        Use-Person admin
        Connect-As admin@contoso.com
        (Get-PimRequest -RequestId $due.RequestId).Status | Should -Be 'Expired'
        (Get-PimRequest -RequestId $notDue.RequestId).Status | Should -Be 'PendingApproval'
        (Invoke-PimMaintenance).DigestsQueued | Should -Be 1
        (Approve-PimRequest -RequestId $notDue.RequestId -Justification 'ok' -Confirm:$false).Status | Should -Be 'Provisioned'
        $e = try { Approve-PimRequest -RequestId $due.RequestId -Justification 'late' -Confirm:$false -ErrorAction Stop } catch { $_ }
        $e.FullyQualifiedErrorId | Should -Be 'PimRequestNotPending,PimModule.Cmdlets.ApprovePimRequestCommand'
    }
}
