BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $script:T0 = [datetime]::new(2026, 4, 6, 8, 0, 0, [DateTimeKind]::Utc)

    function New-JitStore {
        <# Security Reader as in the walkthrough; user1 eligible with MFA registered; returns user1's TOTP secret. #>
        param([switch] $Approval, [string[]] $Approvers = @('approver1@contoso.com'))
        Set-TestClock $T0
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        Set-PimRoleSetting -Role 'Security Reader' -ActivationMaxDuration 4h -ActivationRequirement Mfa -RequireJustification $true -RequireApproval:$Approval.IsPresent -Approvers $Approvers
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' -Duration 180d | Out-Null
        Connect-PimStore -Principal 'user1@contoso.com'
        $script:secret = (Register-PimMfaMethod).Secret
        Set-TestClock $T0.AddMinutes(1)
    }

    function Code([int] $Minutes = 1, [string] $Secret = $script:secret) { Get-TotpCode -Secret $Secret -At $T0.AddMinutes($Minutes) }

    function Assert-OnlyMfaFailureWritten($Before) {
        <# A refused MFA code is the one refusal that writes: its MfaFailed audit record (and its count), nothing else. #>
        $after = Get-PimStore
        $after.AssignmentCount | Should -Be $Before.AssignmentCount
        $after.PendingRequestCount | Should -Be $Before.PendingRequestCount
        $after.AuditRecordCount | Should -Be ($Before.AuditRecordCount + 1)
        (Get-PimAuditLog | Select-Object -Last 1).Action | Should -Be 'MfaFailed'
    }
}
AfterAll { Set-TestClock -Reset }

