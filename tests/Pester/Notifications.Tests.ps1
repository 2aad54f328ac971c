BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'SmtpSink.ps1')
    Import-Module $ModulePath -Force
    $script:T0 = [datetime]::new(2026, 5, 4, 8, 0, 0, [DateTimeKind]::Utc)

    function New-WalkthroughStore {
        <# The walkthrough's Security Reader with approval; secops gets the admin alerts; user1 eligible and pending. #>
        param([int] $Port)
        Set-TestClock $T0
        Connect-TestStore -Principal 'admin@contoso.com' | Out-Null
        Set-PimMailSetting -SmtpServer 127.0.0.1 -Port $Port -From 'pim@contoso.com'
        Set-PimRoleSetting -Role 'Security Reader' -ActivationMaxDuration 4h -RequireApproval $true -Approvers 'approver1@contoso.com'
        Set-PimNotificationSetting -Role 'Security Reader' -Event EligibleAssigned -Recipient Admin -AdditionalRecipients 'secops@contoso.com'
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' -Duration 90d | Out-Null
        Connect-PimStore -Principal 'user1@contoso.com'
        $secret = (Register-PimMfaMethod).Secret
        Set-TestClock $T0.AddMinutes(1)
        $script:request = Request-PimActivation -Role 'Security Reader' -Duration 2h -Justification 'alert 4711' -MfaCode (Get-TotpCode $secret -At $T0.AddMinutes(1))
    }
}
AfterAll { Set-TestClock -Reset }

Describe 'Notifications over SMTP' -Tag TestClock {
    BeforeAll { $script:sink = Start-SmtpSink }
    AfterAll { Stop-SmtpSink $sink -RemoveFolder }

    It 'delivers the walkthrough''s mails: approval request, activation confirmation, admin alert to the extra recipient' {
        New-WalkthroughStore -Port $sink.Port
        # The outbox is sent by an administrator (or the mailer): it holds everyone's mail (issue 28).
        Connect-PimStore -Principal 'admin@contoso.com'
        Send-PimNotification
        Connect-PimStore -Principal 'approver1@contoso.com'
        Wait-SmtpSinkMessage $sink -Count 2 -To 'approver1@contoso.com' | Out-Null
        $approval = @(Get-SmtpSinkMessage $sink -To 'approver1@contoso.com' | Where-Object Subject -Match 'Approval needed')
        $approval.Count | Should -Be 1
        $approval[0].Subject | Should -Match 'Approval needed.*user1@contoso.com.*Security Reader'
        $approval[0].Body | Should -Match "Approve-PimRequest -RequestId $($request.RequestId)"
        $approval[0].Body | Should -Match 'alert 4711'
        (Get-SmtpSinkMessage $sink -To 'secops@contoso.com').Subject | Should -Match 'user1@contoso.com was assigned Security Reader'
        (Get-SmtpSinkMessage $sink -To 'user1@contoso.com').Subject | Should -Match 'You are eligible for the Security Reader role'

        Set-TestClock $T0.AddMinutes(3)
        Approve-PimRequest -RequestId $request.RequestId -Justification 'ok' | Out-Null
        Connect-PimStore -Principal 'admin@contoso.com'
        Send-PimNotification
        $confirmation = Get-SmtpSinkMessage $sink -To 'user1@contoso.com' | Where-Object Subject -Match 'is active'
        $confirmation.Count | Should -Be 1
        $confirmation[0].Body | Should -Match 'approved by approver1@contoso.com'
        $confirmation[0].Body | Should -Match 'until 2026-05-04 10:03 UTC'
        Connect-PimStore -Principal 'admin@contoso.com' # reads every principal's mail (docs/security.md, "Who may read what")
        (Get-PimNotification -Status Pending) | Should -BeNullOrEmpty
        (Get-PimNotification -Recipient 'user1@contoso.com' -Status Sent).Count | Should -Be 2
    }

    It 'stops the mail of a notification row that is turned off' {
        New-WalkthroughStore -Port $sink.Port
        Connect-PimStore -Principal 'admin@contoso.com'
        Set-PimNotificationSetting -Role 'Security Reader' -Event Activated -Recipient Requestor -DefaultRecipients $false
        Set-PimNotificationSetting -Role 'Security Reader' -Event Activated -Recipient Approver -DefaultRecipients $false
        Connect-PimStore -Principal 'approver1@contoso.com'
        Approve-PimRequest -RequestId $request.RequestId -Justification 'ok' | Out-Null
        Connect-PimStore -Principal 'admin@contoso.com' # reads every principal's mail (docs/security.md, "Who may read what")
        (Get-PimNotification -Recipient 'user1@contoso.com' | Where-Object Subject -Match 'is active') | Should -BeNullOrEmpty
        (Get-PimNotification -Recipient 'admin@contoso.com' | Where-Object Subject -Match 'activated Security Reader').Count | Should -Be 1
    }

    It 'sends only critical mails on a critical-only row' {
        New-WalkthroughStore -Port $sink.Port
        Connect-PimStore -Principal 'admin@contoso.com'
        Set-PimNotificationSetting -Role 'Global Reader' -Event EligibleAssigned -Recipient Requestor -CriticalOnly $true
        New-PimEligibleAssignment -Principal 'quiet@contoso.com' -Role 'Global Reader' | Out-Null   # Global Reader is privileged: critical
        New-PimEligibleAssignment -Principal 'quiet@contoso.com' -Role 'Message Center Reader' | Out-Null
        Set-PimNotificationSetting -Role 'Message Center Reader' -Event EligibleAssigned -Recipient Requestor -CriticalOnly $true
        New-PimEligibleAssignment -Principal 'quiet2@contoso.com' -Role 'Message Center Reader' | Out-Null   # not privileged: not critical
        (Get-PimNotification -Recipient 'quiet@contoso.com').Count | Should -Be 2
        Get-PimNotification -Recipient 'quiet2@contoso.com' | Should -BeNullOrEmpty
    }
}

