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
        $a = Get-PimAlert -AlertType SequentialActivationRenewals
        $a.Principals | Should -Be 'user1@contoso.com'
        $a.Count | Should -Be 3
    }

    It 'refuses an unknown alert type and a bad threshold' {
        { Set-PimAlertSetting -AlertType NoSuchAlert -Enabled $false } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
        { Set-PimAlertSetting -AlertType TooManyGlobalAdminsAssignedToTenant -Percentage 140 } | Should -Throw -ErrorId 'PimAlertSettingInvalid*'
    }
}
