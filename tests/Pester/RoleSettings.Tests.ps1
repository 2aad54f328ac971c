BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    function Get-Scalars([object] $Setting) {
        $Setting | Select-Object Role, ActivationMaxDuration, ActivationRequirement, AuthenticationContextId, RequireJustification,
            RequireTicket, RequireApproval, @{ n = 'Approvers'; e = { "$($_.Approvers)" } }, RequireApproverJustification, AllowPermanentEligible,
            EligibleExpiresAfter, AllowPermanentActive, ActiveExpiresAfter, RequireMfaOnActiveAssignment, RequireJustificationOnActiveAssignment |
            ConvertTo-Json -Compress
    }
}

Describe 'Role settings defaults' {
    BeforeAll { $null = Connect-TestStore -Principal 'admin@contoso.com' }

    It 'are Entra''s defaults for a role never configured' {
        $s = Get-PimRoleSetting -Role 'Security Reader'
        $s.Role | Should -Be 'Security Reader'
        $s.RoleId | Should -Be ([guid]'5d6b6bb7-de71-4623-b4af-96380a352509')
        $s.ActivationMaxDuration | Should -Be ([timespan]::FromHours(8))
        $s.ActivationRequirement | Should -Be 'Mfa'
        $s.AuthenticationContextId | Should -BeNullOrEmpty
        $s.RequireJustification | Should -BeTrue
        $s.RequireTicket | Should -BeFalse
        $s.RequireApproval | Should -BeFalse
        @($s.Approvers).Count | Should -Be 0
        $s.RequireApproverJustification | Should -BeTrue
        $s.AllowPermanentEligible | Should -BeTrue
        $s.EligibleExpiresAfter | Should -Be ([timespan]::FromDays(365))
        $s.AllowPermanentActive | Should -BeTrue
        $s.ActiveExpiresAfter | Should -Be ([timespan]::FromDays(180))
        $s.RequireMfaOnActiveAssignment | Should -BeFalse
        $s.RequireJustificationOnActiveAssignment | Should -BeTrue
        $s.IsDefault | Should -BeTrue
    }

    It 'have all 9 notification rows on' {
        $n = (Get-PimRoleSetting -Role 'Security Reader').Notifications
        $n.Count | Should -Be 9
        ($n | ForEach-Object { "$($_.Event)/$($_.Recipient)" } | Sort-Object -Unique).Count | Should -Be 9
        $n | Where-Object { -not $_.DefaultRecipients -or $_.CriticalOnly -or $_.AdditionalRecipients.Count } | Should -BeNullOrEmpty
        $n.Event | ForEach-Object ToString | Sort-Object -Unique | Should -Be @('Activated', 'ActiveAssigned', 'EligibleAssigned')
        $n.Recipient | ForEach-Object ToString | Sort-Object -Unique | Should -Be @('Admin', 'Approver', 'Requestor')
    }

    It 'lists every role without -Role, and takes roles (and wildcards) from the pipeline' {
        (Get-PimRoleSetting).Count | Should -Be (Get-PimRole).Count
        (Get-PimRole 'Security*' | Get-PimRoleSetting).Role | Should -Contain 'Security Reader'
        (Get-PimRoleSetting -Role 'Security*').Count | Should -Be (Get-PimRole 'Security*').Count
        (Get-PimRoleSetting -Role '5d6b6bb7-de71-4623-b4af-96380a352509').Role | Should -Be 'Security Reader'
    }
}

