BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $script:T0 = [datetime]::new(2026, 3, 2, 9, 0, 0, [DateTimeKind]::Utc)
}
AfterAll { Set-TestClock -Reset }

Describe 'Creating assignments' -Tag TestClock {
    BeforeEach {
        Set-TestClock $T0
        $null = Connect-TestStore -Principal 'admin@contoso.com'
    }

    It 'makes a principal eligible, permanently when allowed, as an AdminAssign request and an audit record' {
        $a = New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' -Justification 'rota'
        $a.Type | Should -Be 'Eligible'
        $a.MemberType | Should -Be 'Direct'
        $a.State | Should -Be 'Active'
        $a.Scope | Should -Be '/'
        $a.StartDateTime | Should -Be $T0
        $a.StartDateTime.Kind | Should -Be 'Utc'
        $a.EndDateTime | Should -BeNullOrEmpty
        $a.CreatedBy | Should -Be 'admin@contoso.com'
        $r = Get-PimRequest -Principal 'user1@contoso.com'
        $r.Action | Should -Be 'AdminAssign'
        $r.Status | Should -Be 'Provisioned'
        $r.AssignmentId | Should -Be $a.AssignmentId
        (Get-PimAuditLog -Action AdminAssign -Principal 'user1@contoso.com').Count | Should -Be 1
    }

    It 'has exactly the contract''s columns' {
        $a = New-PimActiveAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' -Duration 30d -Justification 'x'
        $a.PSObject.Properties.Name | Should -Be @('AssignmentId', 'Principal', 'Role', 'RoleId', 'Scope', 'Type', 'MemberType', 'State',
            'StartDateTime', 'EndDateTime', 'Justification', 'TicketNumber', 'CreatedBy', 'CreatedDateTime', 'Via')
        $a.EndDateTime | Should -Be $T0.AddDays(30)
    }

    It 'ends as long as allowed when permanent assignments are not allowed and no end is given' {
        Set-PimRoleSetting -Role 'Security Reader' -AllowPermanentEligible $false -EligibleExpiresAfter 90d
        (New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader').EndDateTime | Should -Be $T0.AddDays(90)
    }

    It 'schedules a future assignment' {
        $a = New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' -StartDateTime $T0.AddDays(2) -EndDateTime $T0.AddDays(9)
        $a.State | Should -Be 'Scheduled'
    }

    It 'takes role objects, ids and names' {
        Get-PimRole 'Global Reader' | ForEach-Object { New-PimEligibleAssignment -Principal 'u1@contoso.com' -Role $_ } | Out-Null
        New-PimEligibleAssignment -Principal 'u2@contoso.com' -Role 'f2ef992c-3afb-46b9-b7cf-a126ee74c451' | Out-Null
        (Get-PimAssignment -Role 'Global Reader').Count | Should -Be 2
    }
}

Describe 'States over time (-AsOf)' -Tag TestClock {
    BeforeAll {
        Set-TestClock $T0
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        $script:now = New-PimEligibleAssignment -Principal 'now@contoso.com' -Role 'Security Reader' -EndDateTime $T0.AddDays(10)
        $script:later = New-PimEligibleAssignment -Principal 'later@contoso.com' -Role 'Security Reader' -StartDateTime $T0.AddDays(5) -EndDateTime $T0.AddDays(20)
    }

    It 'is Active now and Scheduled before its start' {
        (Get-PimAssignment -Principal 'now@contoso.com').State | Should -Be 'Active'
        (Get-PimAssignment -Principal 'later@contoso.com').State | Should -Be 'Scheduled'
        (Get-PimAssignment -State Scheduled).Principal | Should -Be 'later@contoso.com'
        (Get-PimAssignment -Principal 'later@contoso.com' -AsOf $T0.AddDays(6)).State | Should -Be 'Active'
    }

    It 'is Expired after its end, listed for 30 days, then no more' {
        $asOf = $T0.AddDays(11)
        Get-PimAssignment -Principal 'now@contoso.com' -AsOf $asOf | Should -BeNullOrEmpty
        (Get-PimAssignment -Principal 'now@contoso.com' -AsOf $asOf -State Expired).State | Should -Be 'Expired'
        (Get-PimAssignment -Principal 'now@contoso.com' -AsOf $T0.AddDays(39) -State All).State | Should -Be 'Expired'
        Get-PimAssignment -Principal 'now@contoso.com' -AsOf $T0.AddDays(41) -State All | Should -BeNullOrEmpty
    }
}

Describe 'Scopes' -Tag TestClock {
    BeforeAll {
        Set-TestClock $T0
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        New-PimActiveAssignment -Principal 'unit@contoso.com' -Role 'User Administrator' -Scope '/administrativeUnits/x' -Justification 'unit admin' | Out-Null
        New-PimActiveAssignment -Principal 'root@contoso.com' -Role 'User Administrator' -Justification 'tenant admin' | Out-Null
    }

    It '<Principal> at <Scope>: <Expected>' -ForEach @(
        @{ Principal = 'unit@contoso.com'; Scope = '/administrativeUnits/x'; Expected = $true }
        @{ Principal = 'unit@contoso.com'; Scope = '/administrativeUnits/x/users/u1'; Expected = $true }
        @{ Principal = 'unit@contoso.com'; Scope = '/administrativeUnits/x2'; Expected = $false }
        @{ Principal = 'unit@contoso.com'; Scope = '/'; Expected = $false }
        @{ Principal = 'root@contoso.com'; Scope = '/administrativeUnits/anything'; Expected = $true }
        @{ Principal = 'root@contoso.com'; Scope = '/'; Expected = $true }
    ) {
        Test-PimAccess -Principal $Principal -Role 'User Administrator' -Scope $Scope | Should -Be $Expected
    }

    It 'says why not: other scope' {
        $r = Test-PimAccess -Principal 'unit@contoso.com' -Role 'User Administrator' -Scope '/administrativeUnits/x2' -Detailed
        $r.HasAccess | Should -BeFalse
        $r.Reason | Should -Be 'OtherScope'
        $r.Assignment.Scope | Should -Be '/administrativeUnits/x'
    }

    It 'filters Get-PimAssignment by scope' {
        (Get-PimAssignment -Scope '/administrativeUnits/x').Principal | Should -Be 'unit@contoso.com'
    }
}

Describe 'Test-PimAccess' -Tag TestClock {
    BeforeAll {
        Set-TestClock $T0
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        New-PimEligibleAssignment -Principal 'eligible@contoso.com' -Role 'Security Reader' | Out-Null
        New-PimActiveAssignment -Principal 'later@contoso.com' -Role 'Security Reader' -StartDateTime $T0.AddDays(1) -Duration 5d -Justification 'x' | Out-Null
        $script:g = New-PimActiveAssignment -Principal 'granted@contoso.com' -Role 'Security Reader' -Duration 2d -Justification 'x'
    }

    It 'grants through the assignment that covers the time' {
        Test-PimAccess -Principal 'granted@contoso.com' -Role 'Security Reader' | Should -BeTrue
        $d = Test-PimAccess -Principal 'granted@contoso.com' -Role 'Security Reader' -Detailed
        $d.Reason | Should -Be 'Granted'
        $d.AssignmentId | Should -Be $g.AssignmentId
    }

    It 'gives the reason <Reason> for <Principal>' -ForEach @(
        @{ Principal = 'eligible@contoso.com'; Reason = 'EligibleOnly'; AsOf = $null }
        @{ Principal = 'later@contoso.com'; Reason = 'Scheduled'; AsOf = $null }
        @{ Principal = 'granted@contoso.com'; Reason = 'Expired'; AsOf = 3 }
        @{ Principal = 'nobody@contoso.com'; Reason = 'NoAssignment'; AsOf = $null }
    ) {
        $p = @{ Principal = $Principal; Role = 'Security Reader'; Detailed = $true }
        if ($AsOf) { $p.AsOf = $T0.AddDays($AsOf) }
        $r = Test-PimAccess @p
        $r.HasAccess | Should -BeFalse
        $r.Reason | Should -Be $Reason
    }

    It 'refuses an unknown role and a bad principal' {
        { Test-PimAccess -Principal 'granted@contoso.com' -Role 'No Such Role' } | Should -Throw -ErrorId 'PimRoleNotFound,PimModule.Cmdlets.TestPimAccessCommand'
        { Test-PimAccess -Principal 'not a user' -Role 'Security Reader' } | Should -Throw -ErrorId 'PimPrincipalInvalid*'
    }
}

Describe 'The CSV pipeline' -Tag TestClock {
    BeforeEach {
        Set-TestClock $T0
        $null = Connect-TestStore -Principal 'admin@contoso.com'
    }

    It 'imports rows with the obvious column names; a bad row fails alone, the others land' {
        $csv = Join-Path $TestDrive 'assignments.csv'
        @"
Principal,Role,Scope,StartDateTime,EndDateTime,Duration,Permanent,Justification,TicketNumber,TicketSystem
user1@contoso.com,Security Reader,/,,,,True,rota,CHG1,ServiceNow
user2@contoso.com,Global Reader,/administrativeUnits/emea,2026-03-05T00:00:00Z,2026-06-01T00:00:00Z,,,,,
user3@contoso.com,Security Reader,/,,,30d,,,,
user4@contoso.com,Security Reader,/,2026-13-45,,,,,,
user5@contoso.com,No Such Role,/,,,,,,,
not a principal,Security Reader,/,,,,,,,
user6@contoso.com,Security Reader,administrativeUnits/x,,,,,,,
"@ | Set-Content $csv
        $made = Import-Csv $csv | New-PimEligibleAssignment -ErrorVariable errs -ErrorAction SilentlyContinue
        $made.Principal | Should -Be @('user1@contoso.com', 'user2@contoso.com', 'user3@contoso.com')
        $errs.FullyQualifiedErrorId | Should -Be @(
            'ParameterArgumentTransformationError,PimModule.Cmdlets.NewPimEligibleAssignmentCommand'
            'PimRoleNotFound,PimModule.Cmdlets.NewPimEligibleAssignmentCommand'
            'PimPrincipalInvalid,PimModule.Cmdlets.NewPimEligibleAssignmentCommand'
            'PimScopeInvalid,PimModule.Cmdlets.NewPimEligibleAssignmentCommand')
        $u1 = Get-PimAssignment -Principal 'user1@contoso.com'
        $u1.EndDateTime | Should -BeNullOrEmpty
        $u1.TicketNumber | Should -Be 'CHG1'
        (Get-PimAssignment -Principal 'user2@contoso.com' -State All).EndDateTime | Should -Be ([datetime]::new(2026, 6, 1, 0, 0, 0, [DateTimeKind]::Utc))
        (Get-PimAssignment -Principal 'user3@contoso.com').EndDateTime | Should -Be $T0.AddDays(30)
        (Get-PimRequest -Action AdminAssign).Count | Should -Be 4   # 3 + the creator's
    }

    It 'exports flat objects and imports them into another store' {
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' -Duration 90d -Justification 'a' | Out-Null
        New-PimEligibleAssignment -Principal 'user2@contoso.com' -Role 'Global Reader' -Scope '/administrativeUnits/x' -Justification 'b' | Out-Null
        $csv = Join-Path $TestDrive 'export.csv'
        Get-PimAssignment -Type Eligible | Export-Csv $csv -NoTypeInformation
        (Get-Content $csv)[0] | Should -Be '"AssignmentId","Principal","Role","RoleId","Scope","Type","MemberType","State","StartDateTime","EndDateTime","Justification","TicketNumber","CreatedBy","CreatedDateTime","Via"'
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        Import-Csv $csv | New-PimEligibleAssignment | Out-Null
        $back = Get-PimAssignment -Type Eligible | Sort-Object Principal
        $back.Principal | Should -Be @('user1@contoso.com', 'user2@contoso.com')
        $back[0].EndDateTime | Should -Be $T0.AddDays(90)
        $back[1].Scope | Should -Be '/administrativeUnits/x'
        $back[1].Justification | Should -Be 'b'
    }

    It 'refuses a misspelt column' {
        $null = [pscustomobject]@{ Principal = 'user1@contoso.com'; Role = 'Security Reader'; Justifcation = 'typo' } |
            New-PimEligibleAssignment -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -Be 'PimInputColumnUnknown,PimModule.Cmdlets.NewPimEligibleAssignmentCommand'
        Get-PimAssignment -Principal 'user1@contoso.com' | Should -BeNullOrEmpty
    }

    It 'binds each piped object alone: a property the next object lacks is not carried over to it' {
        # PowerShell keeps a pipeline-bound value for the next object that does not bind it; the module resets it (PimCmdlet).
        $made = @(
            [pscustomobject]@{ Principal = 'user1@contoso.com'; Role = 'Security Reader'; Scope = '/administrativeUnits/x'; Duration = '30d'; TicketNumber = 'CHG1'; Justification = 'first' }
            [pscustomobject]@{ Principal = 'user2@contoso.com'; Role = 'Security Reader' }
        ) | New-PimEligibleAssignment
        $made.Count | Should -Be 2
        $made[0].EndDateTime | Should -Be $T0.AddDays(30)
        $made[1].Scope | Should -Be '/'   # a scope left out is the whole directory, not "given as null" by the row before
        $made[1].EndDateTime | Should -BeNullOrEmpty
        $made[1].TicketNumber | Should -BeNullOrEmpty
        $made[1].Justification | Should -BeNullOrEmpty
    }
}

Describe 'A bulk import of several batches' {
    # Rows 1-2000 are the first batch (written at once), 2001-4000 the second (written on the writer's second thread while
    # the pipeline reads on), 4001-4500 the last (written by the end of the pipeline).
    It 'refuses each row the store refuses as its own error, in input order, in every batch; the other rows land' {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        $null = New-PimEligibleAssignment -Principal 'held@contoso.com' -Role 'Security Reader'
        $rows = foreach ($i in 1..4500) {
            $principal = switch ($i) {
                2500 { 'held@contoso.com' }       # already held in the store
                3001 { 'user3000@contoso.com' }   # the row before it, in the same batch
                4200 { 'user10@contoso.com' }     # committed by the first batch
                default { "user$i@contoso.com" }
            }
            [pscustomobject]@{ Principal = $principal; Role = $(if ($i -eq 2700) { 'No Such Role' } else { 'Security Reader' }); Justification = "row $i" }
        }
        $made = $rows | New-PimEligibleAssignment -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.FullyQualifiedErrorId | Should -Be @(
            'PimAssignmentExists,PimModule.Cmdlets.NewPimEligibleAssignmentCommand'
            'PimRoleNotFound,PimModule.Cmdlets.NewPimEligibleAssignmentCommand'
            'PimAssignmentExists,PimModule.Cmdlets.NewPimEligibleAssignmentCommand'
            'PimAssignmentExists,PimModule.Cmdlets.NewPimEligibleAssignmentCommand')
        $errs[0].Exception.Message | Should -BeLike '*held@contoso.com*'
        $errs[1].Exception.Message | Should -BeLike '*No Such Role*'
        $errs[2].Exception.Message | Should -BeLike '*user3000@contoso.com*'
        $errs[3].Exception.Message | Should -BeLike '*user10@contoso.com*'
        # Every other row landed, and came out in input order.
        $expected = foreach ($i in 1..4500) { if ($i -notin 2500, 2700, 3001, 4200) { "row $i" } }
        $made.Count | Should -Be 4496
        ($made.Justification -join ',') | Should -Be ($expected -join ',')
        (Get-PimStore).EligibleAssignmentCount | Should -Be 4497
        # A refused row wrote nothing: no second assignment, request or audit record of its own.
        @(Get-PimAssignment -Principal 'held@contoso.com').Count | Should -Be 1
        @(Get-PimAssignment -Principal 'user3000@contoso.com').Justification | Should -Be @('row 3000')
        @(Get-PimAssignment -Principal 'user10@contoso.com').Justification | Should -Be @('row 10')
        Get-PimAssignment -Principal 'user2700@contoso.com' | Should -BeNullOrEmpty
        @(Get-PimRequest -Action AdminAssign -Principal 'user3000@contoso.com').Count | Should -Be 1
        @(Get-PimAuditLog -Action AdminAssign -Principal 'user2700@contoso.com').Count | Should -Be 0
        (Test-PimAuditLog).IsValid | Should -BeTrue
    }
}

Describe 'Refusals leave the store as it was' -Tag TestClock {
    BeforeEach {
        Set-TestClock $T0
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' -Duration 30d | Out-Null
        $script:fp = Get-StoreFingerprint
    }
    AfterEach { Get-StoreFingerprint | Should -Be $script:fp }

    It 'refuses an end before the start' {
        { New-PimEligibleAssignment -Principal 'user2@contoso.com' -Role 'Security Reader' -StartDateTime $T0.AddDays(2) -EndDateTime $T0.AddDays(1) } |
            Should -Throw -ErrorId 'PimEndBeforeStart,PimModule.Cmdlets.NewPimEligibleAssignmentCommand'
    }

    It 'refuses a duration over the maximum when permanent is not allowed, and a permanent one' {
        Set-PimRoleSetting -Role 'Global Reader' -AllowPermanentEligible $false -EligibleExpiresAfter 15d
        $script:fp = Get-StoreFingerprint
        { New-PimEligibleAssignment -Principal 'user2@contoso.com' -Role 'Global Reader' -Duration 16d } |
            Should -Throw -ErrorId 'PimAssignmentDurationExceedsMaximum,PimModule.Cmdlets.NewPimEligibleAssignmentCommand'
        { New-PimEligibleAssignment -Principal 'user2@contoso.com' -Role 'Global Reader' -Permanent } |
            Should -Throw -ErrorId 'PimPermanentAssignmentNotAllowed*'
    }

    It 'refuses an unknown role and a principal that is not one' {
        { New-PimEligibleAssignment -Principal 'user2@contoso.com' -Role 'Nope' } | Should -Throw -ErrorId 'PimRoleNotFound*'
        { New-PimEligibleAssignment -Principal 'two words' -Role 'Security Reader' } | Should -Throw -ErrorId 'PimPrincipalInvalid*'
    }

    It 'refuses the scope <Scope>' -ForEach @(@{ Scope = 'administrativeUnits/x' }, @{ Scope = '/a//b' }, @{ Scope = '/a/../b' }, @{ Scope = '/a/' }, @{ Scope = '/a b' }) {
        { New-PimEligibleAssignment -Principal 'user2@contoso.com' -Role 'Security Reader' -Scope $Scope } | Should -Throw -ErrorId 'PimScopeInvalid*'
    }

    It 'refuses a duplicate (same principal, role, scope, type, overlapping time)' {
        $err = { New-PimEligibleAssignment -Principal 'USER1@contoso.com' -Role 'Security Reader' -StartDateTime $T0.AddDays(10) -Duration 5d } |
            Should -Throw -ErrorId 'PimAssignmentExists,PimModule.Cmdlets.NewPimEligibleAssignmentCommand' -PassThru
        $err.CategoryInfo.Category | Should -Be 'ResourceExists'
    }

    It 'refuses more than one of -EndDateTime, -Duration and -Permanent' {
        { New-PimEligibleAssignment -Principal 'user2@contoso.com' -Role 'Security Reader' -Duration 5d -Permanent } | Should -Throw -ErrorId 'PimScheduleConflict*'
    }

    It 'refuses an active assignment without the justification the role requires' {
        { New-PimActiveAssignment -Principal 'user2@contoso.com' -Role 'Security Reader' -Duration 5d } | Should -Throw -ErrorId 'PimJustificationRequired*'
    }

    It 'refuses an active assignment without the administrator''s MFA when the role requires it' {
        Set-PimRoleSetting -Role 'Global Reader' -RequireMfaOnActiveAssignment $true
        $script:fp = Get-StoreFingerprint
        { New-PimActiveAssignment -Principal 'user2@contoso.com' -Role 'Global Reader' -Duration 5d -Justification 'x' } | Should -Throw -ErrorId 'PimMfaRequired*'
    }

    It 'refuses a principal who is not a role administrator' {
        Connect-PimStore -Principal 'user1@contoso.com'
        { New-PimEligibleAssignment -Principal 'user2@contoso.com' -Role 'Security Reader' } | Should -Throw -ErrorId 'PimNotAuthorized*'
        $a = Get-PimAssignment -Principal 'user1@contoso.com'
        { $a | Remove-PimAssignment -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'PimNotAuthorized*'
        { Update-PimAssignment -AssignmentId $a.AssignmentId -Duration 5d } | Should -Throw -ErrorId 'PimNotAuthorized*'
    }

    It 'changes nothing with -WhatIf' {
        New-PimEligibleAssignment -Principal 'user2@contoso.com' -Role 'Security Reader' -WhatIf
        Get-PimAssignment -Principal 'user1@contoso.com' | Update-PimAssignment -Duration 60d -WhatIf
        Get-PimAssignment -Principal 'user1@contoso.com' | Remove-PimAssignment -WhatIf
    }
}

Describe 'Updating and removing' -Tag TestClock {
    BeforeEach {
        Set-TestClock $T0
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        $script:a = New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' -Duration 30d
    }

    It 'extends (AdminExtend) and shortens (AdminUpdate)' {
        Set-TestClock $T0.AddMinutes(1)
        ($a | Update-PimAssignment -EndDateTime $T0.AddDays(60) -Confirm:$false).EndDateTime | Should -Be $T0.AddDays(60)
        Set-TestClock $T0.AddMinutes(2)
        (Update-PimAssignment -AssignmentId $a.AssignmentId -Duration 10d -Confirm:$false).EndDateTime | Should -Be $T0.AddMinutes(2).AddDays(10)
        (Get-PimRequest -Principal 'user1@contoso.com').Action | Should -Be @('AdminAssign', 'AdminExtend', 'AdminUpdate')
        (Update-PimAssignment -AssignmentId $a.AssignmentId -Permanent -Confirm:$false).EndDateTime | Should -BeNullOrEmpty
    }

    It 'renews an assignment that expired less than 30 days ago (AdminRenew), not later' {
        Set-TestClock $T0.AddDays(40)
        $r = Update-PimAssignment -AssignmentId $a.AssignmentId -Duration 30d -Confirm:$false
        $r.StartDateTime | Should -Be $T0.AddDays(40)
        $r.EndDateTime | Should -Be $T0.AddDays(70)
        (Get-PimRequest -Action AdminRenew).Count | Should -Be 1
        Set-TestClock $T0.AddDays(200)
        { Update-PimAssignment -AssignmentId $a.AssignmentId -Duration 30d -Confirm:$false } | Should -Throw -ErrorId 'PimAssignmentNotFound*'
    }

    It 'removes from the pipeline (AdminRemove), audited' {
        Get-PimAssignment -Principal 'user1@contoso.com' | Remove-PimAssignment -Confirm:$false
        Get-PimAssignment -Principal 'user1@contoso.com' -State All | Should -BeNullOrEmpty
        (Get-PimRequest -Action AdminRemove).Principal | Should -Be 'user1@contoso.com'
        (Get-PimAuditLog -Action AdminRemove).Before | ConvertFrom-Json | ForEach-Object Principal | Should -Be 'user1@contoso.com'
    }

    It 'refuses an assignment id that does not exist' {
        { Remove-PimAssignment -AssignmentId ([guid]::NewGuid()) -Confirm:$false } | Should -Throw -ErrorId 'PimAssignmentNotFound*'
    }
}