Describe 'Delivery failures' -Tag TestClock {
    It 'retries a message the server refused, after a growing wait, and sends it once' {
        $sink = Start-SmtpSink -FailFirst 1
        try {
            Set-TestClock $T0
            Connect-TestStore -Principal 'admin@contoso.com' | Out-Null
            Set-PimMailSetting -SmtpServer 127.0.0.1 -Port $sink.Port -From 'pim@contoso.com'
            Set-PimNotificationSetting -Role 'Global Reader' -Event EligibleAssigned -Recipient Admin -DefaultRecipients $false
            Set-PimNotificationSetting -Role 'Global Reader' -Event EligibleAssigned -Recipient Approver -DefaultRecipients $false
            New-PimEligibleAssignment -Principal 'user7@contoso.com' -Role 'Global Reader' | Out-Null
            Send-PimNotification -WarningVariable w -WarningAction SilentlyContinue
            $w | Should -Not -BeNullOrEmpty
            $n = Get-PimNotification -Recipient 'user7@contoso.com'
            $n.Status | Should -Be 'Pending'
            $n.Attempts | Should -Be 1
            $n.LastError | Should -Match '451|busy'
            $n.NextAttemptDateTime | Should -Be $T0.AddMinutes(1)
            Send-PimNotification                        # not due yet: nothing is sent
            (Get-PimNotification -Recipient 'user7@contoso.com').Attempts | Should -Be 1
            Set-TestClock $T0.AddMinutes(2)
            Send-PimNotification
            (Get-PimNotification -Recipient 'user7@contoso.com').Status | Should -Be 'Sent'
            (Wait-SmtpSinkMessage $sink -Count 1 -To 'user7@contoso.com').Count | Should -Be 1
        }
        finally { Stop-SmtpSink $sink -RemoveFolder }
    }

    It 'marks a message Failed with the reason after 5 attempts' {
        $failFile = Join-Path $TestDrive 'fail'
        New-Item $failFile -ItemType File | Out-Null
        $sink = Start-SmtpSink -FailFile $failFile
        try {
            Set-TestClock $T0
            Connect-TestStore -Principal 'admin@contoso.com' | Out-Null
            Set-PimMailSetting -SmtpServer 127.0.0.1 -Port $sink.Port -From 'pim@contoso.com'
            New-PimEligibleAssignment -Principal 'user8@contoso.com' -Role 'Global Reader' | Out-Null
            foreach ($i in 1..5) { Set-TestClock $T0.AddHours($i); Send-PimNotification -WarningAction SilentlyContinue }
            $n = Get-PimNotification -Recipient 'user8@contoso.com'
            $n.Status | Should -Be 'Failed'
            $n.Attempts | Should -Be 5
            $n.LastError | Should -Not -BeNullOrEmpty
        }
        finally { Stop-SmtpSink $sink -RemoveFolder }
    }

    It 'never sends a message twice, also when two senders run at once' {
        $sink = Start-SmtpSink
        try {
            Set-TestClock -Reset
            $connect = (Connect-TestStore -Principal 'admin@contoso.com').ConnectArguments
            Set-PimMailSetting -SmtpServer 127.0.0.1 -Port $sink.Port -From 'pim@contoso.com'
            1..30 | ForEach-Object { [pscustomobject]@{ Principal = "bulk$_@contoso.com"; Role = 'Reports Reader' } } | New-PimEligibleAssignment | Out-Null
            $expected = (Get-PimNotification -Status Pending).Count
            $expected | Should -BeGreaterThan 30
            $jobs = 1..2 | ForEach-Object {
                Start-ThreadJob -ArgumentList $connect, $ModulePath -ScriptBlock {
                    param($connect, $module)
                    & ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command "Import-Module '$module'; Connect-PimStore $connect -Principal 'admin@contoso.com'; Send-PimNotification"
                }
            }
            $jobs | Wait-Job -Timeout 120 | Receive-Job | Out-Null
            Wait-SmtpSinkMessage $sink -Count $expected | Out-Null
            Start-Sleep -Milliseconds 500
            $received = Get-SmtpSinkMessage $sink
            $received.Count | Should -Be $expected
            $ids = $received | ForEach-Object { if ($_.Raw -match 'X-PIM-Notification:\s*([0-9a-f-]{36})') { $Matches[1] } }
        $ids.Count | Should -Be $expected
        ($ids | Sort-Object -Unique).Count | Should -Be $expected
            (Get-PimNotification -Status Sent).Count | Should -Be $expected
        }
        finally { Stop-SmtpSink $sink -RemoveFolder }
    }
}