Describe 'Activation without approval' -Tag TestClock {
    BeforeEach { New-JitStore }

    It 'is Provisioned, and the role is held when the cmdlet returns' {
        $r = Request-PimActivation -Role 'Security Reader' -Duration 2h -Justification 'alert 4711' -MfaCode (Code)
        $r.Action | Should -Be 'SelfActivate'
        $r.Status | Should -Be 'Provisioned'
        $r.Duration | Should -Be ([timespan]::FromHours(2))
        $r.StartDateTime | Should -Be $T0.AddMinutes(1)
        $r.EndDateTime | Should -Be $T0.AddMinutes(121)
        Test-PimAccess -Principal 'user1@contoso.com' -Role 'Security Reader' | Should -BeTrue
        $a = Get-PimAssignment -Principal 'user1@contoso.com' -Type Active
        $a.MemberType | Should -Be 'Activated'
        $a.Justification | Should -Be 'alert 4711'
        Test-PimAccess -Principal 'user1@contoso.com' -Role 'Security Reader' -AsOf $T0.AddMinutes(122) | Should -BeFalse
    }

    It 'lasts the role''s maximum when no duration is given' {
        (Request-PimActivation -Role 'Security Reader' -Justification 'x' -MfaCode (Code)).Duration | Should -Be ([timespan]::FromHours(4))
    }

    It 'never outlives the eligibility' {
        Connect-PimStore -Principal 'admin@contoso.com'
        New-PimEligibleAssignment -Principal 'user9@contoso.com' -Role 'Global Reader' -EndDateTime $T0.AddHours(3) | Out-Null
        Set-PimRoleSetting -Role 'Global Reader' -ActivationRequirement None -RequireJustification $false
        Connect-PimStore -Principal 'user9@contoso.com'
        (Request-PimActivation -Role 'Global Reader').EndDateTime | Should -Be $T0.AddHours(3)
    }

    It 'records the authentication context and still requires the MFA code' {
        Connect-PimStore -Principal 'admin@contoso.com'
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement AuthenticationContext -AuthenticationContextId c1
        Connect-PimStore -Principal 'user1@contoso.com'
        { Request-PimActivation -Role 'Security Reader' -Justification 'x' } | Should -Throw -ErrorId 'PimMfaRequired*'
        (Request-PimActivation -Role 'Security Reader' -Justification 'x' -MfaCode (Code)).AuthenticationContextId | Should -Be 'c1'
    }

    It 'ends with Request-PimDeactivation, but not in its first 5 minutes' {
        Request-PimActivation -Role 'Security Reader' -Justification 'x' -MfaCode (Code) | Out-Null
        Set-TestClock $T0.AddMinutes(4)
        $fp = Get-StoreFingerprint
        { Request-PimDeactivation -Role 'Security Reader' } | Should -Throw -ErrorId 'PimDeactivationTooSoon,PimModule.Cmdlets.RequestPimDeactivationCommand'
        Get-StoreFingerprint | Should -Be $fp
        Set-TestClock $T0.AddMinutes(7)
        $d = Request-PimDeactivation -Role 'Security Reader'
        $d.Action | Should -Be 'SelfDeactivate'
        $d.Status | Should -Be 'Provisioned'
        Test-PimAccess -Principal 'user1@contoso.com' -Role 'Security Reader' | Should -BeFalse
        (Get-PimAssignment -Principal 'user1@contoso.com' -Type Active -State Expired).EndDateTime | Should -Be $T0.AddMinutes(7)
        { Request-PimDeactivation -Role 'Security Reader' } | Should -Throw -ErrorId 'PimNotActive*'
    }

    It 'refuses to deactivate someone else''s activation' {
        Request-PimActivation -Role 'Security Reader' -Justification 'x' -MfaCode (Code) | Out-Null
        $theirs = Get-PimAssignment -Principal 'user1@contoso.com' -Type Active
        Connect-PimStore -Principal 'user2@contoso.com'
        Set-TestClock $T0.AddMinutes(10)
        $fp = Get-StoreFingerprint
        { Request-PimDeactivation -AssignmentId $theirs.AssignmentId } | Should -Throw -ErrorId 'PimNotOwnAssignment,PimModule.Cmdlets.RequestPimDeactivationCommand'
        Get-StoreFingerprint | Should -Be $fp
    }

    It 'says with -WhatIf whether it would pass, and which rule blocks it' {
        $fp = Get-StoreFingerprint
        $store = Get-TestConnectArgument
        $script = @"
Import-Module '$ModulePath'
`$env:PIM_TEST_UTCNOW = '$($T0.AddMinutes(1).ToString('o'))'
Connect-PimStore $store -Principal 'user1@contoso.com'
Request-PimActivation -Role 'Security Reader' -WhatIf
Request-PimActivation -Role 'Security Reader' -Justification 'x' -Duration 9h -WhatIf
Request-PimActivation -Role 'Security Reader' -Justification 'x' -MfaCode '$(Code)' -WhatIf
"@
        $out = (Invoke-FreshPwsh -Script $script) -join "`n"
        $out | Should -Match 'refused \(PimJustificationRequired\).*RequireJustification'
        $out | Should -Match 'refused \(PimDurationExceedsMaximum\).*ActivationMaxDuration'
        $out | Should -Match 'would pass'
        Get-StoreFingerprint | Should -Be $fp
    }
}

