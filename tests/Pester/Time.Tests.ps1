# Issue 27: a record's time is a claim. Each finding of the third hostile review, on the provider of the run, with the
# attacker's clock their own machine's: the test variant's clock (Set-TestClock), moved for the attacker's commands only
# — on PostgreSQL the test variant stamps records with that clock, as a modified client would. Each is checked again with
# the clock moved past the forged date, by a fresh Test-PimAuditLog and by a connect with no checkpoint (a new user's).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $script:T0 = [datetime]::new(2026, 6, 1, 8, 0, 0, [DateTimeKind]::Utc)

    function Use-TestUser {
        <# Acts as one person: their own PimModule folder (keys, known stores, checkpoints) for this store. #>
        param([Parameter(Mandatory)] [string] $Name)
        $env:XDG_DATA_HOME = Join-Path $script:Users $Name
        $null = New-Item -ItemType Directory -Path $env:XDG_DATA_HOME -Force
    }

    function Connect-As {
        <# Connect-PimStore as a principal in their own folder, Verified (identity is what these tests are about). #>
        param([Parameter(Mandatory)] [string] $Name)
        Use-TestUser $Name
        $p = @{ Principal = "$Name@contoso.com"; IdentityMode = 'Verified' }
        if ($script:Store.Provider -eq 'PostgreSql') { Connect-PimStore -ConnectionString $script:Store.ConnectionString -Provider PostgreSql @p }
        else { Connect-PimStore -Path $script:Store.Path @p }
    }

    function Connect-AsNewUser {
        <# Connects as someone with no checkpoint of this store (a new user's connect replays the whole log). #>
        param([Parameter(Mandatory)] [string] $Name)
        Remove-Item (Join-Path (Join-Path $script:Users $Name) 'PimModule/verified') -Recurse -Force -ErrorAction SilentlyContinue
        Connect-As $Name
    }

    function New-TimeStore {
        <# At T0: admin (the root) makes a Verified store; every other person gets a key. #>
        param([string[]] $People = @('dave', 'carol', 'bob', 'reviewer', 'user1', 'approver', 'eve', 'frank'))
        $script:Store = New-TestStore
        $script:Users = Join-Path $TestDrive "users-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        Set-TestClock $T0
        Connect-As admin
        foreach ($name in $People) {
            Use-TestUser $name
            $key = New-PimCredential -Principal "$name@contoso.com"
            Connect-As admin
            $key | Register-PimCredential -Principal "$name@contoso.com" | Out-Null
        }
    }

    function Get-TimeProblem {
        <# The records Test-PimAuditLog says do not count for their time: sequence → problem. #>
        param([Parameter(Mandatory)] $Check)
        $map = @{}
        foreach ($d in $Check.Disagreements | Where-Object { $_.Kind -eq 'Record' -and $_.Problem -in 'NotYet', 'FutureDated', 'BackDated' }) { $map[[long]$d.Id] = $d.Problem }
        $map
    }

    function Get-LastSequence { [long](Get-PimAuditLog | Select-Object -Last 1).Sequence }
}
AfterAll {
    Set-TestClock -Reset
    Remove-Item Env:XDG_DATA_HOME -ErrorAction SilentlyContinue
}

