# The first administrator is a person with a mail address (issue 26, item 4): a store created by an operating-system user
# whose name is not a mail address says so, and what to do; a notification to a recipient that is not a mail address is
# queued as Failed with its reason, never dropped; Get-PimAlert (UndeliverableNotifications) and Get-PimStore
# (FailedNotificationCount) show them.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force

    function New-UserFolder {
        <# A PimModule folder (keys, known stores) of one's own, for a fresh pwsh. #>
        Join-Path $TestDrive "user-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    }

    function New-SecurityReaderActivation {
        <#
        admin@contoso.com's Lab store where the non-mail principal svc-pim is an administrator too; user1 activates Security
        Reader (no MFA), so the Activated mail goes to both administrators.
        #>
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        New-PimActiveAssignment -Principal 'svc-pim' -Role 'Privileged Role Administrator' -Permanent -Justification 'the scheduler' | Out-Null
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' -Duration 90d -Justification 'SOC' | Out-Null
        Connect-PimStore -Principal 'user1@contoso.com'
        $script:request = Request-PimActivation -Role 'Security Reader' -Duration 1h -Justification 'alert 4711'
        Connect-PimStore -Principal 'admin@contoso.com'
    }
}

Describe 'A store created by an operating-system user with no mail address' -Tag FirstAdministrator {
    It 'warns, when the first command creates the default (Verified) store, naming Connect-PimStore -Principal and how to add an administrator' {
        $store = New-TestStore
        $out = Invoke-FreshPwsh -Environment ($store.Environment + @{ XDG_DATA_HOME = New-UserFolder }) -Script @"
Import-Module '$ModulePath'
`$info = Get-PimStore -WarningVariable first -WarningAction SilentlyContinue
'mode|' + `$info.IdentityMode
'count|' + @(`$first).Count
'warning|' + (`$first -join ' ')
`$null = Get-PimStore -WarningVariable again -WarningAction SilentlyContinue
'again|' + @(`$again).Count
"@
        $user = [Environment]::UserName
        $out | Should -Contain 'mode|Verified'
        $out | Should -Contain 'count|1'
        $warning = ($out | Where-Object { $_ -like 'warning|*' }) -replace '^warning\|'
        $warning | Should -Match ([regex]::Escape("'$user' created this store and is its first administrator, but '$user' is not a mail address"))
        $warning | Should -Match 'queued as Failed'
        $warning | Should -Match 'UndeliverableNotifications'
        $warning | Should -Match ([regex]::Escape('Connect-PimStore -Path <new file> -Principal you@contoso.com.'))
        $warning | Should -Match ([regex]::Escape('New-PimCredential -Principal you@contoso.com | Register-PimCredential; New-PimActiveAssignment -Principal you@contoso.com -Role ''Privileged Role Administrator'''))
        $out | Should -Contain 'again|0'   # once: the store exists now
    }

    It 'warns on Connect-PimStore that creates a Lab store, without the key step' {
        $path = New-TestStorePath
        $null = Connect-PimStore -Path $path -IdentityMode Lab -WarningVariable w -WarningAction SilentlyContinue
        @($w).Count | Should -Be 1
        "$w" | Should -Match 'is not a mail address'
        "$w" | Should -Match ([regex]::Escape('Connect-PimStore -Path <new file> -Principal you@contoso.com -IdentityMode Lab.'))
        "$w" | Should -Not -Match 'New-PimCredential'
        # Connecting to it again creates nothing: no warning.
        $null = Connect-PimStore -Path $path -IdentityMode Lab -WarningVariable w2 -WarningAction SilentlyContinue
        @($w2).Count | Should -Be 0
    }

    It 'does not warn when -Principal is a mail address: that principal is the first administrator, and in a Verified store holds the root key' {
        $store = New-TestStore
        $connect = if ($store.Provider -eq 'PostgreSql') { "-ConnectionString '$($store.ConnectionString)' -Provider PostgreSql" } else { "-Path '$($store.Path)'" }
        $out = Invoke-FreshPwsh -Environment @{ XDG_DATA_HOME = New-UserFolder } -Script @"
Import-Module '$ModulePath'
Connect-PimStore $connect -Principal admin@contoso.com -WarningVariable w -WarningAction SilentlyContinue
'count|' + @(`$w).Count
'mode|' + (Get-PimStore).IdentityMode
'admin|' + ((Get-PimAssignment -Role 'Privileged Role Administrator').Principal -join ',')
`$key = Get-PimCredential -Principal admin@contoso.com
'root|' + `$key.IsRoot + '|' + `$key.State
"@
        $out | Should -Contain 'count|0'
        $out | Should -Contain 'mode|Verified'
        $out | Should -Contain 'admin|admin@contoso.com'
        $out | Should -Contain 'root|True|Active'
    }
}