Describe 'Activation refusals leave the store as it was' -Tag TestClock {
    BeforeEach {
        New-JitStore
        $script:fp = Get-StoreFingerprint
    }
    AfterEach { Get-StoreFingerprint | Should -Be $script:fp }

    It 'refuses a principal who is not eligible' {
        Connect-PimStore -Principal 'user2@contoso.com'
        $err = { Request-PimActivation -Role 'Security Reader' -Justification 'x' -MfaCode '123456' } |
            Should -Throw -ErrorId 'PimNotEligible,PimModule.Cmdlets.RequestPimActivationCommand' -PassThru
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $err.Exception.Message | Should -Match 'Security Reader'
        $err.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
    }

    It 'refuses a role the principal is not eligible for' {
        { Request-PimActivation -Role 'Global Administrator' -Justification 'x' -MfaCode (Code) } | Should -Throw -ErrorId 'PimNotEligible*'
    }

    It 'refuses a duration over the maximum' {
        { Request-PimActivation -Role 'Security Reader' -Duration 5h -Justification 'x' -MfaCode (Code) } |
            Should -Throw -ErrorId 'PimDurationExceedsMaximum,PimModule.Cmdlets.RequestPimActivationCommand'
    }

    It 'refuses a missing justification' {
        { Request-PimActivation -Role 'Security Reader' -MfaCode (Code) } | Should -Throw -ErrorId 'PimJustificationRequired*'
    }

    It 'refuses a missing ticket when the role requires one' {
        Connect-PimStore -Principal 'admin@contoso.com'
        Set-PimRoleSetting -Role 'Security Reader' -RequireTicket $true
        Connect-PimStore -Principal 'user1@contoso.com'
        $script:fp = Get-StoreFingerprint
        { Request-PimActivation -Role 'Security Reader' -Justification 'x' -MfaCode (Code) } | Should -Throw -ErrorId 'PimTicketRequired*'
    }

    It 'refuses a missing MFA code, a wrong one, one of the wrong length, and one from another principal''s secret' {
        { Request-PimActivation -Role 'Security Reader' -Justification 'x' } | Should -Throw -ErrorId 'PimMfaRequired*'
        $wrong = '{0:D6}' -f (([int](Code) + 1) % 1000000)
        { Request-PimActivation -Role 'Security Reader' -Justification 'x' -MfaCode $wrong } | Should -Throw -ErrorId 'PimMfaInvalid*'
        { Request-PimActivation -Role 'Security Reader' -Justification 'x' -MfaCode '12345' } | Should -Throw -ErrorId 'PimMfaInvalid*'
        Connect-PimStore -Principal 'user2@contoso.com'
        $other = (Register-PimMfaMethod).Secret
        Connect-PimStore -Principal 'user1@contoso.com'
        $before = Get-PimStore
        { Request-PimActivation -Role 'Security Reader' -Justification 'x' -MfaCode (Code -Secret $other) } | Should -Throw -ErrorId 'PimMfaInvalid*'
        Assert-OnlyMfaFailureWritten $before
        (Get-PimAuditLog -Action MfaFailed).Count | Should -Be 3   # the wrong code, the one of the wrong length, the other's
        $script:fp = Get-StoreFingerprint
    }

    It 'never accepts a code twice' {
        Connect-PimStore -Principal 'admin@contoso.com'
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Global Reader' | Out-Null
        Connect-PimStore -Principal 'user1@contoso.com'
        $code = Code
        Request-PimActivation -Role 'Security Reader' -Justification 'x' -MfaCode $code | Out-Null
        $before = Get-PimStore
        { Request-PimActivation -Role 'Global Reader' -Justification 'same code' -MfaCode $code } | Should -Throw -ErrorId 'PimMfaCodeReused*'
        Assert-OnlyMfaFailureWritten $before
        $script:fp = Get-StoreFingerprint
    }

    It 'refuses a role that is already active' {
        Request-PimActivation -Role 'Security Reader' -Justification 'x' -MfaCode (Code) | Out-Null
        Set-TestClock $T0.AddMinutes(2)
        $script:fp = Get-StoreFingerprint
        { Request-PimActivation -Role 'Security Reader' -Justification 'x' -MfaCode (Code 2) } | Should -Throw -ErrorId 'PimAlreadyActive*'
    }

    It 'refuses a start in the past beyond the tolerance, and beyond the eligibility''s end' {
        { Request-PimActivation -Role 'Security Reader' -Justification 'x' -MfaCode (Code) -StartDateTime $T0.AddMinutes(-30) } | Should -Throw -ErrorId 'PimStartInvalid*'
        { Request-PimActivation -Role 'Security Reader' -Justification 'x' -MfaCode (Code) -StartDateTime $T0.AddDays(200) } | Should -Throw -ErrorId 'PimNotEligible*'
    }
}