Describe 'The walkthrough''s settings pages, one line each' {
    BeforeEach { $null = Connect-TestStore -Principal 'admin@contoso.com' }

    It 'Activation: maximum duration, in any usual notation' -ForEach @(
        @{ Value = '4h' }, @{ Value = '04:00:00' }, @{ Value = 4 }, @{ Value = 'PT4H' }, @{ Value = [timespan]::FromHours(4) }
    ) {
        Set-PimRoleSetting -Role 'Security Reader' -ActivationMaxDuration $Value
        (Get-PimRoleSetting 'Security Reader').ActivationMaxDuration | Should -Be ([timespan]::FromHours(4))
    }

    It 'Activation: requirement None, MFA, or a Conditional Access authentication context' {
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None
        (Get-PimRoleSetting 'Security Reader').ActivationRequirement | Should -Be 'None'
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement AuthenticationContext -AuthenticationContextId c1
        $s = Get-PimRoleSetting 'Security Reader'
        $s.ActivationRequirement | Should -Be 'AuthenticationContext'
        $s.AuthenticationContextId | Should -Be 'c1'
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement Mfa
        $s = Get-PimRoleSetting 'Security Reader'
        $s.ActivationRequirement | Should -Be 'Mfa'
        $s.AuthenticationContextId | Should -BeNullOrEmpty
    }

    It 'Activation: justification, ticket and approval with approvers' {
        Set-PimRoleSetting -Role 'Security Reader' -RequireJustification $true -RequireTicket $true -RequireApproval $true -Approvers 'approver1@contoso.com', 'approver2@contoso.com'
        $s = Get-PimRoleSetting 'Security Reader'
        $s.RequireJustification | Should -BeTrue
        $s.RequireTicket | Should -BeTrue
        $s.RequireApproval | Should -BeTrue
        $s.Approvers | Should -Be @('approver1@contoso.com', 'approver2@contoso.com')
        Set-PimRoleSetting -Role 'Security Reader' -Approvers @()
        @((Get-PimRoleSetting 'Security Reader').Approvers).Count | Should -Be 0
        Set-PimRoleSetting -Role 'Security Reader' -RequireApproverJustification $false
        (Get-PimRoleSetting 'Security Reader').RequireApproverJustification | Should -BeFalse
    }

    It 'Assignment: no permanent assignments; expire eligible after 6 months and active after 15 days' {
        Set-PimRoleSetting -Role 'Security Reader' -AllowPermanentEligible $false -EligibleExpiresAfter 180d -AllowPermanentActive $false -ActiveExpiresAfter 15d
        $s = Get-PimRoleSetting 'Security Reader'
        $s.AllowPermanentEligible | Should -BeFalse
        $s.EligibleExpiresAfter | Should -Be ([timespan]::FromDays(180))
        $s.AllowPermanentActive | Should -BeFalse
        $s.ActiveExpiresAfter | Should -Be ([timespan]::FromDays(15))
    }

    It 'Assignment: MFA and justification on active assignment' {
        Set-PimRoleSetting -Role 'Security Reader' -RequireMfaOnActiveAssignment $true -RequireJustificationOnActiveAssignment $false
        $s = Get-PimRoleSetting 'Security Reader'
        $s.RequireMfaOnActiveAssignment | Should -BeTrue
        $s.RequireJustificationOnActiveAssignment | Should -BeFalse
    }

    It 'Notification: <Event>/<Recipient> row' -ForEach @(
        @{ Event = 'EligibleAssigned'; Recipient = 'Admin' }, @{ Event = 'ActiveAssigned'; Recipient = 'Requestor' }, @{ Event = 'Activated'; Recipient = 'Approver' }
    ) {
        Set-PimNotificationSetting -Role 'Security Reader' -Event $Event -Recipient $Recipient -DefaultRecipients $false -AdditionalRecipients 'secops@contoso.com' -CriticalOnly $true
        $rows = (Get-PimRoleSetting 'Security Reader').Notifications
        $row = $rows | Where-Object { $_.Event -eq $Event -and $_.Recipient -eq $Recipient }
        $row.DefaultRecipients | Should -BeFalse
        $row.AdditionalRecipients | Should -Be @('secops@contoso.com')
        $row.CriticalOnly | Should -BeTrue
        ($rows | Where-Object { $_.DefaultRecipients }).Count | Should -Be 8
    }

    It 'only the named parameters change' {
        Set-PimRoleSetting -Role 'Security Reader' -ActivationMaxDuration 4h -RequireApproval $true
        Set-PimRoleSetting -Role 'Security Reader' -RequireTicket $true
        $s = Get-PimRoleSetting 'Security Reader'
        $s.ActivationMaxDuration | Should -Be ([timespan]::FromHours(4))
        $s.RequireApproval | Should -BeTrue
        $s.RequireTicket | Should -BeTrue
        $s.ActivationRequirement | Should -Be 'Mfa'
        (Get-PimRoleSetting 'Security Administrator').IsDefault | Should -BeTrue
    }

    It 'takes setting objects and roles from the pipeline' {
        Get-PimRoleSetting -Role 'Security Reader' | Set-PimRoleSetting -RequireTicket $true
        Get-PimRole 'Global Reader' | Set-PimRoleSetting -RequireApproval $true
        (Get-PimRoleSetting 'Security Reader').RequireTicket | Should -BeTrue
        (Get-PimRoleSetting 'Security Reader').RequireApproval | Should -BeFalse
        (Get-PimRoleSetting 'Global Reader').RequireApproval | Should -BeTrue
    }

    It 'returns the new settings with -PassThru, and audits before/after' {
        $s = Set-PimRoleSetting -Role 'Security Reader' -ActivationMaxDuration 2h -PassThru
        $s.ActivationMaxDuration | Should -Be ([timespan]::FromHours(2))
        $s.IsDefault | Should -BeFalse
        $s.ModifiedBy | Should -Be 'admin@contoso.com'
        $rec = Get-PimAuditLog -Action UpdateRoleSetting -Role 'Security Reader' | Select-Object -Last 1
        ($rec.Before | ConvertFrom-Json).ActivationMaxDuration | Should -Be '08:00:00'
        ($rec.After | ConvertFrom-Json).ActivationMaxDuration | Should -Be '02:00:00'
    }

    It 'resets a role to Entra''s defaults' {
        Set-PimRoleSetting -Role 'Security Reader' -ActivationMaxDuration 2h -RequireApproval $true
        Set-PimNotificationSetting -Role 'Security Reader' -Event Activated -Recipient Admin -DefaultRecipients $false
        Reset-PimRoleSetting -Role 'Security Reader' -Confirm:$false
        $s = Get-PimRoleSetting 'Security Reader'
        $s.IsDefault | Should -BeTrue
        Get-Scalars $s | Should -Be (Get-Scalars (Get-PimRoleSetting 'Security Reader'))
        $s.ActivationMaxDuration | Should -Be ([timespan]::FromHours(8))
        ($s.Notifications | Where-Object DefaultRecipients).Count | Should -Be 9
    }

    It 'copies settings to one or many roles' {
        Set-PimRoleSetting -Role 'Security Reader' -ActivationMaxDuration 3h -RequireTicket $true -Approvers 'boss@contoso.com'
        Set-PimNotificationSetting -Role 'Security Reader' -Event Activated -Recipient Admin -AdditionalRecipients 'soc@contoso.com'
        Copy-PimRoleSetting -Role 'Security Reader' -Destination 'Global Reader', 'Security Operator'
        foreach ($name in 'Global Reader', 'Security Operator') {
            $s = Get-PimRoleSetting $name
            $s.ActivationMaxDuration | Should -Be ([timespan]::FromHours(3))
            $s.RequireTicket | Should -BeTrue
            $s.Approvers | Should -Be 'boss@contoso.com'
            ($s.Notifications | Where-Object { $_.Event -eq 'Activated' -and $_.Recipient -eq 'Admin' }).AdditionalRecipients | Should -Be 'soc@contoso.com'
        }
        'User Administrator' | Copy-PimRoleSetting -Role 'Security Reader'
        (Get-PimRoleSetting 'User Administrator').ActivationMaxDuration | Should -Be ([timespan]::FromHours(3))
    }
}

