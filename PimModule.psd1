@{
    RootModule           = 'PimModule.dll'
    # The module's version: the one place it is written. Directory.Build.props reads it for the assemblies and
    # ./build.ps1 Package names the package after it.
    ModuleVersion        = '0.2.0'
    GUID                 = '6f1d2c4e-8b7a-4e35-9a0c-2d5b7e91c3a4'
    Author               = 'PimModule contributors'
    CompanyName          = 'PimModule'
    Copyright            = '(c) PimModule contributors. MIT License.'
    Description          = 'Microsoft Entra Privileged Identity Management for PowerShell: roles, role settings (policy), eligible and active assignments, just-in-time activation and approval, notifications, audit, alerts and access reviews, on an embedded SQLite store or a shared PostgreSQL database.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    RequiredAssemblies   = @('PimModule.Model.dll')
    FormatsToProcess     = @('PimModule.format.ps1xml')
    CmdletsToExport      = @(
        'Connect-PimStore'
        'Get-PimStore'
        'Disconnect-PimStore'
        'Copy-PimStore'
        'Get-PimRole'
        'New-PimRole'
        'Remove-PimRole'
        'Get-PimRoleSetting'
        'Set-PimRoleSetting'
        'Set-PimNotificationSetting'
        'Reset-PimRoleSetting'
        'Copy-PimRoleSetting'
        'Export-PimRoleSetting'
        'Import-PimRoleSetting'
        'New-PimEligibleAssignment'
        'New-PimActiveAssignment'
        'Get-PimAssignment'
        'Update-PimAssignment'
        'Remove-PimAssignment'
        'Test-PimAccess'
        'Get-PimRequest'
        'Register-PimMfaMethod'
        'Get-PimMfaCode'
        'Request-PimActivation'
        'Approve-PimRequest'
        'Deny-PimRequest'
        'Stop-PimRequest'
        'Request-PimDeactivation'
        'Request-PimExtension'
        'Get-PimNotification'
        'Set-PimMailSetting'
        'Get-PimMailSetting'
        'Send-PimNotification'
        'Get-PimAlert'
        'Set-PimAlertSetting'
        'Get-PimAlertSetting'
        'Invoke-PimMaintenance'
        'New-PimAccessReview'
        'Get-PimAccessReview'
        'Get-PimAccessReviewItem'
        'Set-PimAccessReviewDecision'
        'Complete-PimAccessReview'
        'Get-PimAuditLog'
        'Test-PimAuditLog'
        'Export-PimAuditLog'
        'New-PimSnapshot'
        'Export-PimReport'
        'Confirm-PimStoreRestore'
        'Protect-PimStore'
        'New-PimCredential'
        'Export-PimCredential'
        'Register-PimCredential'
        'Get-PimCredential'
        'Revoke-PimCredential'
        'Import-PimDirectoryObject'
        'Get-PimDirectoryObject'
        'New-PimGroup'
        'Get-PimGroup'
        'Remove-PimGroup'
        'Add-PimGroupMember'
        'Remove-PimGroupMember'
        'Get-PimGroupMember'
        'Import-PimAssignment'
        'Export-PimAssignment'
        'Compare-PimRoleSetting'
        'Invoke-PimConfiguration'
        'New-PimApprovalStage'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('PIM', 'Entra', 'PrivilegedIdentityManagement', 'JIT', 'AzureAD', 'Security')
            # No ProjectUri or LicenseUri: the project has no public address. The license (MIT) and the changelog ship
            # in the module folder (LICENSE, CHANGELOG.md).
            ReleaseNotes = '0.2.0: one decision kernel that the write path and the verifier share (every rule in one place), typed audit events and versioned rules, approval stages, access reviews and a newcomer''s first hour on the default Verified store. Stores of 0.1.0 open as they are. Every change is listed in CHANGELOG.md in the module folder.'
        }
    }
}