Describe 'Activation with approval' -Tag TestClock {
    BeforeEach {
        New-JitStore -Approval
        $script:req = Request-PimActivation -Role 'Security Reader' -Duration 2h -Justification 'alert' -MfaCode (Code)
    }

    It 'waits for approval, then the approver''s decision creates the activation from the approval time' {
        $req.Status | Should -Be 'PendingApproval'
        Test-PimAccess -Principal 'user1@contoso.com' -Role 'Security Reader' | Should -BeFalse
        Connect-PimStore -Principal 'approver1@contoso.com'
        (Get-PimRequest -PendingMyApproval).RequestId | Should -Be $req.RequestId
        Set-TestClock $T0.AddMinutes(30)
        $a = Get-PimRequest -PendingMyApproval | Approve-PimRequest -Justification 'go'
        $a.Status | Should -Be 'Provisioned'
        $a.ApprovedBy | Should -Be 'approver1@contoso.com'
        $a.DecisionJustification | Should -Be 'go'
        $a.DecidedDateTime | Should -Be $T0.AddMinutes(30)
        $a.StartDateTime | Should -Be $T0.AddMinutes(30)
        $a.EndDateTime | Should -Be $T0.AddMinutes(150)
        Test-PimAccess -Principal 'user1@contoso.com' -Role 'Security Reader' | Should -BeTrue
        Get-PimRequest -PendingMyApproval | Should -BeNullOrEmpty
    }

    It 'refuses a second pending request for the same role' {
        Set-TestClock $T0.AddMinutes(2)
        { Request-PimActivation -Role 'Security Reader' -Justification 'again' -MfaCode (Code 2) } | Should -Throw -ErrorId 'PimRequestPending*'
    }

    It 'is denied by an approver' {
        Connect-PimStore -Principal 'approver1@contoso.com'
        $d = Deny-PimRequest -RequestId $req.RequestId -Justification 'not now'
        $d.Status | Should -Be 'Denied'
        Test-PimAccess -Principal 'user1@contoso.com' -Role 'Security Reader' | Should -BeFalse
    }

    It 'is canceled by its requester, not by anyone else' {
        Connect-PimStore -Principal 'approver1@contoso.com'
        { Stop-PimRequest -RequestId $req.RequestId } | Should -Throw -ErrorId 'PimNotRequester*'
        Connect-PimStore -Principal 'user1@contoso.com'
        (Stop-PimRequest -RequestId $req.RequestId).Status | Should -Be 'Canceled'
    }

    It 'uses the default approvers when the role lists none' {
        New-JitStore -Approval -Approvers @()
        $r = Request-PimActivation -Role 'Security Reader' -Justification 'x' -MfaCode (Code)
        Connect-PimStore -Principal 'approver1@contoso.com'
        { Approve-PimRequest -RequestId $r.RequestId -Justification 'x' } | Should -Throw -ErrorId 'PimNotApprover*'
        Connect-PimStore -Principal 'admin@contoso.com'
        (Approve-PimRequest -RequestId $r.RequestId -Justification 'ok').Status | Should -Be 'Provisioned'
    }

    It 'expires when nobody decides within 24 hours' {
        Set-TestClock $T0.AddHours(25)
        (Get-PimRequest -RequestId $req.RequestId).Status | Should -Be 'Expired'
        Connect-PimStore -Principal 'approver1@contoso.com'
        { Approve-PimRequest -RequestId $req.RequestId -Justification 'late' } | Should -Throw -ErrorId 'PimRequestNotPending*'
        Set-TestClock $T0.AddHours(23)
        (Get-PimRequest -RequestId $req.RequestId).Status | Should -Be 'PendingApproval'
    }
}