Describe 'Mail settings' -Tag TestClock {
    BeforeEach { $script:store = Connect-TestStore -Principal 'admin@contoso.com' }

    It 'never stores the password in clear text' {
        $cred = [pscredential]::new('mailer', (ConvertTo-SecureString 'Sup3rS3cret!pw' -AsPlainText -Force))
        Set-PimMailSetting -SmtpServer smtp.contoso.com -Port 587 -From 'pim@contoso.com' -Credential $cred
        $s = Get-PimMailSetting
        $s.SmtpServer | Should -Be 'smtp.contoso.com'
        $s.UserName | Should -Be 'mailer'
        $s.HasPassword | Should -BeTrue
        (Invoke-Sql $store "SELECT key || '=' || value FROM store_info") -join "`n" | Should -Not -Match 'Sup3rS3cret'
        if ($store.Provider -eq 'Sqlite') {
            # not in the file either (nor in its write-ahead log)
            $bytes = [IO.File]::ReadAllBytes($store.Path) + $(if (Test-Path "$($store.Path)-wal") { [IO.File]::ReadAllBytes("$($store.Path)-wal") })
            [Text.Encoding]::UTF8.GetString($bytes) | Should -Not -Match 'Sup3rS3cret'
        }
        Invoke-Sql $store "SELECT value FROM store_info WHERE key = 'mail.password'" | Should -Match '^\s*v2:'   # AES-GCM, bound to this store (see SecretProtector)
    }

    It 'refuses to send without a mail server, and bad settings' {
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Global Reader' | Out-Null
        { Send-PimNotification } | Should -Throw -ErrorId 'PimMailNotConfigured,PimModule.Cmdlets.SendPimNotificationCommand'
        { Set-PimMailSetting -SmtpServer smtp.contoso.com -From 'not-an-address' } | Should -Throw -ErrorId 'PimMailSettingInvalid*'
        Connect-PimStore -Principal 'user1@contoso.com'
        { Set-PimMailSetting -SmtpServer smtp.contoso.com -From 'pim@contoso.com' } | Should -Throw -ErrorId 'PimNotAuthorized*'
    }
}