Describe 'A record''s time is a claim (issue 27)' -Tag TestClock, Hostile {
    It 'Finding 1: a scheduled administrator who dates his records ahead acts early in nothing, then or later' {
        New-TimeStore
        New-PimActiveAssignment -Principal dave@contoso.com -Role 'Privileged Role Administrator' -StartDateTime $T0.AddDays(30) -Permanent -Justification 'from next month' | Out-Null
        # Dave, his clock 31 days ahead: a permanent Global Administrator assignment for himself, starting now.
        Set-TestClock $T0.AddDays(31)
        Connect-As dave
        New-PimActiveAssignment -Principal dave@contoso.com -Role 'Global Administrator' -Permanent -StartDateTime $T0.AddMinutes(1) -Justification 'early' | Out-Null
        $forged = Get-LastSequence
        # Back on the real clock: it grants nothing, and the log check names it as dated ahead.
        Set-TestClock $T0.AddMinutes(10)
        Connect-As admin
        Test-PimAccess -Principal dave@contoso.com -Role 'Global Administrator' | Should -BeFalse
        (Get-TimeProblem (Test-PimAuditLog -WarningAction SilentlyContinue))[$forged] | Should -Be 'NotYet'
        # The administrator goes on working: the root's next record, dated before it, makes it dated ahead for good.
        Set-PimRoleSetting -Role 'Security Reader' -ActivationMaxDuration 4h
        (Get-TimeProblem (Test-PimAuditLog -WarningAction SilentlyContinue))[$forged] | Should -Be 'FutureDated'
        # Past the forged date: the same verdicts, by a fresh check and by a connect that replays everything.
        Set-TestClock $T0.AddDays(32)
        (Get-TimeProblem (Test-PimAuditLog -WarningAction SilentlyContinue))[$forged] | Should -Be 'FutureDated'
        Test-PimAccess -Principal dave@contoso.com -Role 'Global Administrator' | Should -BeFalse
        Connect-AsNewUser frank
        Test-PimAccess -Principal dave@contoso.com -Role 'Global Administrator' | Should -BeFalse
        # Dave is a Privileged Role Administrator now (his schedule began): what he does now counts.
        Test-PimAccess -Principal dave@contoso.com -Role 'Privileged Role Administrator' | Should -BeTrue
    }

    It 'Finding 2: the holder of a role under review does not cancel the reviewer''s Deny by dating a record ahead' {
        New-TimeStore
        New-PimEligibleAssignment -Principal carol@contoso.com -Role 'Global Administrator' -Permanent -Justification 'ops' | Out-Null
        $review = New-PimAccessReview -Role 'Global Administrator' -Reviewer reviewer@contoso.com -Duration 7d -DefaultDecision None
        # Carol, her clock 8 days ahead, writes one record: her MFA registration.
        Set-TestClock $T0.AddDays(8)
        Connect-As carol
        $null = Register-PimMfaMethod 6>$null
        $forged = Get-LastSequence
        Set-TestClock $T0.AddHours(1)
        Connect-As reviewer
        Get-PimAccessReviewItem -PendingMyDecision | Set-PimAccessReviewDecision -Decision Deny -Justification 'left the team'
        $decided = Get-LastSequence
        $check = Test-PimAuditLog -WarningAction SilentlyContinue
        $check.Disagreements | Where-Object Id -eq "$decided" | Should -BeNullOrEmpty
        (Get-TimeProblem $check)[$forged] | Should -Be 'NotYet'
        (Get-PimAccessReviewItem -ReviewId $review.ReviewId).Decision | Should -Be 'Deny'
        Set-TestClock $T0.AddDays(7).AddHours(1)
        Connect-As admin
        Complete-PimAccessReview -ReviewId $review.ReviewId -Confirm:$false
        Test-PimAccess -Principal carol@contoso.com -Role 'Global Administrator' | Should -BeFalse
        @(Get-PimAssignment -Principal carol@contoso.com -Role 'Global Administrator') | Should -HaveCount 0
        # Past carol's date: the root's completion came after her record and is dated before it, so hers was dated ahead
        # for good; the Deny and its effect stand.
        Set-TestClock $T0.AddDays(9)
        $check = Test-PimAuditLog -WarningAction SilentlyContinue
        $check.Disagreements | Where-Object Id -eq "$decided" | Should -BeNullOrEmpty
        $problems = Get-TimeProblem $check
        $problems.Keys | Should -Be @($forged)
        $problems[$forged] | Should -Be 'FutureDated'
        Connect-AsNewUser frank
        (Get-PimAccessReviewItem -ReviewId $review.ReviewId).Decision | Should -Be 'Deny'
        @(Get-PimAssignment -Principal carol@contoso.com -Role 'Global Administrator') | Should -HaveCount 0
    }

    It 'Finding 3: a record dated 2100 by a principal with no role voids no later approval' {
        New-TimeStore
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None -RequireApproval $true -Approvers approver@contoso.com
        New-PimEligibleAssignment -Principal user1@contoso.com -Role 'Security Reader' -Permanent -Justification 'soc' | Out-Null
        # Bob, no role, his clock at 2100: his MFA registration.
        Set-TestClock ([datetime]::new(2100, 1, 1, 0, 0, 0, [DateTimeKind]::Utc))
        Connect-As bob
        $null = Register-PimMfaMethod 6>$null
        $forged = Get-LastSequence
        Set-TestClock $T0.AddMinutes(5)
        Connect-As user1
        $q = Request-PimActivation -Role 'Security Reader' -Duration 1h -Justification 'alert 4711'
        Connect-As approver
        (Approve-PimRequest -RequestId $q.RequestId -Justification 'ok').Status | Should -Be 'Provisioned'
        $approved = Get-LastSequence
        Test-PimAccess -Principal user1@contoso.com -Role 'Security Reader' | Should -BeTrue
        $check = Test-PimAuditLog -WarningAction SilentlyContinue
        $problems = Get-TimeProblem $check
        $problems.Keys | Should -Be @($forged)
        $problems[$forged] | Should -Be 'NotYet'
        @($check.Disagreements | Where-Object Problem -eq 'NotEntitled') | Should -HaveCount 0
        Connect-AsNewUser frank
        Test-PimAccess -Principal user1@contoso.com -Role 'Security Reader' | Should -BeTrue
        # Past 2100: bob's record counts (his own MFA registration); the approval stands.
        Set-TestClock ([datetime]::new(2100, 1, 2, 0, 0, 0, [DateTimeKind]::Utc))
        Connect-As admin
        $check = Test-PimAuditLog -WarningAction SilentlyContinue
        $check.IsValid | Should -BeTrue
        $check.Disagreements | Where-Object Id -eq "$approved" | Should -BeNullOrEmpty
        Connect-AsNewUser frank
        (Get-PimRequest -RequestId $q.RequestId).Status | Should -Be 'Provisioned'
        Test-PimAccess -Principal user1@contoso.com -Role 'Security Reader' -AsOf $T0.AddMinutes(30) | Should -BeTrue
    }

    It 'Finding 4: after that record, an administrator''s routine change is made, and every connect goes on verifying' {
        New-TimeStore
        New-PimActiveAssignment -Principal eve@contoso.com -Role 'Privileged Role Administrator' -Duration 100d -Justification 'this quarter' | Out-Null
        Set-TestClock ([datetime]::new(2100, 1, 1, 0, 0, 0, [DateTimeKind]::Utc))
        Connect-As bob
        $null = Register-PimMfaMethod 6>$null
        $forged = Get-LastSequence
        # An administrator whose assignment ends within the year registers a credential: it is made, as it says.
        Set-TestClock $T0.AddMinutes(5)
        Use-TestUser gina
        $key = New-PimCredential -Principal gina@contoso.com
        Connect-As eve
        $registered = Get-Refusal { $key | Register-PimCredential -Principal gina@contoso.com | Out-Null }
        $registered | Should -BeNullOrEmpty
        # Every connect goes on verifying, the root's and a new user's; gina acts with her new key.
        foreach ($who in 'admin', 'gina') { { Connect-As $who } | Should -Not -Throw }
        (Get-PimStore).Principal | Should -Be 'gina@contoso.com'
        Connect-AsNewUser frank
        $problems = Get-TimeProblem (Test-PimAuditLog -WarningAction SilentlyContinue)
        $problems.Keys | Should -Be @($forged)
        Set-TestClock ([datetime]::new(2100, 1, 2, 0, 0, 0, [DateTimeKind]::Utc))
        Connect-AsNewUser admin
        (Test-PimAuditLog -WarningAction SilentlyContinue).IsValid | Should -BeTrue
    }

    It 'The writer refuses a record its own clock would back-date (PimClockSkew), and nothing is committed' {
        New-TimeStore -People @('user1')
        Set-TestClock $T0.AddHours(2)
        New-PimEligibleAssignment -Principal user1@contoso.com -Role 'Security Reader' -Permanent -Justification 'soc' | Out-Null
        $before = Get-RawFingerprint -Store $script:Store
        # The administrator's clock goes back an hour: a record written now would be dated before their own last one.
        Set-TestClock $T0.AddHours(1)
        $e = Get-Refusal { New-PimEligibleAssignment -Principal user1@contoso.com -Role 'Reports Reader' -Permanent -Justification 'x' }
        $e.FullyQualifiedErrorId | Should -BeLike 'PimClockSkew*'
        $e.CategoryInfo.Category | Should -Be 'InvalidOperation'
        $e.Exception.Message | Should -Match 'Nothing was changed'
        Get-RawFingerprint -Store $script:Store | Should -Be $before
        # Right again, the same command is made and the store verifies.
        Set-TestClock $T0.AddHours(2).AddMinutes(1)
        New-PimEligibleAssignment -Principal user1@contoso.com -Role 'Reports Reader' -Permanent -Justification 'x' | Out-Null
        (Test-PimAuditLog -WarningAction SilentlyContinue).IsValid | Should -BeTrue
    }
}