Describe 'Decision refusals leave the store as it was' -Tag TestClock {
    BeforeEach {
        New-JitStore -Approval
        $script:req = Request-PimActivation -Role 'Security Reader' -Duration 2h -Justification 'alert' -MfaCode (Code)
        Connect-PimStore -Principal 'approver1@contoso.com'
    }

    It 'refuses deciding a request that is <State>' -ForEach @(@{ State = 'approved' }, @{ State = 'denied' }, @{ State = 'canceled' }) {
        switch ($State) {
            'approved' { Approve-PimRequest -RequestId $req.RequestId -Justification 'ok' | Out-Null }
            'denied' { Deny-PimRequest -RequestId $req.RequestId -Justification 'no' | Out-Null }
            'canceled' { Connect-PimStore -Principal 'user1@contoso.com'; Stop-PimRequest -RequestId $req.RequestId | Out-Null; Connect-PimStore -Principal 'approver1@contoso.com' }
        }
        $fp = Get-StoreFingerprint
        $err = { Approve-PimRequest -RequestId $req.RequestId -Justification 'again' } |
            Should -Throw -ErrorId 'PimRequestNotPending,PimModule.Cmdlets.ApprovePimRequestCommand' -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidOperation'
        { Deny-PimRequest -RequestId $req.RequestId -Justification 'again' } | Should -Throw -ErrorId 'PimRequestNotPending*'
        Get-StoreFingerprint | Should -Be $fp
    }

    It 'refuses a principal who is not an approver, and the requester' {
        $fp = Get-StoreFingerprint
        Connect-PimStore -Principal 'user2@contoso.com'
        { Approve-PimRequest -RequestId $req.RequestId -Justification 'x' } | Should -Throw -ErrorId 'PimNotApprover,PimModule.Cmdlets.ApprovePimRequestCommand'
        Connect-PimStore -Principal 'user1@contoso.com'
        { Approve-PimRequest -RequestId $req.RequestId -Justification 'x' } | Should -Throw -ErrorId 'PimCannotDecideOwnRequest*'
        Get-StoreFingerprint | Should -Be $fp
    }

    It 'refuses an id that does not exist or is not a GUID, and a decision without the required reason' {
        $fp = Get-StoreFingerprint
        { Approve-PimRequest -RequestId ([guid]::NewGuid()) -Justification 'x' } | Should -Throw -ErrorId 'PimRequestNotFound*'
        { Approve-PimRequest -RequestId 'not-a-guid' -Justification 'x' } | Should -Throw -ErrorId 'PimRequestIdInvalid*'
        { Approve-PimRequest -RequestId $req.RequestId } | Should -Throw -ErrorId 'PimJustificationRequired*'
        Get-StoreFingerprint | Should -Be $fp
    }

    It 'lets only the first of two processes deciding at once win' {
        $store = Get-TestConnectArgument
        $go = Join-Path $TestDrive 'go'
        $jobs = 'Approve', 'Deny' | ForEach-Object {
            $verb = $_
            Start-ThreadJob -ArgumentList $verb, $store, $go, $ModulePath, $req.RequestId, $T0 -ScriptBlock {
                param($verb, $store, $go, $module, $id, $t0)
                $script = @"
Import-Module '$module'
`$env:PIM_TEST_UTCNOW = '$($t0.AddMinutes(5).ToString('o'))'
Connect-PimStore $store -Principal 'approver1@contoso.com'
while (-not (Test-Path '$go')) { Start-Sleep -Milliseconds 5 }
try { `$r = $verb-PimRequest -RequestId '$id' -Justification 'race'; "won:`$(`$r.Status)" } catch { "lost:`$(`$_.FullyQualifiedErrorId)" }
"@
                $file = [IO.Path]::GetTempFileName() + '.ps1'
                Set-Content $file $script
                & ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $file
            }
        }
        Start-Sleep -Seconds 3   # both processes are up and waiting
        New-Item $go -ItemType File | Out-Null
        $results = $jobs | Wait-Job -Timeout 60 | Receive-Job
        ($results | Where-Object { $_ -like 'won:*' }).Count | Should -Be 1
        ($results | Where-Object { $_ -like 'lost:PimRequestNotPending*' }).Count | Should -Be 1
        Connect-PimStore -Principal 'admin@contoso.com' # reads every principal's (docs/security.md, "Who may read what")
        $final = Get-PimRequest -RequestId $req.RequestId
        $final.Status | Should -BeIn 'Provisioned', 'Denied'
        (Get-PimAuditLog -Action ApproveRequest, DenyRequest).Count | Should -Be 1
        (Get-PimAssignment -Principal 'user1@contoso.com' -Type Active -State All).Count | Should -Be ([int]($final.Status -eq 'Provisioned'))
        (Test-PimAuditLog).IsValid | Should -BeTrue
    }
}

Describe 'Extension' -Tag TestClock {
    BeforeEach {
        Set-TestClock $T0
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        $script:soon = New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' -Duration 10d
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Global Reader' -Duration 100d | Out-Null
        Connect-PimStore -Principal 'user1@contoso.com'
    }

    It 'asks an administrator to extend an assignment ending within 14 days; approving is AdminExtend' {
        $r = Request-PimExtension -Role 'Security Reader' -Duration 90d -Justification 'still on the rota'
        $r.Action | Should -Be 'SelfExtend'
        $r.Status | Should -Be 'PendingApproval'
        Connect-PimStore -Principal 'admin@contoso.com'
        Set-TestClock $T0.AddHours(1)
        (Get-PimRequest -PendingMyApproval).RequestId | Should -Be $r.RequestId
        (Approve-PimRequest -RequestId $r.RequestId -Justification 'ok').Status | Should -Be 'Provisioned'
        (Get-PimAssignment -AssignmentId $soon.AssignmentId).EndDateTime | Should -Be $T0.AddHours(1).AddDays(90)
        (Get-PimRequest -Action AdminExtend).AssignmentId | Should -Be $soon.AssignmentId
    }

    It 'refuses an assignment that does not end within 14 days' {
        $fp = Get-StoreFingerprint
        { Request-PimExtension -Role 'Global Reader' } | Should -Throw -ErrorId 'PimAssignmentNotFound,PimModule.Cmdlets.RequestPimExtensionCommand'
        Get-StoreFingerprint | Should -Be $fp
    }
}

