BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $script:T0 = [datetime]::new(2026, 6, 1, 8, 0, 0, [DateTimeKind]::Utc)
    function New-HealthyStore {
        Set-TestClock $T0
        Connect-TestStore -Principal 'admin@contoso.com' | Out-Null
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' -Duration 180d | Out-Null
        New-PimEligibleAssignment -Principal 'user2@contoso.com' -Role 'Global Administrator' -Duration 180d | Out-Null
    }
}
AfterAll { Set-TestClock -Reset }

Describe 'Alerts' -Tag TestClock {
    BeforeEach { New-HealthyStore }

    It 'stay quiet on a healthy store' {
        Get-PimAlert | Should -BeNullOrEmpty
        Get-PimAlert -AsOf $T0.AddDays(30) | Should -BeNullOrEmpty
    }

    It 'NoMfaOnRoleActivation fires when a privileged role activates without MFA' {
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None
        $a = Get-PimAlert -AlertType NoMfaOnRoleActivation
        $a.Count | Should -Be 1
        $a.Roles | Should -Be 'Security Reader'
        $a.Principals | Should -Be 'user1@contoso.com'
        $a.AssignmentIds | Should -Be (Get-PimAssignment -Principal 'user1@contoso.com').AssignmentId
        $a.Fix | Should -Match "Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement Mfa"
    }

    It 'TooManyGlobalAdminsAssignedToTenant fires when both the count and the share are reached' {
        New-PimEligibleAssignment -Principal 'ga2@contoso.com' -Role 'Global Administrator' | Out-Null
        Get-PimAlert -AlertType TooManyGlobalAdminsAssignedToTenant | Should -BeNullOrEmpty      # 2 < 3
        New-PimEligibleAssignment -Principal 'ga3@contoso.com' -Role 'Global Administrator' | Out-Null
        $a = Get-PimAlert -AlertType TooManyGlobalAdminsAssignedToTenant
        $a.Principals.Count | Should -Be 3
        $a.Description | Should -Match '3 principals'
        # Many other role holders: 3 of 35 is under 10 %, so it goes quiet again.
        1..30 | ForEach-Object { [pscustomobject]@{ Principal = "reader$_@contoso.com"; Role = 'Reports Reader' } } | New-PimEligibleAssignment | Out-Null
        Get-PimAlert -AlertType TooManyGlobalAdminsAssignedToTenant | Should -BeNullOrEmpty
        Set-PimAlertSetting -AlertType TooManyGlobalAdminsAssignedToTenant -Percentage 5
        Get-PimAlert -AlertType TooManyGlobalAdminsAssignedToTenant | Should -Not -BeNullOrEmpty
    }

    It 'RolesAssignedOutsidePim fires on permanent active assignments of privileged roles' {
        New-PimActiveAssignment -Principal 'perm@contoso.com' -Role 'Security Administrator' -Permanent -Justification 'legacy' | Out-Null
        New-PimActiveAssignment -Principal 'temp@contoso.com' -Role 'Security Administrator' -Duration 7d -Justification 'project' | Out-Null
        $a = Get-PimAlert -AlertType RolesAssignedOutsidePim
        $a.Principals | Should -Be 'perm@contoso.com'
        $a.Severity | Should -Be 'High'
    }

    It 'RedundantAssignment fires on eligible assignments not activated for 90 days' {
        Get-PimAlert -AlertType RedundantAssignment -AsOf $T0.AddDays(89) | Should -BeNullOrEmpty
        $a = Get-PimAlert -AlertType RedundantAssignment -AsOf $T0.AddDays(91)
        $a.Principals | Sort-Object | Should -Be @('user1@contoso.com', 'user2@contoso.com')
        Set-PimAlertSetting -AlertType RedundantAssignment -Enabled $false
        Get-PimAlert -AlertType RedundantAssignment -AsOf $T0.AddDays(91) | Should -BeNullOrEmpty
    }

    It 'SequentialActivationRenewals fires when the same role is activated again and again' {
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None -RequireJustification $false
        Connect-PimStore -Principal 'user1@contoso.com'
        $t = $T0
        foreach ($i in 1..3) {
            Set-TestClock $t
            Request-PimActivation -Role 'Security Reader' -Duration 30m | Out-Null
            $t = $t.AddMinutes(40)   # 10 minutes after the previous one ended
        }
        Set-TestClock $t
        Connect-PimStore -Principal 'admin@contoso.com' # alerts are the PIM readers' (docs/security.md)
        $a = Get-PimAlert -AlertType SequentialActivationRenewals
        $a.Principals | Should -Be 'user1@contoso.com'
        $a.Count | Should -Be 3
    }

    It 'refuses an unknown alert type and a bad threshold' {
        { Set-PimAlertSetting -AlertType NoSuchAlert -Enabled $false } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
        { Set-PimAlertSetting -AlertType TooManyGlobalAdminsAssignedToTenant -Percentage 140 } | Should -Throw -ErrorId 'PimAlertSettingInvalid*'
    }
}

