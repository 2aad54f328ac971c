# Issue 16 part 1: approval in stages, with a quorum and escalation (done-when 1). Time moves by the test clock only.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $script:T0 = [datetime]::new(2026, 5, 4, 8, 0, 0, [DateTimeKind]::Utc)

    function New-StagedStore {
        <#
        Security Reader with two stages: stage 1 approvers a1, a2, a3 with a quorum of 2, escalating to esc1 after 2 hours;
        stage 2 approver ciso. user1 is eligible (no MFA on activation, so the flow is the approvals').
        #>
        Set-TestClock $T0
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        $first = New-PimApprovalStage -Approvers 'a1@contoso.com', 'a2@contoso.com', 'a3@contoso.com' -RequiredApprovals 2 -EscalationApprovers 'esc1@contoso.com' -EscalationAfter 2h
        $second = New-PimApprovalStage -Approvers 'ciso@contoso.com'
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None -RequireJustification $true -RequireApproval $true -ApprovalStages $first, $second
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' -Duration 180d | Out-Null
        Set-TestClock $T0.AddMinutes(1)
        Connect-PimStore -Principal 'user1@contoso.com'
        $script:req = Request-PimActivation -Role 'Security Reader' -Duration 2h -Justification 'incident 4711'
    }

    function As([string] $Who) { Connect-PimStore -Principal $Who }

    function Get-Mail {
        <# The notifications queued for the request since -After (read as the administrator), as 'event recipient' lines. #>
        param([datetime] $After = [datetime]::MinValue)
        $who = (Get-PimStore).Principal
        As 'admin@contoso.com'
        $m = @(Get-PimNotification | Where-Object { $_.RequestId -eq $script:req.RequestId -and $_.CreatedDateTime -gt $After } |
            ForEach-Object { "$($_.Event) $($_.Recipient)" } | Sort-Object)
        As $who
        $m
    }

    function Decide([string] $Who, [string] $Verb = 'Approve') {
        As $Who
        if ($Verb -eq 'Approve') { Approve-PimRequest -RequestId $script:req.RequestId -Justification "ok by $Who" }
        else { Deny-PimRequest -RequestId $script:req.RequestId -Justification "no by $Who" }
    }
}
AfterAll { Set-TestClock -Reset }