Describe 'The seed walkthrough' {
    It 'runs examples/SecurityReaderJit.ps1 to the end with the expected outcome' {
        $target = New-TestStore
        $storeArgument = if ($target.Provider -eq 'PostgreSql') { "-ConnectionString '$($target.ConnectionString)'" } else { "-StorePath '$($target.Path)'" }
        $out = Invoke-FreshPwsh -Environment @{ PIM_TEST_UTCNOW = $null } -Script @"
`$r = & '$RepoRoot/examples/SecurityReaderJit.ps1' -ModulePath '$ModulePath' $storeArgument -KeyFolder '$(Join-Path $TestDrive "walkthrough-keys-$([guid]::NewGuid())")' 6>`$null | Select-Object -Last 1
`$r | ConvertTo-Json -Compress
"@
        $result = $out[-1] | ConvertFrom-Json
        $result.Approved | Should -BeTrue
        $result.HeldDuringActivation | Should -BeTrue
        $result.HeldAfterExpiry | Should -BeFalse
        $result.AuditLogValid | Should -BeTrue
        $result.IdentityMode | Should -Be 'Verified'
    }

    It './build.ps1 Demo leaves no file behind: not in the user''s data folder, not in the temporary folder' {
        # A newcomer's machine: their own HOME (so the data folder is ~/.local/share), no XDG_DATA_HOME, their own TMPDIR.
        if ($IsWindows) { Set-ItResult -Skipped -Because 'the data folder is %LOCALAPPDATA% on Windows (the layout is tested on Linux)' }
        $homeFolder = Join-Path $TestDrive "demo-home-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $temp = Join-Path $homeFolder 'tmp'
        $null = New-Item -ItemType Directory -Path (Join-Path $homeFolder '.local/share/PimModule'), $temp -Force
        Set-Content -LiteralPath (Join-Path $homeFolder '.local/share/PimModule/already-there.txt') -Value 'the user''s own file'
        # The user's PimModule data folder (keys, pins, checkpoints, the secret key) and the temporary folder; pwsh's own
        # caches elsewhere under HOME are not the demo's.
        $list = { @(Get-ChildItem -LiteralPath (Join-Path $homeFolder '.local/share/PimModule'), $temp -Recurse -Force | ForEach-Object { $_.FullName.Substring($homeFolder.Length) } | Sort-Object) }
        $before = & $list
        $out = Invoke-FreshPwsh -Environment @{ HOME = $homeFolder; XDG_DATA_HOME = $null; TMPDIR = $temp; PIM_STORE_PATH = $null; PIM_STORE_CONNECTION = $null } -Script @"
& '$RepoRoot/build.ps1' Demo -NoBuild 6>`$null | Out-String -Width 200
"@
        (($out -join "`n") -replace '\e\[[0-9;]*m', '') | Should -Match 'AuditLogValid\s*:\s*True'
        $after = & $list
        $after | Should -Be $before -Because 'the demo keeps its store, keys, pins and checkpoints in a temporary folder of its own and removes it'
    }

    It 'runs examples/RunbookWithCertificate.ps1: a runbook acts with its certificate, and another store is refused' {
        $work = Join-Path $TestDrive "runbook-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $out = Invoke-FreshPwsh -Environment @{ PIM_TEST_UTCNOW = $null; XDG_DATA_HOME = (Join-Path $work 'data') } -Script @"
& '$RepoRoot/examples/RunbookWithCertificate.ps1' -ModulePath '$ModulePath' -WorkFolder '$work' 6>`$null | Out-String -Width 200
"@
        $text = $out -join "`n"
        $text | Should -Match 'runbook@contoso\.com'
        $text | Should -Match 'IsValid\s*:\s*True'
        $text | Should -Match 'Refused as it should be: PimStoreTrustChanged'
    }
}