Describe 'StaleSignIn: privileged role holders who do nothing' -Tag TestClock {
    BeforeEach { New-HealthyStore }

    It 'fires for a privileged holder with no activity in the store for the window, and names them' {
        # user1 and user2 (eligible for Security Reader and Global Administrator, both privileged, since T0) never act;
        # user5 holds a role that is not privileged; admin acts on day 85.
        New-PimEligibleAssignment -Principal 'user5@contoso.com' -Role 'Exchange Administrator' -Duration 180d | Out-Null
        Set-TestClock $T0.AddDays(85)
        Set-PimRoleSetting -Role 'Security Reader' -RequireTicket $true
        Set-TestClock $T0.AddDays(91)
        $a = Get-PimAlert -AlertType StaleSignIn
        $a.Principals | Sort-Object | Should -Be @('user1@contoso.com', 'user2@contoso.com')
        $a.Roles | Sort-Object | Should -Be @('Global Administrator', 'Security Reader')
        @($a.AssignmentIds) | Should -Contain (Get-PimAssignment -Principal 'user2@contoso.com').AssignmentId
        $a.Description | Should -Match 'user2@contoso.com \(never acted\)'
        $a.Fix | Should -Match 'Remove-PimAssignment'
        # Exchange Administrator is not privileged, and admin acted 6 days ago.
        $a.Principals | Should -Not -Contain 'user5@contoso.com'
        $a.Principals | Should -Not -Contain 'admin@contoso.com'
    }

    It 'stays quiet on a healthy store: holders who act, and holders newer than the window' {
        Set-TestClock $T0.AddDays(60)
        foreach ($r in 'Global Administrator', 'Security Reader') { Set-PimRoleSetting -Role $r -ActivationRequirement None -RequireJustification $false }
        foreach ($u in 'user1', 'user2') {
            Connect-PimStore -Principal "$u@contoso.com" | Out-Null
            Request-PimActivation -Role $(if ($u -eq 'user1') { 'Security Reader' } else { 'Global Administrator' }) | Out-Null
        }
        Connect-PimStore -Principal 'admin@contoso.com' | Out-Null
        New-PimEligibleAssignment -Principal 'user3@contoso.com' -Role 'Privileged Role Administrator' -Duration 180d | Out-Null
        Set-TestClock $T0.AddDays(120)
        Get-PimAlert -AlertType StaleSignIn | Should -BeNullOrEmpty
        # Its window is a setting: at 30 days, user3 (assigned 60 days ago, never acted) and the holders who last acted
        # 60 days ago are stale; admin, who changes the setting now, is not.
        Set-PimAlertSetting -AlertType StaleSignIn -Window 30d
        (Get-PimAlert -AlertType StaleSignIn).Principals | Sort-Object | Should -Be @('user1@contoso.com', 'user2@contoso.com', 'user3@contoso.com')
    }
}

Describe 'The weekly digest' -Tag TestClock {
    BeforeEach { New-HealthyStore }

    It 'is queued to each administrator once per ISO week, never twice, with the whole previous week and the open alerts' {
        # T0 is Monday 2026-06-01 08:00; the ISO week runs Monday to Sunday (UTC).
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None -RequireJustification $false
        Set-TestClock $T0.AddDays(2)   # Wednesday: this week's digest is of last week, before the store had anything
        (Invoke-PimMaintenance).DigestsQueued | Should -Be 1
        (Invoke-PimMaintenance).DigestsQueued | Should -Be 0
        Connect-PimStore -Principal 'user1@contoso.com' | Out-Null
        Request-PimActivation -Role 'Security Reader' | Out-Null
        Connect-PimStore -Principal 'admin@contoso.com' | Out-Null
        New-PimActiveAssignment -Principal 'user4@contoso.com' -Role 'User Administrator' -Permanent -Justification 'user team' | Out-Null
        Set-TestClock $T0.AddDays(6)   # Sunday: still the same week
        (Invoke-PimMaintenance).DigestsQueued | Should -Be 0
        $first = @(Get-PimNotification -Recipient 'admin@contoso.com' | Where-Object Event -EQ 'WeeklyDigest')
        $first.Count | Should -Be 1
        $first[0].Body | Should -Match 'week of 2026-05-25'
        $first[0].Body | Should -Match 'Activations \(0\)'
        # The next Monday, whatever its hour: a new digest, of the whole week before (nothing of it falls between two digests).
        Set-TestClock $T0.AddDays(7).AddHours(5)
        (Invoke-PimMaintenance).DigestsQueued | Should -Be 1
        $digest = @(Get-PimNotification -Recipient 'admin@contoso.com' | Where-Object { $_.Event -eq 'WeeklyDigest' -and $_.Body -match 'week of 2026-06-01' })
        $digest.Count | Should -Be 1
        $digest[0].Subject | Should -Match '1 activation'
        $digest[0].Body | Should -Match 'user1@contoso.com activated Security Reader'
        $digest[0].Body | Should -Match 'admin@contoso.com assigned user4@contoso.com User Administrator \(Active\)'
        $digest[0].Body | Should -Match 'New permanent assignments \(2\):\n  admin@contoso.com: Privileged Role Administrator.*\n  user4@contoso.com: User Administrator'
        $digest[0].Body | Should -Match 'RolesAssignedOutsidePim'
        # Only administrators get it.
        Get-PimNotification -Recipient 'user1@contoso.com' | Where-Object Event -EQ 'WeeklyDigest' | Should -BeNullOrEmpty
    }
}
