# Refusals not covered elsewhere: each with its error id, and the store left as it was.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
}
AfterAll { Set-TestClock -Reset }

Describe 'A pipeline without a store' {
    It 'is one refusal (PimNotConnected), never a raw .NET exception per row' {
        # After a refused connect the session has no store: piped rows must not reach a writer that was never made.
        $db = New-TestStorePath -Name 'nostore'
        $script = @"
Import-Module '$ModulePath'
Connect-PimStore -Path '$db' -IdentityMode Lab -Principal admin@contoso.com | Out-Null
try { Connect-PimStore -Path '$db' -Principal '{6f1b2c3d-1111-4222-8333-944455556666}' -ErrorAction Stop } catch { }
`$rows = 1..3 | ForEach-Object { [pscustomobject]@{ Principal = "user`$_@contoso.com"; Role = 'Security Reader'; Duration = '1d' } }
try { `$rows | New-PimEligibleAssignment 2>&1 | ForEach-Object { 'ERR:' + `$_.FullyQualifiedErrorId } } catch { 'ERR:' + `$_.FullyQualifiedErrorId }
"@
        $out = @(Invoke-FreshPwsh -Script $script | Where-Object { $_ -like 'ERR:*' })
        $out.Count | Should -Be 1
        $out[0] | Should -BeLike 'ERR:PimNotConnected,*'
    }
}

Describe 'More refusals leave the store as it was' {
    BeforeEach {
        Set-TestClock -Reset
        Connect-TestStore -Principal 'admin@contoso.com' | Out-Null
    }

    It 'refuses to remove a custom role that still has assignments' {
        New-PimRole -Name 'Busy Role' | Out-Null
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Busy Role' | Out-Null
        $fp = Get-StoreFingerprint
        $err = { Remove-PimRole -Role 'Busy Role' -Confirm:$false } | Should -Throw -ErrorId 'PimRoleInUse,PimModule.Cmdlets.RemovePimRoleCommand' -PassThru
        $err.ErrorDetails.RecommendedAction | Should -Match 'Remove-PimAssignment'
        Get-StoreFingerprint | Should -Be $fp
    }

    It 'refuses an administrator''s update of an activation' {
        Set-PimRoleSetting -Role 'Global Reader' -ActivationRequirement None -RequireJustification $false
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Global Reader' | Out-Null
        Connect-PimStore -Principal 'user1@contoso.com'
        Request-PimActivation -Role 'Global Reader' | Out-Null
        Connect-PimStore -Principal 'admin@contoso.com'
        $activation = Get-PimAssignment -Principal 'user1@contoso.com' -Type Active
        $fp = Get-StoreFingerprint
        { Update-PimAssignment -AssignmentId $activation.AssignmentId -Duration 2d -Confirm:$false } |
            Should -Throw -ErrorId 'PimAssignmentNotUpdatable,PimModule.Cmdlets.UpdatePimAssignmentCommand'
        Get-StoreFingerprint | Should -Be $fp
    }

    It 'refuses an activation duration that is not positive' {
        Set-PimRoleSetting -Role 'Global Reader' -ActivationRequirement None -RequireJustification $false
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Global Reader' | Out-Null
        Connect-PimStore -Principal 'user1@contoso.com'
        $fp = Get-StoreFingerprint
        { Request-PimActivation -Role 'Global Reader' -Duration '00:00:00' } | Should -Throw -ErrorId 'PimDurationInvalid,PimModule.Cmdlets.RequestPimActivationCommand'
        Get-StoreFingerprint | Should -Be $fp
    }

    It 'refuses a second extension request for the same assignment' {
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Global Reader' -Duration 5d | Out-Null
        Connect-PimStore -Principal 'user1@contoso.com'
        Request-PimExtension -Role 'Global Reader' -Justification 'still needed' | Out-Null
        $fp = Get-StoreFingerprint
        { Request-PimExtension -Role 'Global Reader' -Justification 'again' } | Should -Throw -ErrorId 'PimRequestPending,PimModule.Cmdlets.RequestPimExtensionCommand'
        Get-StoreFingerprint | Should -Be $fp
    }

    It 'refuses a secret key that is not 32 bytes of base64, storing nothing' {
        $connect = Get-TestConnectArgument
        $out = Invoke-FreshPwsh -Environment @{ PIM_SECRET_KEY = 'not-a-key' } -Script @"
Import-Module '$ModulePath'
Connect-PimStore $connect -Principal 'user9@contoso.com'
try { Register-PimMfaMethod | Out-Null; 'registered' } catch { `$_.FullyQualifiedErrorId }
"@
        $out | Should -Contain 'PimSecretKeyInvalid,PimModule.Cmdlets.RegisterPimMfaMethodCommand'
        (Get-PimAuditLog -Action RegisterMfaMethod) | Should -BeNullOrEmpty
    }

    It 'makes a stage of the default approvers from -Approvers $null, not a raw ArgumentNullException' {
        $stage = New-PimApprovalStage -Approvers $null -EscalationApprovers $null
        @($stage.Approvers).Count | Should -Be 0
        @($stage.EscalationApprovers).Count | Should -Be 0
        $stage.RequiredApprovals | Should -Be 1
    }
}