Describe 'Export and import' {
    It 'round-trips exactly: export, import into a new store, export again' {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        Set-PimRoleSetting -Role 'Security Reader' -ActivationMaxDuration 4h -RequireApproval $true -Approvers 'a@contoso.com;b@contoso.com' -AllowPermanentEligible $false -EligibleExpiresAfter 180d
        Set-PimRoleSetting -Role 'Global Reader' -ActivationRequirement AuthenticationContext -AuthenticationContextId c7 -RequireTicket $true
        Set-PimNotificationSetting -Role 'Security Reader' -Event EligibleAssigned -Recipient Admin -AdditionalRecipients 'soc@contoso.com' -CriticalOnly $true
        $first = Join-Path $TestDrive 'first.json'
        $second = Join-Path $TestDrive 'second.json'
        Export-PimRoleSetting -Path $first
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        Import-PimRoleSetting -Path $first -Confirm:$false
        Export-PimRoleSetting -Path $second
        (Get-FileHash $second).Hash | Should -Be (Get-FileHash $first).Hash
        (Get-PimRoleSetting 'Global Reader').AuthenticationContextId | Should -Be 'c7'
        ((Get-PimRoleSetting 'Security Reader').Notifications | Where-Object CriticalOnly).Count | Should -Be 1
        $doc = Get-Content $first -Raw | ConvertFrom-Json
        $doc.SchemaVersion | Should -Be 1
        $doc.Roles.Count | Should -Be (Get-PimRole).Count
    }

    It 'exports chosen roles, from the pipeline too' {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        $file = Join-Path $TestDrive 'some.json'
        Get-PimRole 'Security*' | Export-PimRoleSetting -Path $file
        (Get-Content $file -Raw | ConvertFrom-Json).Roles.Role | Should -Be (Get-PimRole 'Security*').Name
    }

    It 'round-trips the scalar settings through Export-Csv and Import-Csv' {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        Set-PimRoleSetting -Role 'Security Reader' -ActivationMaxDuration 90m -ActivationRequirement AuthenticationContext -AuthenticationContextId c2 -RequireTicket $true -RequireApproval $true -Approvers 'x@contoso.com', 'y@contoso.com' -RequireApproverJustification $false -AllowPermanentActive $false -ActiveExpiresAfter 30d -RequireMfaOnActiveAssignment $true
        Set-PimRoleSetting -Role 'Global Reader' -RequireJustification $false -ActivationRequirement None
        $csv = Join-Path $TestDrive 'settings.csv'
        $before = Get-PimRoleSetting -Role 'Security Reader', 'Global Reader'
        $before | Export-Csv -Path $csv -NoTypeInformation
        Reset-PimRoleSetting -Role 'Security Reader' -Confirm:$false
        Reset-PimRoleSetting -Role 'Global Reader' -Confirm:$false
        Import-Csv $csv | Set-PimRoleSetting -Confirm:$false
        $after = Get-PimRoleSetting -Role 'Security Reader', 'Global Reader'
        Get-Scalars $after[0] | Should -Be (Get-Scalars $before[0])
        Get-Scalars $after[1] | Should -Be (Get-Scalars $before[1])
    }
}