Describe 'A two-stage role with a quorum of 2 in stage 1' -Tag TestClock {
    BeforeEach { New-StagedStore }

    It 'mails the stage-1 approvers only, and shows who may decide' {
        $req.Status | Should -Be 'PendingApproval'
        $req.Stage | Should -Be 1
        @($req.PendingApprovers) | Sort-Object | Should -Be @('a1@contoso.com', 'a2@contoso.com', 'a3@contoso.com')
        Get-Mail | Should -Be @('ApprovalRequested a1@contoso.com', 'ApprovalRequested a2@contoso.com', 'ApprovalRequested a3@contoso.com')
    }

    It 'needs two distinct approvals, refuses the same approver twice and the requester, then the stage-2 approval provisions it' {
        # The requester never decides.
        { Decide 'user1@contoso.com' } | Should -Throw -ErrorId 'PimCannotDecideOwnRequest,PimModule.Cmdlets.ApprovePimRequestCommand'
        Set-TestClock $T0.AddMinutes(5)
        $one = Decide 'a1@contoso.com'
        $one.Status | Should -Be 'PendingApproval'
        $one.Stage | Should -Be 1
        $one.ApprovedBy | Should -BeNullOrEmpty
        $one.Approvals.Count | Should -Be 1
        $one.Approvals[0].Approver | Should -Be 'a1@contoso.com'
        $one.Approvals[0].Decision | Should -Be 'Approve'
        $one.Approvals[0].Stage | Should -Be 1
        @($one.PendingApprovers) | Sort-Object | Should -Be @('a2@contoso.com', 'a3@contoso.com')
        Test-PimAccess -Principal 'user1@contoso.com' -Role 'Security Reader' | Should -BeFalse
        (Get-Mail -After $T0.AddMinutes(4)) | Should -BeNullOrEmpty   # one approval of two: nobody hears of it yet

        # The same approver twice is refused, and changes nothing.
        $fp = Get-StoreFingerprint
        $e = { Decide 'a1@contoso.com' } | Should -Throw -ErrorId 'PimAlreadyDecided,PimModule.Cmdlets.ApprovePimRequestCommand' -PassThru
        $e.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $e.Exception.Message | Should -Match 'decided'
        { Decide 'a1@contoso.com' 'Deny' } | Should -Throw -ErrorId 'PimAlreadyDecided,PimModule.Cmdlets.DenyPimRequestCommand'
        # Nor may the stage-2 approver decide stage 1.
        { Decide 'ciso@contoso.com' } | Should -Throw -ErrorId 'PimNotApprover,PimModule.Cmdlets.ApprovePimRequestCommand'
        Get-StoreFingerprint | Should -Be $fp

        Set-TestClock $T0.AddMinutes(10)
        $two = Decide 'a2@contoso.com'
        $two.Status | Should -Be 'PendingApproval'
        $two.Stage | Should -Be 2
        @($two.PendingApprovers) | Should -Be @('ciso@contoso.com')
        # The requester hears that stage 1 is through; the stage-2 approver gets the approval mail; no one else.
        Get-Mail -After $T0.AddMinutes(9) | Should -Be @('ApprovalRequested ciso@contoso.com', 'StageApproved user1@contoso.com')
        # A stage-1 approver who did not decide is no approver of stage 2.
        { Decide 'a3@contoso.com' } | Should -Throw -ErrorId 'PimNotApprover*'

        Set-TestClock $T0.AddMinutes(20)
        $done = Decide 'ciso@contoso.com'
        $done.Status | Should -Be 'Provisioned'
        $done.ApprovedBy | Should -Be 'ciso@contoso.com'
        $done.DecidedDateTime | Should -Be $T0.AddMinutes(20)
        $done.Approvals.Approver | Should -Be @('a1@contoso.com', 'a2@contoso.com', 'ciso@contoso.com')
        $done.Approvals.Stage | Should -Be @(1, 1, 2)
        $done.PendingApprovers | Should -BeNullOrEmpty
        Test-PimAccess -Principal 'user1@contoso.com' -Role 'Security Reader' | Should -BeTrue
        Get-Mail -After $T0.AddMinutes(19) | Should -Be @('Activated admin@contoso.com', 'Activated user1@contoso.com')
        # Each decision is audited with its stage and outcome.
        As 'admin@contoso.com'
        $log = @(Get-PimAuditLog -Action ApproveRequest | Where-Object TargetId -eq $req.RequestId.ToString())
        $log.Count | Should -Be 3
        ($log | ForEach-Object { ($_.After | ConvertFrom-Json).Outcome }) | Should -Be @('Recorded', 'StageApproved', 'Provisioned')
    }

    It 'ends at any deny, in either stage' {
        Decide 'a1@contoso.com' | Out-Null
        Set-TestClock $T0.AddMinutes(3)
        $d = Decide 'a3@contoso.com' 'Deny'
        $d.Status | Should -Be 'Denied'
        $d.ApprovedBy | Should -Be 'a3@contoso.com'
        $d.DecidedDateTime | Should -Be $T0.AddMinutes(3)
        $d.Approvals.Decision | Should -Be @('Approve', 'Deny')
        { Decide 'a2@contoso.com' } | Should -Throw -ErrorId 'PimRequestNotPending*'
        Get-Mail -After $T0.AddMinutes(2) | Should -Be @('RequestDenied user1@contoso.com')
        Test-PimAccess -Principal 'user1@contoso.com' -Role 'Security Reader' | Should -BeFalse
    }

    It 'lets escalation approvers decide only after EscalationAfter, and mails them once when it opens' {
        Set-TestClock $T0.AddMinutes(60)
        $e = { Decide 'esc1@contoso.com' } | Should -Throw -ErrorId 'PimNotApprover*' -PassThru
        $e.Exception.Message | Should -Match 'escalation approver'
        As 'esc1@contoso.com'
        Get-PimRequest -PendingMyApproval | Should -BeNullOrEmpty
        # Maintenance before the time queues nothing for them.
        As 'admin@contoso.com'
        Invoke-PimMaintenance | Out-Null
        (Get-Mail -After $T0.AddMinutes(2)) | Should -BeNullOrEmpty

        Set-TestClock $T0.AddMinutes(122)   # stage 1 began at T0+1m: escalation opens at T0+121m
        As 'admin@contoso.com'
        Invoke-PimMaintenance | Out-Null
        Invoke-PimMaintenance | Out-Null
        Get-Mail -After $T0.AddMinutes(2) | Should -Be @('ApprovalEscalated esc1@contoso.com')
        As 'esc1@contoso.com'
        (Get-PimRequest -PendingMyApproval).RequestId | Should -Be $req.RequestId
        Decide 'esc1@contoso.com' | Select-Object -ExpandProperty Stage | Should -Be 1
        Decide 'a2@contoso.com' | Select-Object -ExpandProperty Stage | Should -Be 2   # the escalation approver counts towards the quorum
    }

    It 'gives each stage its own 24 hours' {
        Set-TestClock $T0.AddHours(20)
        Decide 'a1@contoso.com' | Out-Null
        Decide 'a2@contoso.com' | Select-Object -ExpandProperty Stage | Should -Be 2
        Set-TestClock $T0.AddHours(30)      # past the request's first 24 hours, within stage 2's
        As 'ciso@contoso.com'
        (Get-PimRequest -RequestId $req.RequestId).Status | Should -Be 'PendingApproval'
        Set-TestClock $T0.AddHours(44).AddMinutes(1)
        # Expired undecided, it is no longer pending ciso's approval, nor one they decided: the administrator reads it.
        As 'admin@contoso.com'
        (Get-PimRequest -RequestId $req.RequestId).Status | Should -Be 'Expired'
        { Decide 'ciso@contoso.com' } | Should -Throw -ErrorId 'PimRequestNotPending*'
    }

    It 'lists in -PendingMyApproval only what the caller may decide now' {
        As 'a1@contoso.com'
        (Get-PimRequest -PendingMyApproval).RequestId | Should -Be $req.RequestId
        Approve-PimRequest -RequestId $req.RequestId -Justification 'ok' | Out-Null
        Get-PimRequest -PendingMyApproval | Should -BeNullOrEmpty
        As 'ciso@contoso.com'
        Get-PimRequest -PendingMyApproval | Should -BeNullOrEmpty
    }
}

