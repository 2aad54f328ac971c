# The default views (issue 26, item 5): what the tables and lists show, rendered as a console of 160 columns shows them
# (Out-String -Width 160). Principals and role names are whole, Get-PimStore names its identity mode and trust anchor, a
# request shows its justification, duration and creation time, and an approval reads as the approver's Approve of the
# requester's request, while the sealed records stay as they are.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force

    function Get-Line {
        <# The rendered lines of what is piped in, at 160 columns, without trailing blanks. #>
        param([Parameter(ValueFromPipeline)] $InputObject)
        begin { $all = [System.Collections.Generic.List[object]]::new() }
        process { $all.Add($InputObject) }
        end { ($all | Out-String -Width 160) -split '\r?\n' | ForEach-Object TrimEnd | Where-Object { $_ } }
    }

    function New-ApprovalStore {
        <# admin@contoso.com's store: Security Reader needs approver1's approval (no MFA); user1 asks for it for 2 hours. #>
        param([string] $Justification = 'alert 4711')
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        Set-PimRoleSetting -Role 'Security Reader' -RequireApproval $true -Approvers 'approver1@contoso.com' -ActivationRequirement None
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' -Duration 90d -Justification 'SOC analyst' | Out-Null
        Connect-PimStore -Principal 'user1@contoso.com'
        $script:request = Request-PimActivation -Role 'Security Reader' -Duration 2h -Justification $Justification
        Connect-PimStore -Principal 'approver1@contoso.com'
    }
}