Describe 'Refusals leave the store as it was' {
    BeforeEach {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        $script:fp = Get-StoreFingerprint
    }
    AfterEach { Get-StoreFingerprint | Should -Be $script:fp }

    It 'refuses an activation maximum of <Value>' -ForEach @(@{ Value = '29m' }, @{ Value = '25h' }, @{ Value = '00:00:00' }) {
        $err = { Set-PimRoleSetting -Role 'Security Reader' -ActivationMaxDuration $Value } |
            Should -Throw -ErrorId 'PimActivationDurationOutOfRange,PimModule.Cmdlets.SetPimRoleSettingCommand' -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match '30 minutes and 24 hours'
    }

    It 'accepts the bounds 30 minutes and 24 hours' {
        Set-PimRoleSetting -Role 'Security Reader' -ActivationMaxDuration 30m
        Set-PimRoleSetting -Role 'Security Reader' -ActivationMaxDuration 24h
        (Get-PimRoleSetting 'Security Reader').ActivationMaxDuration | Should -Be ([timespan]::FromHours(24))
        Reset-PimRoleSetting -Role 'Security Reader' -Confirm:$false
        $script:fp = Get-StoreFingerprint
    }

    It 'refuses an unknown activation requirement' {
        { Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement Fingerprint } | Should -Throw -ErrorId 'CannotConvertArgumentNoMessage*'
    }

    It 'refuses AuthenticationContext without an id, and an id without AuthenticationContext' {
        { Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement AuthenticationContext } |
            Should -Throw -ErrorId 'PimAuthenticationContextRequired,PimModule.Cmdlets.SetPimRoleSettingCommand'
        { Set-PimRoleSetting -Role 'Security Reader' -AuthenticationContextId c1 } |
            Should -Throw -ErrorId 'PimAuthenticationContextNotApplicable,PimModule.Cmdlets.SetPimRoleSettingCommand'
        { Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement AuthenticationContext -AuthenticationContextId 'nope' } |
            Should -Throw -ErrorId 'PimAuthenticationContextInvalid*'
    }

    It 'refuses an expiry period that is not positive' {
        { Set-PimRoleSetting -Role 'Security Reader' -EligibleExpiresAfter '-5' } | Should -Throw -ErrorId 'PimExpirationOutOfRange*'
        { Set-PimRoleSetting -Role 'Security Reader' -ActiveExpiresAfter 0 } | Should -Throw -ErrorId 'PimExpirationOutOfRange*'
    }

    It 'refuses approvers that are not principals and recipients that are not addresses' {
        { Set-PimRoleSetting -Role 'Security Reader' -RequireApproval $true -Approvers 'not a principal' } | Should -Throw -ErrorId 'PimPrincipalInvalid*'
        { Set-PimNotificationSetting -Role 'Security Reader' -Event Activated -Recipient Admin -AdditionalRecipients 'nobody' } | Should -Throw -ErrorId 'PimRecipientInvalid*'
    }

    It 'refuses a value that is not a duration or a boolean' {
        { Set-PimRoleSetting -Role 'Security Reader' -ActivationMaxDuration 'soon' } | Should -Throw -ErrorId 'ParameterArgumentTransformationError*'
        { Set-PimRoleSetting -Role 'Security Reader' -RequireTicket 'maybe' } | Should -Throw -ErrorId 'ParameterArgumentTransformationError*'
    }

    It 'refuses an unknown role' {
        { Set-PimRoleSetting -Role 'No Such Role' -RequireTicket $true } | Should -Throw -ErrorId 'PimRoleNotFound,PimModule.Cmdlets.SetPimRoleSettingCommand'
    }

    It 'refuses a principal who is not a role administrator' {
        Connect-PimStore -Principal 'user1@contoso.com'
        $err = { Set-PimRoleSetting -Role 'Security Reader' -RequireTicket $true } |
            Should -Throw -ErrorId 'PimNotAuthorized,PimModule.Cmdlets.SetPimRoleSettingCommand' -PassThru
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
        { Set-PimNotificationSetting -Role 'Security Reader' -Event Activated -Recipient Admin -CriticalOnly $true } | Should -Throw -ErrorId 'PimNotAuthorized*'
        { Reset-PimRoleSetting -Role 'Security Reader' -Confirm:$false } | Should -Throw -ErrorId 'PimNotAuthorized*'
        { Copy-PimRoleSetting -Role 'Security Reader' -Destination 'Global Reader' } | Should -Throw -ErrorId 'PimNotAuthorized*'
        Connect-PimStore -Principal 'admin@contoso.com'
    }

    It 'refuses a CSV row with a misspelt column, and applies the good rows' {
        $csv = Join-Path $TestDrive 'misspelt.csv'
        @(
            [pscustomobject]@{ Role = 'Security Reader'; RequireTickt = 'True' }
        ) | Export-Csv $csv -NoTypeInformation
        $null = Import-Csv $csv | Set-PimRoleSetting -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -Be 'PimInputColumnUnknown,PimModule.Cmdlets.SetPimRoleSettingCommand'
        $errs[0].Exception.Message | Should -Match "did you mean 'RequireTicket'"
        (Get-PimRoleSetting 'Security Reader').RequireTicket | Should -BeFalse
        @(
            [pscustomobject]@{ Role = 'Security Reader'; RequireTicket = 'True'; ActivationRequirement = 'Mfa' }
            [pscustomobject]@{ Role = 'Global Reader'; RequireTicket = 'True'; ActivationRequirement = 'Iris' }
        ) | Set-PimRoleSetting -ErrorVariable errs2 -ErrorAction SilentlyContinue
        $errs2[0].FullyQualifiedErrorId | Should -Be 'PimInputValueInvalid,PimModule.Cmdlets.SetPimRoleSettingCommand'
        (Get-PimRoleSetting 'Security Reader').RequireTicket | Should -BeTrue
        (Get-PimRoleSetting 'Global Reader').RequireTicket | Should -BeFalse
        Reset-PimRoleSetting -Role 'Security Reader' -Confirm:$false
        $script:fp = Get-StoreFingerprint
    }

    It 'refuses a malformed or truncated settings file' {
        Export-PimRoleSetting -Role 'Security Reader' -Path (Join-Path $TestDrive 'good.json')
        $text = Get-Content (Join-Path $TestDrive 'good.json') -Raw
        Set-Content (Join-Path $TestDrive 'truncated.json') $text.Substring(0, $text.Length / 2)
        Set-Content (Join-Path $TestDrive 'garbage.json') 'this is { not json'
        Set-Content (Join-Path $TestDrive 'wrongenum.json') ($text -replace '"Mfa"', '"Retina"')
        Set-Content (Join-Path $TestDrive 'extra.json') ($text -replace '"RequireTicket"', '"RequireTickt"')
        foreach ($f in 'truncated', 'garbage', 'wrongenum', 'extra') {
            $err = { Import-PimRoleSetting -Path (Join-Path $TestDrive "$f.json") -Confirm:$false } |
                Should -Throw -ErrorId 'PimSettingFileInvalid,PimModule.Cmdlets.ImportPimRoleSettingCommand' -PassThru
            $err.CategoryInfo.Category | Should -Be 'InvalidData'
        }
    }

    It 'refuses a settings file from a newer schema version' {
        Export-PimRoleSetting -Role 'Security Reader' -Path (Join-Path $TestDrive 'v1.json')
        (Get-Content (Join-Path $TestDrive 'v1.json') -Raw) -replace '"SchemaVersion": 1', '"SchemaVersion": 2' | Set-Content (Join-Path $TestDrive 'v2.json')
        { Import-PimRoleSetting -Path (Join-Path $TestDrive 'v2.json') -Confirm:$false } | Should -Throw -ErrorId 'PimSettingFileTooNew*'
    }

    It 'refuses an import naming a role that does not exist, applying nothing (not even the good roles)' {
        Set-PimRoleSetting -Role 'Security Reader' -ActivationMaxDuration 2h
        New-PimRole -Name 'Only Here' | Out-Null
        Export-PimRoleSetting -Role 'Security Reader', 'Only Here' -Path (Join-Path $TestDrive 'two.json')
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        $script:fp = Get-StoreFingerprint
        $err = { Import-PimRoleSetting -Path (Join-Path $TestDrive 'two.json') -Confirm:$false } |
            Should -Throw -ErrorId 'PimRoleNotFound,PimModule.Cmdlets.ImportPimRoleSettingCommand' -PassThru
        $err.TargetObject | Should -Be 'Only Here'
        (Get-PimRoleSetting 'Security Reader').ActivationMaxDuration | Should -Be ([timespan]::FromHours(8))
    }

    It 'refuses a missing settings file' {
        { Import-PimRoleSetting -Path (Join-Path $TestDrive 'nope.json') } | Should -Throw -ErrorId 'PimSettingFileNotFound*'
    }

    It 'changes nothing with -WhatIf, and says what it would change' {
        Set-PimRoleSetting -Role 'Security Reader' -ActivationMaxDuration 4h -RequireApproval $true -WhatIf
        Set-PimNotificationSetting -Role 'Security Reader' -Event Activated -Recipient Admin -CriticalOnly $true -WhatIf
        Reset-PimRoleSetting -Role 'Security Reader' -WhatIf
        Copy-PimRoleSetting -Role 'Global Reader' -Destination 'Security Reader' -WhatIf
        (Get-PimRoleSetting 'Security Reader').IsDefault | Should -BeTrue
        $out = Invoke-FreshPwsh -Environment (New-TestStore).Environment -Script @"
Import-Module '$ModulePath'
Set-PimRoleSetting -Role 'Security Reader' -ActivationMaxDuration 4h -RequireApproval `$true -WhatIf
(Get-PimRoleSetting 'Security Reader').ActivationMaxDuration.TotalHours
"@
        $out -join "`n" | Should -Match "What if: .*ActivationMaxDuration: '08:00:00' -> '04:00:00'.*RequireApproval: 'False' -> 'True'.*Security Reader"
        $out[-1] | Should -Be '8'
    }
}