Describe 'Approval stages after a change of the role''s settings (review findings)' -Tag TestClock {
    BeforeEach {
        Set-TestClock $T0
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' -Duration 180d | Out-Null
    }

    It 'counts towards the quorum only approvers entitled for the stage now' {
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None -RequireApproval $true -ApprovalStages (New-PimApprovalStage -Approvers a1@contoso.com, a2@contoso.com, a3@contoso.com -RequiredApprovals 2)
        As 'user1@contoso.com'
        $script:req = Request-PimActivation -Role 'Security Reader' -Duration 2h -Justification 'please'
        (Decide 'a1@contoso.com').Status | Should -Be 'PendingApproval'
        # a1 is taken off the stage (left the team, or a compromised account): their approval no longer counts.
        As 'admin@contoso.com'
        Set-PimRoleSetting -Role 'Security Reader' -ApprovalStages (New-PimApprovalStage -Approvers a2@contoso.com, a3@contoso.com -RequiredApprovals 2)
        (Decide 'a2@contoso.com').Status | Should -Be 'PendingApproval'
        (Decide 'a3@contoso.com').Status | Should -Be 'Provisioned'
    }

    It 'mails the next stage only to who may still decide it' {
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None -RequireApproval $true -ApprovalStages (New-PimApprovalStage -Approvers a1@contoso.com), (New-PimApprovalStage -Approvers a1@contoso.com, ciso@contoso.com)
        As 'user1@contoso.com'
        $script:req = Request-PimActivation -Role 'Security Reader' -Duration 2h -Justification 'please'
        Set-TestClock $T0.AddMinutes(5)
        (Decide 'a1@contoso.com').Stage | Should -Be 2
        Get-Mail -After $T0.AddMinutes(4) | Should -Be @('ApprovalRequested ciso@contoso.com', 'StageApproved user1@contoso.com')
    }

    It 'keeps a quorum through a Graph import of the same approvers' {
        @(
            [pscustomobject]@{ Id = '11111111-1111-1111-1111-111111111111'; UserPrincipalName = 'a1@contoso.com'; DisplayName = 'A One' }
            [pscustomobject]@{ Id = '22222222-2222-2222-2222-222222222222'; UserPrincipalName = 'ciso@contoso.com'; DisplayName = 'Ciso' }
        ) | Import-PimDirectoryObject | Out-Null
        Set-PimRoleSetting -Role 'Security Reader' -RequireApproval $true -Approvers a1@contoso.com, ciso@contoso.com
        $path = Join-Path $TestDrive 'sr.graph.json'
        Export-PimRoleSetting -Role 'Security Reader' -Format Graph -Path $path -WarningAction SilentlyContinue
        Set-PimRoleSetting -Role 'Security Reader' -RequiredApprovals 2
        Import-PimRoleSetting -Path $path -WarningAction SilentlyContinue | Out-Null
        (Get-PimRoleSetting -Role 'Security Reader').RequiredApprovals | Should -Be 2
    }
}