Describe 'No notification is dropped without a trace' -Tag FirstAdministrator {
    It 'queues the Activated mail to an administrator who is not a mail address as Failed, with the reason' {
        New-SecurityReaderActivation
        $failed = @(Get-PimNotification -Status Failed | Where-Object { $_.Event -eq 'Activated' -and $_.RecipientType -eq 'Admin' })
        $failed.Count | Should -Be 1
        $failed[0].Recipient | Should -Be 'svc-pim'
        $failed[0].RequestId | Should -Be $request.RequestId
        $failed[0].Attempts | Should -Be 0
        $failed[0].NextAttemptDateTime | Should -BeNullOrEmpty
        $failed[0].LastError | Should -Match "^PimRecipientUndeliverable: 'svc-pim' is not a mail address, so this notification cannot be delivered to it\."
        $failed[0].LastError | Should -Match ([regex]::Escape("Set-PimNotificationSetting -Role 'Security Reader' -Event Activated -Recipient Admin -AdditionalRecipients"))
        # The administrator with an address gets theirs, waiting to be sent.
        (Get-PimNotification -Recipient 'admin@contoso.com' -Status Pending | Where-Object Event -EQ 'Activated').Count | Should -Be 1
    }

    It 'keeps the bulk path batched: one summary to the administrators, each non-mail assignee''s notice Failed' {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        1..30 | ForEach-Object { [pscustomobject]@{ Principal = "bulk$_"; Role = 'Reports Reader' } } | New-PimEligibleAssignment | Out-Null
        $notices = @(Get-PimNotification -Status Failed | Where-Object { $_.Event -eq 'EligibleAssigned' -and $_.RecipientType -eq 'Requestor' })
        $notices.Count | Should -Be 30
        $notices | ForEach-Object { $_.LastError | Should -Match '^PimRecipientUndeliverable: ' }
        $summary = @(Get-PimNotification -Recipient 'admin@contoso.com' | Where-Object { $_.Event -eq 'EligibleAssigned' -and $_.RecipientType -eq 'Admin' })
        $summary.Count | Should -Be 1
        $summary[0].Subject | Should -Match '30 principals were assigned Reports Reader'
    }

    It 'shows them in Get-PimAlert (UndeliverableNotifications) and Get-PimStore (FailedNotificationCount)' {
        New-SecurityReaderActivation
        $failed = @(Get-PimNotification -Status Failed)
        $failed.Count | Should -BeGreaterThan 0
        (Get-PimStore).FailedNotificationCount | Should -Be $failed.Count
        $alert = Get-PimAlert -AlertType UndeliverableNotifications
        $alert.Count | Should -Be $failed.Count
        $alert.Severity | Should -Be 'Medium'
        $alert.Principals | Should -Be 'svc-pim'
        $alert.Roles | Should -Contain 'Security Reader'
        $alert.Description | Should -Match "$($failed.Count) to svc-pim \(not a mail address\)"
        $alert.Fix | Should -Match ([regex]::Escape('Get-PimNotification -Status Failed'))
        $alert.Fix | Should -Match "'svc-pim' is not a mail address"
        # A week later they are history; the alert setting turns it off as any other.
        Get-PimAlert -AlertType UndeliverableNotifications -AsOf ([datetime]::UtcNow.AddDays(8)) | Should -BeNullOrEmpty
        Set-PimAlertSetting -AlertType UndeliverableNotifications -Enabled $false
        Get-PimAlert -AlertType UndeliverableNotifications | Should -BeNullOrEmpty
    }

    It 'stays quiet when every recipient has a mail address' {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' -Duration 90d -Justification 'SOC' | Out-Null
        Get-PimNotification -Status Failed | Should -BeNullOrEmpty
        Get-PimAlert -AlertType UndeliverableNotifications | Should -BeNullOrEmpty
        (Get-PimStore).FailedNotificationCount | Should -Be 0
    }

    It 'in the default (Verified) store, the OS user''s Activated mail is Failed and alerted; a Failed row written around the module is not' {
        $store = New-TestStore
        $environment = $store.Environment + @{ XDG_DATA_HOME = New-UserFolder }
        $out = Invoke-FreshPwsh -Environment $environment -Script @"
Import-Module '$ModulePath'
`$ErrorActionPreference = 'Stop'
`$admin = (Get-PimStore -WarningAction SilentlyContinue).Principal
New-PimCredential -Principal user1@contoso.com | Register-PimCredential | Out-Null
Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None
New-PimEligibleAssignment -Principal user1@contoso.com -Role 'Security Reader' -Duration 90d -Justification 'SOC' | Out-Null
Connect-PimStore -Principal user1@contoso.com
Request-PimActivation -Role 'Security Reader' -Duration 1h -Justification 'alert 4711' | Out-Null
Connect-PimStore -Principal `$admin
Get-PimNotification -Status Failed | Where-Object { `$_.Event -eq 'Activated' -and `$_.RecipientType -eq 'Admin' } | ForEach-Object { 'failed|' + `$_.Recipient + '|' + `$_.LastError }
'alert|' + (Get-PimAlert -AlertType UndeliverableNotifications).Count
'store|' + (Get-PimStore).FailedNotificationCount
'valid|' + (Test-PimAuditLog).IsValid
"@
        $user = [Environment]::UserName
        $failed = @($out | Where-Object { $_ -like 'failed|*' })
        $failed.Count | Should -Be 1
        $failed[0] | Should -Match ("^failed\|$([regex]::Escape($user))\|PimRecipientUndeliverable: '$([regex]::Escape($user))' is not a mail address")
        $count = [int](($out | Where-Object { $_ -like 'store|*' }) -replace '^store\|')
        $count | Should -BeGreaterThan 0
        $out | Should -Contain "alert|$count"
        $out | Should -Contain 'valid|True'

        # A Failed message written into the outbox around the module: the store counts its rows, the alert only what the log queued.
        $now = [datetime]::UtcNow.Ticks
        Invoke-Sql -Store $store -Sql "INSERT INTO notifications (notification_id, created_utc, event, recipient_type, recipient, recipient_key, subject, body, critical, status, attempts, next_attempt_utc, last_error) VALUES ('$([guid]::NewGuid())', $now, 'Activated', 'Admin', 'forged', 'forged', 'forged', 'forged', 1, 'Failed', 0, $now, 'forged')" | Out-Null
        $after = Invoke-FreshPwsh -Environment $environment -Script @"
Import-Module '$ModulePath'
'alert|' + (Get-PimAlert -AlertType UndeliverableNotifications).Count
'store|' + (Get-PimStore).FailedNotificationCount
"@
        $after | Should -Contain "alert|$count"
        $after | Should -Contain "store|$($count + 1)"
    }
}