Describe 'Default views at 160 columns' -Tag Views, ProviderNeutral {
    It 'Get-PimStore shows the identity mode and the trust anchor (a Lab store: none)' {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        $lines = Get-PimStore | Get-Line
        $lines | Should -Contain 'IdentityMode            : Lab'
        $lines | Should -Contain 'TrustAnchor             : (none: a Lab store)'
        $lines | Should -Contain 'FailedNotificationCount : 0'
    }

    It 'Get-PimStore of a default (Verified) store shows IdentityMode Verified and its TrustAnchor in full' {
        $store = New-TestStore
        $environment = $store.Environment + @{ XDG_DATA_HOME = Join-Path $TestDrive "user-$([guid]::NewGuid().ToString('N').Substring(0, 8))" }
        $out = Invoke-FreshPwsh -Environment $environment -Script @"
Import-Module '$ModulePath'
`$info = Get-PimStore -WarningAction SilentlyContinue
'anchor|' + `$info.TrustAnchor
`$info | Out-String -Width 160
"@
        $anchor = ($out | Where-Object { $_ -like 'anchor|*' }) -replace '^anchor\|'
        $anchor | Should -Match '^[0-9a-f-]{36}:[0-9A-F]{64}$'
        $out | Should -Contain 'IdentityMode            : Verified'
        $out | Should -Contain "TrustAnchor             : $anchor"
    }

    It 'Get-PimRequest -PendingMyApproval shows the approver who asks, for which role, how long, since when and why' {
        New-ApprovalStore
        $lines = Get-PimRequest -PendingMyApproval | Get-Line
        $lines[0] | Should -Match '^RequestId\s+Action\s+Status\s+Principal\s+Role\s+Duration\s+Created \(local\)\s+Justification$'
        $created = $request.CreatedDateTime.ToLocalTime().ToString('yyyy-MM-dd HH:mm')
        $lines[2] | Should -Match ("^$($request.RequestId)\s+SelfActivate\s+PendingApproval\s+user1@contoso\.com\s+Security Reader\s+2h\s+" +
            [regex]::Escape($created) + '\s+alert 4711$')
    }

    It 'shortens a long justification to its first 40 characters with an ellipsis (Format-List shows all of it)' {
        $long = 'Investigating alert 4711 from the SOC triage queue; see ticket INC-2231 for the whole story'
        New-ApprovalStore -Justification $long
        # Wide enough for the whole column: the view itself shortens it to 39 characters and an ellipsis.
        $row = (Get-PimRequest -PendingMyApproval | Out-String -Width 300) -split '\r?\n' | Where-Object { $_ -match $request.RequestId }
        $row.TrimEnd() | Should -Match ('\s' + [regex]::Escape($long.Substring(0, 39)) + [char]0x2026 + '$')
        (Get-PimRequest -PendingMyApproval | Format-List Justification | Out-String -Width 300) | Should -Match ([regex]::Escape($long))
    }

    It 'never sends a control character written around the module to the terminal: the justification and the audit log''s target (hostile review F3)' -Tag Hostile {
        New-ApprovalStore
        # A Lab store written around the module (the cmdlets themselves refuse control characters): ESC sequences that
        # would retitle the window and erase the line above.
        $c = if ($OnPostgres) { 'chr' } else { 'char' }
        $esc = "'HELLO' || $c(27) || ']0;PWNED' || $c(7) || $c(27) || '[1A' || $c(27) || '[2K'"
        Invoke-Sql -Store $PimTestStore -Sql "UPDATE requests SET justification = $esc" | Out-Null
        Invoke-Sql -Store $PimTestStore -Sql "UPDATE audit_log SET principal = 'user1@contoso.com' || $c(27) || '[41mEVIL' WHERE action = 'SelfActivate'" | Out-Null
        $requests = Get-PimRequest -PendingMyApproval | Out-String -Width 160
        $requests | Should -Match 'HELLO'
        $requests | Should -Not -Match "[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]"
        Connect-PimStore -Principal 'admin@contoso.com' # reads every principal's records (docs/security.md)
        $log = Get-PimAuditLog | Out-String -Width 160
        $log | Should -Match 'EVIL'
        $log | Should -Not -Match "[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]"
    }

    It 'shows minutes, hours and days as durations: 90m as 1h30m, 30m, 3d' {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None -ActivationMaxDuration 4h
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' -Duration 3d -Justification 'SOC' | Out-Null
        Connect-PimStore -Principal 'user1@contoso.com'
        Request-PimActivation -Role 'Security Reader' -Duration 90m -Justification 'one and a half hours' | Out-Null
        Connect-PimStore -Principal 'admin@contoso.com'
        $lines = Get-PimRequest | Get-Line
        ($lines | Where-Object { $_ -match 'SelfActivate' }) | Should -Match '\s1h30m\s'
        ($lines | Where-Object { $_ -match 'AdminAssign.*user1@contoso\.com' }) | Should -Match '\s3d\s'
    }

    It 'Get-PimAssignment shows a long principal and a long role name whole' {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        $principal = 'averylongprincipalname.with.dots@subsidiary.contoso.com'
        New-PimEligibleAssignment -Principal $principal -Role 'Privileged Authentication Administrator' -Duration 30d -Justification 'MFA resets' | Out-Null
        $row = Get-PimAssignment -Principal $principal | Get-Line | Select-Object -Last 1
        $row | Should -Match ('^' + [regex]::Escape($principal) + '\s+Privileged Authentication Administrator\s+/\s+Eligible\s+Direct\s+Active\s+\d{4}-')
    }

    It 'Get-PimAuditLog shows an approval as the approver''s Approve of the requester''s request, and its activation as the approver''s Provision' {
        New-ApprovalStore
        Approve-PimRequest -RequestId $request.RequestId -Justification 'ok' | Out-Null
        Connect-PimStore -Principal 'admin@contoso.com' # reads every principal's records (docs/security.md)
        $lines = Get-PimAuditLog | Get-Line
        $lines[0] | Should -Match '^\s*Seq\s+When \(local\)\s+Actor\s+Action\s+Target$'
        $lines | Where-Object { $_ -match '\bapprover1@contoso\.com\s+SelfActivate\b' } | Should -BeNullOrEmpty
        $lines | Where-Object { $_ -match "\bapprover1@contoso\.com\s+Approve\s+user1@contoso\.com's request for Security Reader$" } | Should -HaveCount 1
        $lines | Where-Object { $_ -match "\bapprover1@contoso\.com\s+Provision\s+user1@contoso\.com's activation of Security Reader \(approved\)$" } | Should -HaveCount 1
        $lines | Where-Object { $_ -match "\buser1@contoso\.com\s+SelfActivate\s+user1@contoso\.com's request for Security Reader$" } | Should -HaveCount 1
        $lines | Where-Object { $_ -match "\badmin@contoso\.com\s+AdminAssign\s+user1@contoso\.com's Security Reader assignment$" } | Should -HaveCount 1
    }

    It 'changes the view only: the records keep their action, actor and principal, and the log verifies' {
        New-ApprovalStore
        Approve-PimRequest -RequestId $request.RequestId -Justification 'ok' | Out-Null
        $approval = Get-PimAuditLog -Action ApproveRequest
        $approval.Actor | Should -Be 'approver1@contoso.com'
        $approval.Principal | Should -Be 'user1@contoso.com'
        $provisioned = Get-PimAuditLog -Action SelfActivate | Where-Object TargetType -EQ 'Assignment'
        $provisioned.Actor | Should -Be 'approver1@contoso.com'
        $provisioned.Action | Should -Be 'SelfActivate'
        (Get-PimAuditLog | Select-Object -First 1).PSObject.Properties.Name | Should -Not -Contain 'Target'
        (Test-PimAuditLog).IsValid | Should -BeTrue
    }

    It 'a Deny reads as the approver''s Deny' {
        New-ApprovalStore
        Deny-PimRequest -RequestId $request.RequestId -Justification 'not now' | Out-Null
        Get-PimAuditLog | Get-Line | Where-Object { $_ -match "\bapprover1@contoso\.com\s+Deny\s+user1@contoso\.com's request for Security Reader$" } | Should -HaveCount 1
    }

    It 'no table of the format file fixes a column''s width' {
        [xml] $format = Get-Content (Join-Path $ModulePath 'PimModule.format.ps1xml') -Raw
        @($format.SelectNodes('//TableColumnHeader/Width')).Count | Should -Be 0
    }
}