Describe 'Approval stage settings' -Tag TestClock {
    BeforeEach {
        Set-TestClock $T0
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        $script:fp = Get-StoreFingerprint
    }

    It 'refuses -Approvers with a different stage 1, and changes nothing' {
        $s = New-PimApprovalStage -Approvers 'a1@contoso.com', 'a2@contoso.com'
        { Set-PimRoleSetting -Role 'Security Reader' -Approvers 'a1@contoso.com' -ApprovalStages $s } |
            Should -Throw -ErrorId 'PimApprovalStagesConflict,PimModule.Cmdlets.SetPimRoleSettingCommand'
        { Set-PimRoleSetting -Role 'Security Reader' -RequiredApprovals 2 -ApprovalStages $s } |
            Should -Throw -ErrorId 'PimApprovalStagesConflict,PimModule.Cmdlets.SetPimRoleSettingCommand'
        Get-StoreFingerprint | Should -Be $fp
        # The same stage 1 in both places is no conflict.
        (Set-PimRoleSetting -Role 'Security Reader' -Approvers 'a2@contoso.com;a1@contoso.com' -ApprovalStages $s -PassThru).Approvers | Should -Be @('a1@contoso.com', 'a2@contoso.com')
    }

    It 'refuses <Case>' -ForEach @(
        @{ Case = 'a quorum above the listed approvers'; Stages = { New-PimApprovalStage -Approvers 'a1@contoso.com', 'a2@contoso.com' -RequiredApprovals 3 } }
        @{ Case = 'three stages'; Stages = { (New-PimApprovalStage), (New-PimApprovalStage), (New-PimApprovalStage) } }
        @{ Case = 'escalation approvers without EscalationAfter'; Stages = { New-PimApprovalStage -Approvers 'a1@contoso.com' -EscalationApprovers 'e@contoso.com' } }
        @{ Case = 'EscalationAfter without escalation approvers'; Stages = { New-PimApprovalStage -Approvers 'a1@contoso.com' -EscalationAfter 1h } }
        @{ Case = 'an escalation at 24 hours'; Stages = { New-PimApprovalStage -Approvers 'a1@contoso.com' -EscalationApprovers 'e@contoso.com' -EscalationAfter 24h } }
        @{ Case = 'an escalation in seconds'; Stages = { New-PimApprovalStage -Approvers 'a1@contoso.com' -EscalationApprovers 'e@contoso.com' -EscalationAfter '00:10:30' } }
    ) {
        $e = { Set-PimRoleSetting -Role 'Security Reader' -ApprovalStages (& $Stages) } |
            Should -Throw -ErrorId 'PimApprovalStagesInvalid,PimModule.Cmdlets.SetPimRoleSettingCommand' -PassThru
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $e.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        Get-StoreFingerprint | Should -Be $fp
    }

    It 'refuses -RequiredApprovals above the listed approvers' {
        Set-PimRoleSetting -Role 'Security Reader' -Approvers 'a1@contoso.com'
        $script:fp = Get-StoreFingerprint
        { Set-PimRoleSetting -Role 'Security Reader' -RequiredApprovals 2 } | Should -Throw -ErrorId 'PimApprovalStagesInvalid*'
        Get-StoreFingerprint | Should -Be $fp
    }

    It 'round-trips through CSV as one JSON column, and through an export file' {
        $first = New-PimApprovalStage -Approvers 'a1@contoso.com', 'a2@contoso.com' -RequiredApprovals 2 -EscalationApprovers 'e@contoso.com' -EscalationAfter 90m
        Set-PimRoleSetting -Role 'Security Reader' -ApprovalStages $first, (New-PimApprovalStage -Approvers 'ciso@contoso.com')
        $csv = Join-Path $TestDrive 'stages.csv'
        Get-PimRoleSetting -Role 'Security Reader' | Export-Csv -Path $csv -NoTypeInformation
        $row = Import-Csv -Path $csv
        $row.RequiredApprovals | Should -Be '2'
        $json = $row.ApprovalStages | ConvertFrom-Json
        $json.Count | Should -Be 2
        $json[0].EscalationAfter | Should -Be '01:30:00'
        $file = Join-Path $TestDrive 'settings.json'
        Export-PimRoleSetting -Role 'Security Reader' -Path $file
        Reset-PimRoleSetting -Role 'Security Reader' -Confirm:$false
        (Get-PimRoleSetting -Role 'Security Reader').ApprovalStages.Count | Should -Be 1
        Import-Csv -Path $csv | Set-PimRoleSetting
        $s = Get-PimRoleSetting -Role 'Security Reader'
        $s.ApprovalStages.Count | Should -Be 2
        $s.ApprovalStages[0].EscalationAfter | Should -Be ([timespan]::FromMinutes(90))
        $s.ApprovalStages[1].Approvers | Should -Be @('ciso@contoso.com')
        Reset-PimRoleSetting -Role 'Security Reader' -Confirm:$false
        Import-PimRoleSetting -Path $file | Out-Null
        (Get-PimRoleSetting -Role 'Security Reader').ApprovalStages.ToString() | Should -Be $s.ApprovalStages.ToString()
        # A file of a role with one stage and no quorum has no stage members: files of stores that do not use stages stay as they were.
        (Get-Content (Join-Path $TestDrive 'settings.json') -Raw) | Should -Match 'ApprovalStages'
        Export-PimRoleSetting -Role 'Global Reader' -Path (Join-Path $TestDrive 'gr.json')
        (Get-Content (Join-Path $TestDrive 'gr.json') -Raw) | Should -Not -Match 'ApprovalStages|RequiredApprovals'
    }

    It 'is desired state in Invoke-PimConfiguration, and compared by type' {
        $desired = Join-Path $TestDrive 'desired.json'
        @'
{ "Policies": { "Security Reader": { "RequireApproval": true,
    "ApprovalStages": [ { "Approvers": ["a1@contoso.com", "a2@contoso.com"], "RequiredApprovals": 2 }, { "Approvers": ["ciso@contoso.com"], "EscalationApprovers": ["e@contoso.com"], "EscalationAfter": "PT4H" } ] } } }
'@ | Set-Content $desired
        $baseline = Get-PimRoleSetting -Role 'Security Reader'
        Invoke-PimConfiguration -Path $desired -Confirm:$false | Out-Null
        $s = Get-PimRoleSetting -Role 'Security Reader'
        $s.RequiredApprovals | Should -Be 2
        $s.ApprovalStages[1].EscalationAfter | Should -Be ([timespan]::FromHours(4))
        @(Invoke-PimConfiguration -Path $desired -WhatIf).Count | Should -Be 0
        (Compare-PimRoleSetting -Reference $baseline -Difference $s).Setting | Should -Contain 'ApprovalStages'
        $bad = Join-Path $TestDrive 'bad.json'
        '{ "Policies": { "Security Reader": { "RequiredApprovals": "two" } } }' | Set-Content $bad
        { Invoke-PimConfiguration -Path $bad -Confirm:$false } | Should -Throw -ErrorId 'PimConfigurationInvalid*'
    }

    It 'refuses an unreadable ApprovalStages cell' {
        { Set-PimRoleSetting -Role 'Security Reader' -ApprovalStages '[{"Approvers":["a@contoso.com"],"Quorum":2}]' } | Should -Throw -ErrorId 'ParameterArgumentTransformationError*'
        { Set-PimRoleSetting -Role 'Security Reader' -ApprovalStages '[]' } | Should -Throw -ErrorId 'ParameterArgumentTransformationError*'
        Get-StoreFingerprint | Should -Be $fp
    }
}