Describe 'Nothing outside the digest decides (issue 27, finding 5)' -Tag TestClock, Hostile {
    It 'an activation whose eligible_id was rewritten around the module is not believed, and removing its eligibility ends it' {
        New-TimeStore -People @('user1')
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None
        $eligible = New-PimEligibleAssignment -Principal user1@contoso.com -Role 'Security Reader' -Permanent -Justification 'soc'
        Connect-As user1
        $null = Request-PimActivation -Role 'Security Reader' -Duration 4h -Justification 'alert'
        $activation = Get-PimAssignment -Principal user1@contoso.com -Type Active
        Test-PimAccess -Principal user1@contoso.com -Role 'Security Reader' | Should -BeTrue
        Invoke-Sql -Store $script:Store -Sql "UPDATE assignments SET eligible_id = '$([guid]::NewGuid())' WHERE assignment_id = '$($activation.AssignmentId)'" | Out-Null
        Connect-As admin
        Test-PimAccess -Principal user1@contoso.com -Role 'Security Reader' | Should -BeFalse
        ((Test-PimAuditLog -WarningAction SilentlyContinue).Disagreements | Where-Object Kind -eq 'Assignment').Id | Should -Be "$($activation.AssignmentId)"
        # Put back, it counts; the administrator removes the eligibility, and the activation ends with it.
        Invoke-Sql -Store $script:Store -Sql "UPDATE assignments SET eligible_id = '$($eligible.AssignmentId)' WHERE assignment_id = '$($activation.AssignmentId)'" | Out-Null
        Test-PimAccess -Principal user1@contoso.com -Role 'Security Reader' | Should -BeTrue
        Invoke-Sql -Store $script:Store -Sql "UPDATE assignments SET eligible_id = '$([guid]::NewGuid())' WHERE assignment_id = '$($activation.AssignmentId)'" | Out-Null
        Remove-PimAssignment -AssignmentId $eligible.AssignmentId -Confirm:$false
        Test-PimAccess -Principal user1@contoso.com -Role 'Security Reader' | Should -BeFalse
        Set-TestClock $T0.AddHours(1)
        Connect-AsNewUser user1
        Test-PimAccess -Principal user1@contoso.com -Role 'Security Reader' | Should -BeFalse
    }
}