Describe 'Set-PimMailSetting changes only what it names' -Tag TestClock {
    It 'keeps the port and login when only the server changes, and removes the login on request' {
        Connect-TestStore -Principal 'admin@contoso.com' | Out-Null
        $cred = [pscredential]::new('mailer', (ConvertTo-SecureString 'pw-123' -AsPlainText -Force))
        Set-PimMailSetting -SmtpServer smtp.contoso.com -Port 587 -UseSsl -From 'pim@contoso.com' -Credential $cred
        Set-PimMailSetting -SmtpServer smtp2.contoso.com -From 'pim@contoso.com'
        $s = Get-PimMailSetting
        $s.SmtpServer | Should -Be 'smtp2.contoso.com'
        $s.Port | Should -Be 587
        $s.UseSsl | Should -BeTrue
        $s.UserName | Should -Be 'mailer'
        $s.HasPassword | Should -BeTrue
        Set-PimMailSetting -SmtpServer smtp2.contoso.com -From 'pim@contoso.com' -Credential ([pscredential]::Empty)
        (Get-PimMailSetting).HasPassword | Should -BeFalse
        (Get-PimMailSetting).UserName | Should -BeNullOrEmpty
    }
}

# Issue 17: a mail carries store values (a custom role's name, a justification) as the report does — as text, never
# markup. Every message is one text/plain part (no HTML part a mail client would render), its subject encoded by MimeKit.
Describe 'Mails carry store values as text, never as markup' -Tag Report {
    BeforeAll { $script:sink = Start-SmtpSink }
    AfterAll { Stop-SmtpSink $sink -RemoveFolder }

    It 'sends a hostile role name and justification as plain text, verbatim, with no HTML part' {
        $role = 'Ops <script>alert("role")</script>"><img src=x onerror=alert(1)>'
        $why = 'Investigate "><img src=x onerror=alert(2)><script>alert(3)</script>'
        Connect-TestStore -Principal 'admin@contoso.com' | Out-Null
        Set-PimMailSetting -SmtpServer 127.0.0.1 -Port $sink.Port -From 'pim@contoso.com'
        New-PimRole -Name $role | Out-Null
        Set-PimRoleSetting -Role $role -ActivationRequirement None -RequireApproval $true -Approvers 'approver1@contoso.com'
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role $role -Duration 30d -Justification 'JIT' | Out-Null
        Connect-PimStore -Principal 'user1@contoso.com'
        Request-PimActivation -Role $role -Duration 1h -Justification $why | Out-Null
        # The outbox is sent by an administrator (or the mailer): it holds everyone's mail (issue 28).
        Connect-PimStore -Principal 'admin@contoso.com'
        Send-PimNotification
        $mail = @(Wait-SmtpSinkMessage $sink -Count 1 -To 'approver1@contoso.com' | Where-Object Subject -Match 'Approval needed')
        $mail.Count | Should -Be 1
        $mail[0].Subject | Should -Match ([regex]::Escape($role))
        $mail[0].Body | Should -Match ([regex]::Escape($why))
        $mail[0].Raw | Should -Match '(?im)^Content-Type: text/plain'
        $mail[0].Raw | Should -Not -Match '(?i)text/html|multipart/'
    }
}