Describe 'Approval stages in Graph''s shape' -Tag TestClock {
    BeforeEach {
        Set-TestClock $T0
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        $users = @(
            [pscustomobject]@{ Id = '11111111-1111-1111-1111-111111111111'; UserPrincipalName = 'a1@contoso.com'; DisplayName = 'A One' }
            [pscustomobject]@{ Id = '22222222-2222-2222-2222-222222222222'; UserPrincipalName = 'ciso@contoso.com'; DisplayName = 'Ciso' }
            [pscustomobject]@{ Id = '33333333-3333-3333-3333-333333333333'; UserPrincipalName = 'e@contoso.com'; DisplayName = 'Esc' }
        )
        $users | Import-PimDirectoryObject | Out-Null
    }

    It 'writes two stages as Serial with escalation, and reads them back' {
        $first = New-PimApprovalStage -Approvers 'a1@contoso.com' -EscalationApprovers 'e@contoso.com' -EscalationAfter 2h
        Set-PimRoleSetting -Role 'Security Reader' -RequireApproval $true -ApprovalStages $first, (New-PimApprovalStage -Approvers 'ciso@contoso.com')
        $path = Join-Path $TestDrive 'sr.graph.json'
        Export-PimRoleSetting -Role 'Security Reader' -Format Graph -Path $path -WarningAction SilentlyContinue
        $doc = Get-Content $path -Raw | ConvertFrom-Json
        $approval = $doc.roleManagementPolicies[0].rules | Where-Object id -eq 'Approval_EndUser_Assignment'
        $approval.setting.approvalMode | Should -Be 'Serial'
        $approval.setting.approvalStages.Count | Should -Be 2
        $approval.setting.approvalStages[0].isEscalationEnabled | Should -BeTrue
        $approval.setting.approvalStages[0].escalationTimeInMinutes | Should -Be 120
        $approval.setting.approvalStages[0].escalationApprovers[0].userId | Should -Be '33333333-3333-3333-3333-333333333333'
        $approval.setting.approvalStages[1].primaryApprovers[0].userId | Should -Be '22222222-2222-2222-2222-222222222222'
        $before = (Get-PimRoleSetting -Role 'Security Reader').ApprovalStages.ToString()
        Reset-PimRoleSetting -Role 'Security Reader' -Confirm:$false
        Import-PimRoleSetting -Path $path -WarningAction SilentlyContinue | Out-Null
        (Get-PimRoleSetting -Role 'Security Reader').ApprovalStages.ToString() | Should -Be $before
    }

    It 'refuses a quorum above 1 by name, and writes nothing' {
        Set-PimRoleSetting -Role 'Security Reader' -RequireApproval $true -ApprovalStages (New-PimApprovalStage -RequiredApprovals 2)
        $path = Join-Path $TestDrive 'q.graph.json'
        $e = { Export-PimRoleSetting -Role 'Security Reader' -Format Graph -Path $path -WarningAction SilentlyContinue } |
            Should -Throw -ErrorId 'PimGraphValueUnsupported*' -PassThru
        $e.Exception.Message | Should -Match 'RequiredApprovals'
        Test-Path $path | Should -BeFalse
    }
}