Describe 'Justification and ticket patterns' {
    BeforeEach {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        Set-PimRoleSetting -Role 'Global Reader' -ActivationRequirement None -RequireJustification $false
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Global Reader' -Duration 180d | Out-Null
    }

    It 'are empty by default, set, shown, and cleared with an empty string' {
        $s = Get-PimRoleSetting 'Security Reader'
        $s.JustificationPattern | Should -BeNullOrEmpty
        $s.TicketPattern | Should -BeNullOrEmpty
        Set-PimRoleSetting -Role 'Security Reader' -JustificationPattern '^[A-Z]' -TicketPattern '^INC[0-9]{6}$'
        $s = Get-PimRoleSetting 'Security Reader'
        $s.JustificationPattern | Should -Be '^[A-Z]'
        $s.TicketPattern | Should -Be '^INC[0-9]{6}$'
        $s.IsDefault | Should -BeFalse
        Set-PimRoleSetting -Role 'Security Reader' -JustificationPattern '' -TicketPattern $null
        $s = Get-PimRoleSetting 'Security Reader'
        $s.JustificationPattern | Should -BeNullOrEmpty
        $s.TicketPattern | Should -BeNullOrEmpty
        $s.IsDefault | Should -BeTrue
    }

    It 'refuse an activation whose justification does not match, leaving the store unchanged; accept one that does' {
        Set-PimRoleSetting -Role 'Global Reader' -JustificationPattern '^(Incident|Change) [0-9]+'
        Connect-PimStore -Principal 'user1@contoso.com'
        $fp = Get-StoreFingerprint
        $err = { Request-PimActivation -Role 'Global Reader' -Justification 'because' } |
            Should -Throw -ErrorId 'PimJustificationInvalid,PimModule.Cmdlets.RequestPimActivationCommand' -PassThru
        $err.Exception.Message | Should -Match ([regex]::Escape("'^(Incident|Change) [0-9]+'"))
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        { Request-PimActivation -Role 'Global Reader' } | Should -Throw -ErrorId 'PimJustificationInvalid*' # not given counts as empty
        Get-StoreFingerprint | Should -Be $fp
        (Request-PimActivation -Role 'Global Reader' -Justification 'Incident 4711').Status | Should -Be 'Provisioned'
    }

    It 'refuse an activation whose ticket number does not match; accept one that does' {
        Set-PimRoleSetting -Role 'Global Reader' -TicketPattern '^INC[0-9]{6}$'
        Connect-PimStore -Principal 'user1@contoso.com'
        $fp = Get-StoreFingerprint
        $err = { Request-PimActivation -Role 'Global Reader' -TicketNumber 'INC12' } |
            Should -Throw -ErrorId 'PimTicketInvalid,PimModule.Cmdlets.RequestPimActivationCommand' -PassThru
        $err.Exception.Message | Should -Match ([regex]::Escape("'^INC[0-9]{6}$'"))
        { Request-PimActivation -Role 'Global Reader' } | Should -Throw -ErrorId 'PimTicketInvalid*'
        Get-StoreFingerprint | Should -Be $fp
        (Request-PimActivation -Role 'Global Reader' -TicketNumber 'INC123456').Status | Should -Be 'Provisioned'
    }

    It 'refuse an admin assignment that does not match, single and in a bulk Import-Csv, applying the good rows' {
        Set-PimRoleSetting -Role 'Security Reader' -JustificationPattern '^CAB-[0-9]+' -TicketPattern '^(CHG[0-9]+)?$'
        $fp = Get-StoreFingerprint
        { New-PimEligibleAssignment -Principal 'user2@contoso.com' -Role 'Security Reader' -Duration 30d -Justification 'please' } |
            Should -Throw -ErrorId 'PimJustificationInvalid,PimModule.Cmdlets.NewPimEligibleAssignmentCommand'
        { New-PimActiveAssignment -Principal 'user2@contoso.com' -Role 'Security Reader' -Duration 10d -Justification 'CAB-7' -TicketNumber 'INC1' } |
            Should -Throw -ErrorId 'PimTicketInvalid,PimModule.Cmdlets.NewPimActiveAssignmentCommand'
        Get-StoreFingerprint | Should -Be $fp
        (New-PimEligibleAssignment -Principal 'user2@contoso.com' -Role 'Security Reader' -Duration 30d -Justification 'CAB-7').Principal | Should -Be 'user2@contoso.com'
        $csv = Join-Path $TestDrive 'bulk.csv'
        @(
            [pscustomobject]@{ Principal = 'user3@contoso.com'; Role = 'Security Reader'; Duration = '30d'; Justification = 'CAB-1'; TicketNumber = 'CHG1' }
            [pscustomobject]@{ Principal = 'user4@contoso.com'; Role = 'Security Reader'; Duration = '30d'; Justification = 'no'; TicketNumber = '' }
            [pscustomobject]@{ Principal = 'user5@contoso.com'; Role = 'Security Reader'; Duration = '30d'; Justification = 'CAB-2'; TicketNumber = 'INC9' }
            [pscustomobject]@{ Principal = 'user6@contoso.com'; Role = 'Security Reader'; Duration = '30d'; Justification = 'CAB-3'; TicketNumber = '' }
        ) | Export-Csv $csv -NoTypeInformation
        $made = Import-Csv $csv | New-PimEligibleAssignment -ErrorVariable errs -ErrorAction SilentlyContinue
        @($made).Principal | Should -Be @('user3@contoso.com', 'user6@contoso.com')
        $errs.FullyQualifiedErrorId | Should -Be @('PimJustificationInvalid,PimModule.Cmdlets.NewPimEligibleAssignmentCommand', 'PimTicketInvalid,PimModule.Cmdlets.NewPimEligibleAssignmentCommand')
        (Get-PimAssignment -Role 'Security Reader' -Type Eligible).Principal | Sort-Object | Should -Be @('user2@contoso.com', 'user3@contoso.com', 'user6@contoso.com')
    }

    It 'run without backtracking: a catastrophic pattern against a long input returns fast' {
        Set-PimRoleSetting -Role 'Global Reader' -JustificationPattern '^(a+)+$'
        Connect-PimStore -Principal 'user1@contoso.com'
        $text = ('a' * 499) + '!'
        $watch = [Diagnostics.Stopwatch]::StartNew()
        { Request-PimActivation -Role 'Global Reader' -Justification $text } | Should -Throw -ErrorId 'PimJustificationInvalid*'
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 2
    }

    It 'refuse, when set, a pattern NonBacktracking cannot run (<Case>), leaving the store unchanged' -ForEach @(
        @{ Case = 'backreference'; Pattern = '(a)\1' }
        @{ Case = 'lookahead'; Pattern = '(?=INC)INC[0-9]+' }
        @{ Case = 'lookbehind'; Pattern = '(?<!x)y' }
        @{ Case = 'atomic group'; Pattern = '(?>a+)b' }
        @{ Case = 'syntax error'; Pattern = '[unclosed' }
    ) {
        $fp = Get-StoreFingerprint
        $err = { Set-PimRoleSetting -Role 'Security Reader' -TicketPattern $Pattern } |
            Should -Throw -ErrorId 'PimPatternInvalid,PimModule.Cmdlets.SetPimRoleSettingCommand' -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match 'NonBacktracking'
        { Set-PimRoleSetting -Role 'Security Reader' -JustificationPattern $Pattern } | Should -Throw -ErrorId 'PimPatternInvalid*'
        Get-StoreFingerprint | Should -Be $fp
    }

    It 'refuse a pattern longer than 500 characters' {
        { Set-PimRoleSetting -Role 'Security Reader' -JustificationPattern ('a' * 501) } | Should -Throw -ErrorId 'PimInputTooLong*'
    }

    It 'are exported and imported' {
        Set-PimRoleSetting -Role 'Security Reader' -JustificationPattern '^[A-Z]' -TicketPattern '^INC[0-9]+$'
        $first = Join-Path $TestDrive 'patterns.json'
        $second = Join-Path $TestDrive 'patterns2.json'
        Export-PimRoleSetting -Path $first
        $doc = Get-Content $first -Raw | ConvertFrom-Json
        $sr = $doc.Roles | Where-Object Role -eq 'Security Reader'
        $sr.JustificationPattern | Should -Be '^[A-Z]'
        $sr.TicketPattern | Should -Be '^INC[0-9]+$'
        ($doc.Roles | Where-Object Role -eq 'Global Reader').PSObject.Properties.Name | Should -Not -Contain 'TicketPattern'
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        Import-PimRoleSetting -Path $first -Confirm:$false
        $s = Get-PimRoleSetting 'Security Reader'
        $s.JustificationPattern | Should -Be '^[A-Z]'
        $s.TicketPattern | Should -Be '^INC[0-9]+$'
        Export-PimRoleSetting -Path $second
        (Get-FileHash $second).Hash | Should -Be (Get-FileHash $first).Hash
    }

    It 'round-trip through Export-Csv and Import-Csv' {
        Set-PimRoleSetting -Role 'Security Reader' -JustificationPattern '^"quoted", and ;semi' -TicketPattern '^INC[0-9]+$'
        $csv = Join-Path $TestDrive 'patterns.csv'
        Get-PimRoleSetting -Role 'Security Reader', 'Global Reader' | Export-Csv -Path $csv -NoTypeInformation
        Reset-PimRoleSetting -Role 'Security Reader' -Confirm:$false
        Set-PimRoleSetting -Role 'Global Reader' -TicketPattern 'x'
        Import-Csv $csv | Set-PimRoleSetting -Confirm:$false
        $s = Get-PimRoleSetting 'Security Reader'
        $s.JustificationPattern | Should -Be '^"quoted", and ;semi'
        $s.TicketPattern | Should -Be '^INC[0-9]+$'
        (Get-PimRoleSetting 'Global Reader').TicketPattern | Should -BeNullOrEmpty # the empty cell clears
    }

    It 'show in -WhatIf, which changes nothing' {
        $out = Invoke-FreshPwsh -Environment (New-TestStore).Environment -Script @"
Import-Module '$ModulePath'
Set-PimRoleSetting -Role 'Security Reader' -JustificationPattern '^[A-Z]' -TicketPattern '^INC' -WhatIf
(Get-PimRoleSetting 'Security Reader').IsDefault
"@
        $out -join "`n" | Should -Match "What if: .*JustificationPattern: '' -> '\^\[A-Z\]'.*TicketPattern: '' -> '\^INC'.*Security Reader"
        $out[-1] | Should -Be 'True'
    }

    It 'are parameters of Set-PimRoleSetting taken from the pipeline, like every setting of the settings object' {
        $command = Get-Command Set-PimRoleSetting
        $settings = (Get-PimRoleSetting 'Security Reader').PSObject.Properties.Name |
            Where-Object { $_ -notin 'Role', 'RoleId', 'Notifications', 'IsDefault', 'ModifiedBy', 'ModifiedDateTime' }
        $settings | Should -Contain 'JustificationPattern'
        foreach ($name in $settings) {
            $command.Parameters[$name].Attributes.Where({ $_ -is [System.Management.Automation.ParameterAttribute] }).ValueFromPipelineByPropertyName | Should -Contain $true
        }
    }
}
