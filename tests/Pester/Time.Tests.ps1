# Issue 27: a record's time is a claim. Each finding of the third hostile review, on the provider of the run, with the
# attacker's clock their own machine's: the test variant's clock (Set-TestClock), moved for the attacker's commands only
# — on PostgreSQL the test variant stamps records with that clock, as a modified client would. Each is checked again with
# the clock moved past the forged date, by a fresh Test-PimAuditLog and by a connect with no checkpoint (a new user's).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    # On SQLite any day does. On PostgreSQL the server's clock is the time, and the store refuses a record dated after it or
    # before the record it follows: the tests' honest clock runs a little behind the server's, and the attacker's ahead of it.
    $script:OnPg = $env:PIM_TEST_PROVIDER -eq 'PostgreSql'
    $script:T0 = if ($OnPg) { $n = [datetime]::UtcNow.AddHours(-3); [datetime]::new($n.Year, $n.Month, $n.Day, $n.Hour, $n.Minute, 0, [DateTimeKind]::Utc) }
                 else { [datetime]::new(2026, 6, 1, 8, 0, 0, [DateTimeKind]::Utc) }

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
        if ($env:PIM_TEST_HOOKS -eq '1') { Set-TestClock $T0 }
        Connect-As admin
        foreach ($name in $People) {
            Use-TestUser $name
            $key = New-PimCredential -Principal "$name@contoso.com"
            Connect-As admin
            $key | Register-PimCredential -Principal "$name@contoso.com" | Out-Null
        }
        # frank, the new user who replays the whole log, reads what he checks: a Global Reader (issue 28, finding 13).
        if ($People -contains 'frank') {
            New-PimActiveAssignment -Principal frank@contoso.com -Role 'Global Reader' -Permanent -Justification 'auditor' | Out-Null
        }
    }

    function Get-TimeProblem {
        <# The records Test-PimAuditLog says do not count for their time: sequence → problem. #>
        param([Parameter(Mandatory)] $Check)
        $map = @{}
        foreach ($d in $Check.Disagreements | Where-Object { $_.Kind -eq 'Record' -and $_.Problem -in 'NotYet', 'FutureDated', 'BackDated' }) { $map[[long]$d.Id] = $d.Problem }
        $map
    }

    # Behind the module (finding 13 of issue 28: Get-PimAuditLog lists a principal with no role only their own records).
    function Get-LastSequence { [long](@(Invoke-Sql -Store $script:Store -Sql "SELECT MAX(sequence) FROM audit_log")[0]) }

    function Invoke-Forgery {
        <#
        The attacker's command, their clock moved. On SQLite it is written (the store's time is its writer's clock) and the
        record's sequence is returned. On PostgreSQL the server's clock is the time: the test variant stamps records with
        the attacker's clock, as a modified client would, and the store's audit time check refuses a time later than the
        server's (PimClockSkew), with nothing written; $null is returned, and the rest of the test shows the store goes on
        as if it never happened. (A time ahead of the test's clock but not of the server's — the tests' T0 is in the past —
        is written on PostgreSQL too, and judged by the verifier as on SQLite.)
        #>
        param([Parameter(Mandatory)] [scriptblock] $Command)
        $before = Get-RawFingerprint -Store $script:Store
        $head = Get-LastSequence
        $e = Get-Refusal $Command
        if ($script:Store.Provider -eq 'PostgreSql' -and [datetime]::Parse($env:PIM_TEST_UTCNOW).ToUniversalTime() -gt [datetime]::UtcNow) {
            $e.FullyQualifiedErrorId | Should -BeLike 'PimClockSkew*'
            $e.Exception.Message | Should -Match "server's clock"
            Get-RawFingerprint -Store $script:Store | Should -Be $before
            return $null
        }
        $e | Should -BeNullOrEmpty
        , @(($head + 1)..(Get-LastSequence))   # the records the command wrote
    }

    function Assert-TimeProblem {
        <# The log check names the forged record (SQLite) with this problem, and no other record for its time; none on PostgreSQL. #>
        param([Parameter(Mandatory)] $Check, $Forged, [Parameter(Mandatory)] [string] $Problem)
        $problems = Get-TimeProblem $Check
        if ($null -eq $Forged) { $problems.Count | Should -Be 0; return }
        @($problems.Keys | Sort-Object) | Should -Be @($Forged)
        foreach ($seq in $Forged) { $problems[[long]$seq] | Should -Be $Problem }
    }
}
AfterAll {
    if ($env:PIM_TEST_HOOKS -eq '1') { Set-TestClock -Reset }
    Remove-Item Env:XDG_DATA_HOME -ErrorAction SilentlyContinue
}

Describe 'A record''s time is a claim (issue 27)' -Tag TestClock, Hostile {
    It 'Finding 1: a scheduled administrator who dates his records ahead acts early in nothing, then or later' {
        New-TimeStore
        New-PimActiveAssignment -Principal dave@contoso.com -Role 'Privileged Role Administrator' -StartDateTime $T0.AddDays(30) -Permanent -Justification 'from next month' | Out-Null
        # Dave, his clock 31 days ahead: a permanent Global Administrator assignment for himself, starting now.
        Set-TestClock $T0.AddDays(31)
        Connect-As dave
        $forged = Invoke-Forgery { New-PimActiveAssignment -Principal dave@contoso.com -Role 'Global Administrator' -Permanent -StartDateTime $T0.AddMinutes(1) -Justification 'early' | Out-Null }
        # Back on the real clock: it grants nothing, and the log check names it as dated ahead.
        Set-TestClock $T0.AddMinutes(10)
        Connect-As admin
        Test-PimAccess -Principal dave@contoso.com -Role 'Global Administrator' | Should -BeFalse
        Assert-TimeProblem (Test-PimAuditLog -WarningAction SilentlyContinue) $forged 'NotYet'
        # The administrator goes on working: the root's next record, dated before it, makes it dated ahead for good.
        Set-PimRoleSetting -Role 'Security Reader' -ActivationMaxDuration 4h
        Assert-TimeProblem (Test-PimAuditLog -WarningAction SilentlyContinue) $forged 'FutureDated'
        # Past the forged date: the same verdicts, by a fresh check and by a connect that replays everything.
        Set-TestClock $T0.AddDays(32)
        Assert-TimeProblem (Test-PimAuditLog -WarningAction SilentlyContinue) $forged 'FutureDated'
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
        $forged = Invoke-Forgery { $null = Register-PimMfaMethod 6>$null }
        Set-TestClock $T0.AddHours(1)
        Connect-As reviewer
        Get-PimAccessReviewItem -PendingMyDecision | Set-PimAccessReviewDecision -Decision Deny -Justification 'left the team'
        $decided = Get-LastSequence
        $check = Test-PimAuditLog -WarningAction SilentlyContinue
        $check.Disagreements | Where-Object Id -eq "$decided" | Should -BeNullOrEmpty
        Assert-TimeProblem $check $forged 'NotYet'
        (Get-PimAccessReviewItem -ReviewId $review.ReviewId).Decision | Should -Be 'Deny'
        # (On PostgreSQL the review's end is in the server's future, which no record may be dated in: carol's record was
        # refused above, and what follows is the SQLite story.)
        if ($OnPg) { return }
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
        Assert-TimeProblem $check $forged 'FutureDated'
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
        $forged = Invoke-Forgery { $null = Register-PimMfaMethod 6>$null }
        Set-TestClock $T0.AddMinutes(5)
        Connect-As user1
        $q = Request-PimActivation -Role 'Security Reader' -Duration 1h -Justification 'alert 4711'
        Connect-As approver
        (Approve-PimRequest -RequestId $q.RequestId -Justification 'ok').Status | Should -Be 'Provisioned'
        $approved = Get-LastSequence
        Test-PimAccess -Principal user1@contoso.com -Role 'Security Reader' | Should -BeTrue
        $check = Test-PimAuditLog -WarningAction SilentlyContinue
        Assert-TimeProblem $check $forged 'NotYet'
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
        $forged = Invoke-Forgery { $null = Register-PimMfaMethod 6>$null }
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
        # An administrator's record (eve's), dated before it, made it dated ahead for good.
        Assert-TimeProblem (Test-PimAuditLog -WarningAction SilentlyContinue) $forged 'FutureDated'
        # Past 2100: the same verdicts, and nothing else is refused.
        Set-TestClock ([datetime]::new(2100, 1, 2, 0, 0, 0, [DateTimeKind]::Utc))
        Connect-AsNewUser admin
        $check = Test-PimAuditLog -WarningAction SilentlyContinue
        Assert-TimeProblem $check $forged 'FutureDated'
        @($check.Disagreements | Where-Object { $_.Problem -notin 'NotYet', 'FutureDated', 'BackDated' }) | Should -HaveCount 0
    }

    It 'A hostile review: a record dated ahead by an administrator about to be removed grants nothing once the removal, by another administrator, is dated before it' {
        New-TimeStore -People @('eve', 'dave', 'bob', 'frank')
        $eveAdmin = New-PimActiveAssignment -Principal eve@contoso.com -Role 'Privileged Role Administrator' -Permanent -Justification 'ops'
        New-PimActiveAssignment -Principal dave@contoso.com -Role 'Privileged Role Administrator' -Permanent -Justification 'ops' | Out-Null
        # Eve, expecting to be removed, her clock 4 hours ahead: a permanent Global Administrator assignment for bob.
        Set-TestClock $T0.AddHours(4)
        Connect-As eve
        $forged = Invoke-Forgery { New-PimActiveAssignment -Principal bob@contoso.com -Role 'Global Administrator' -Permanent -Justification 'bomb' | Out-Null }
        # Dave, an administrator but not the root, removes eve's role: his record, dated before hers, makes hers dated ahead for good.
        Set-TestClock $T0.AddMinutes(15)
        Connect-As dave
        Remove-PimAssignment -AssignmentId $eveAdmin.AssignmentId -Confirm:$false
        Test-PimAccess -Principal bob@contoso.com -Role 'Global Administrator' | Should -BeFalse
        # Past eve's date, nobody having written since: the same, for a fresh check and a new user.
        Set-TestClock $T0.AddHours(5)
        Assert-TimeProblem (Test-PimAuditLog -WarningAction SilentlyContinue) $forged 'FutureDated'
        Connect-AsNewUser frank
        Test-PimAccess -Principal bob@contoso.com -Role 'Global Administrator' | Should -BeFalse
    }

    It 'A hostile review: a key registration dated ahead by an administrator neither locks the root out nor fails the log, for anyone, at any clock' {
        New-TimeStore -People @('eve', 'dave', 'frank')
        New-PimActiveAssignment -Principal eve@contoso.com -Role 'Privileged Role Administrator' -Permanent -Justification 'ops' | Out-Null
        New-PimActiveAssignment -Principal dave@contoso.com -Role 'Privileged Role Administrator' -StartDateTime $T0.AddDays(30) -Permanent -Justification 'next month' | Out-Null
        Use-TestUser gina
        $gina = New-PimCredential -Principal gina@contoso.com
        Use-TestUser hal
        $hal = New-PimCredential -Principal hal@contoso.com
        # Eve, her clock 10 years ahead, and dave, his at the start of his schedule, each register a key.
        Set-TestClock $T0.AddYears(10)
        Connect-As eve
        $byEve = Invoke-Forgery { $gina | Register-PimCredential -Principal gina@contoso.com | Out-Null }
        Set-TestClock $T0.AddDays(30).AddMinutes(1)
        Connect-As dave
        $byDave = Invoke-Forgery { $hal | Register-PimCredential -Principal hal@contoso.com | Out-Null }
        # A reader ten minutes slow, the root at the real time, a new user: every connect verifies, the root writes.
        Set-TestClock $T0.AddDays(30).AddMinutes(-10)
        { Connect-AsNewUser frank } | Should -Not -Throw
        Set-TestClock $T0.AddHours(1)
        { Connect-As admin } | Should -Not -Throw
        { Set-PimRoleSetting -Role 'Security Reader' -ActivationMaxDuration 4h } | Should -Not -Throw
        { Connect-AsNewUser frank } | Should -Not -Throw
        # Neither key is bound now: gina and hal are not registered.
        foreach ($who in 'gina', 'hal') { (Get-Refusal { Connect-As $who }).FullyQualifiedErrorId | Should -BeLike 'PimCredentialNotRegistered*' }
        Connect-As admin
        $check = Test-PimAuditLog -WarningAction SilentlyContinue
        if ($null -ne $byEve) { (Get-TimeProblem $check)[[long]$byEve[0]] | Should -BeIn 'NotYet', 'FutureDated' }
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

Describe 'An administrator''s clock is the store''s reference (issue 27, said plainly)' -Tag TestClock, Hostile {
    It 'takes an administrator''s record dated before another''s as saying that one was dated ahead: it never counts, and the log check names it' {
        New-TimeStore -People @('eve', 'user1')
        New-PimActiveAssignment -Principal eve@contoso.com -Role 'Privileged Role Administrator' -Permanent -Justification 'ops' | Out-Null
        New-PimEligibleAssignment -Principal user1@contoso.com -Role 'Security Reader' -Permanent -Justification 'soc' | Out-Null
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None
        # user1 activates at T0+2h (a record that counts); eve's clock then says T0+1h.
        Set-TestClock $T0.AddHours(2)
        Connect-As user1
        $null = Request-PimActivation -Role 'Security Reader' -Duration 1h -Justification 'alert'
        $activation = Get-LastSequence
        Set-TestClock $T0.AddHours(1)
        Connect-As eve
        # On PostgreSQL the database refuses eve's record (dated before the one it follows): its clock is the reference there.
        $e = Get-Refusal { New-PimEligibleAssignment -Principal user1@contoso.com -Role 'Reports Reader' -Permanent -Justification 'x' | Out-Null }
        if ($OnPg) { $e.FullyQualifiedErrorId | Should -BeLike 'PimClockSkew*'; return }
        $e | Should -BeNullOrEmpty
        # On SQLite eve's record, dated before user1's activation and written after it, says it was dated ahead.
        Test-PimAccess -Principal user1@contoso.com -Role 'Security Reader' -AsOf $T0.AddHours(2).AddMinutes(10) | Should -BeFalse
        $problems = Get-TimeProblem (Test-PimAuditLog -WarningAction SilentlyContinue)
        $problems[[long]$activation] | Should -Be 'FutureDated'
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

Describe 'On PostgreSQL the server''s clock is the time, and the owner login does no day-to-day work (issue 27)' -Tag Hostile {
    BeforeAll {
        $script:T0 = [datetime]::UtcNow
    }

    It 'refuses, in the database, records dated later than its clock or before the record they follow; the writer login cannot lift the check' -Skip:($env:PIM_TEST_PROVIDER -ne 'PostgreSql') {
        New-TimeStore -People @()
        $before = Get-RawFingerprint -Store $script:Store
        $head = @(Invoke-Sql -Store $script:Store -Sql "SELECT sequence || '|' || at_utc || '|' || hash FROM audit_log ORDER BY sequence DESC LIMIT 1")[0].Split('|')
        $next = [long]$head[0] + 1
        $insert = { param([long] $At) "INSERT INTO audit_log (sequence, audit_id, at_utc, actor, actor_key, action, target_type, prev_hash, hash) VALUES ($next, '$([guid]::NewGuid())', $At, 'mallory@contoso.com', 'mallory@contoso.com', 'X', 'Store', '$($head[2])', 'h')" }
        $writer = $script:Store.ConnectionString
        foreach ($at in @([datetime]::UtcNow.AddDays(1).Ticks, ([long]$head[1] - 10000000))) {
            { Invoke-Psql -ConnectionString $writer -Sql (& $insert $at) } | Should -Throw -ExpectedMessage "*audit record $next is dated*"
        }
        { Invoke-Psql -ConnectionString $writer -Sql 'ALTER TABLE audit_log DISABLE TRIGGER audit_time' } | Should -Throw '*owner*'
        { Invoke-Psql -ConnectionString $writer -Sql 'DROP FUNCTION pim_audit_time() CASCADE' } | Should -Throw '*owner*'
        Get-RawFingerprint -Store $script:Store | Should -Be $before
    }

    It 'refuses day-to-day changes of a Verified store from the login that owns its tables (PimStoreOwnerLogin), and lets it read' -Skip:($env:PIM_TEST_PROVIDER -ne 'PostgreSql') {
        New-TimeStore -People @('user1')
        $before = Get-RawFingerprint -Store $script:Store
        Use-TestUser admin
        Connect-PimStore -ConnectionString $script:Store.AdminConnectionString -Provider PostgreSql -Principal admin@contoso.com -IdentityMode Verified
        (Get-PimStore).IdentityMode | Should -Be 'Verified'
        @(Get-PimAssignment -Principal admin@contoso.com) | Should -Not -BeNullOrEmpty
        $e = Get-Refusal { New-PimEligibleAssignment -Principal user1@contoso.com -Role 'Security Reader' -Permanent -Justification 'x' }
        $e.FullyQualifiedErrorId | Should -BeLike 'PimStoreOwnerLogin*'
        $e.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $e.Exception.Message | Should -Match 'Nothing was changed'
        Get-RawFingerprint -Store $script:Store | Should -Be $before
    }

    It 'makes only the tables when the owner login connects to an empty database, and the writer''s first connect creates the store' -Skip:($env:PIM_TEST_PROVIDER -ne 'PostgreSql') {
        $run = if ($env:PIM_TEST_RUN_ID) { $env:PIM_TEST_RUN_ID } else { 'adhoc' }
        $db = 'pimtest_{0}_{1}' -f $run, [guid]::NewGuid().ToString('N').Substring(0, 10)
        $null = Invoke-Psql -ConnectionString $env:PIM_TEST_PG_ADMIN -Sql "CREATE DATABASE $db OWNER pim_test_owner"
        $null = Invoke-Psql -ConnectionString (Get-PgTestConnection -Database $db) -Sql (
            'ALTER DEFAULT PRIVILEGES FOR ROLE pim_test_owner IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO pim_test_writer')
        $script:Users = Join-Path $TestDrive "users-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        Use-TestUser admin
        $e = Get-Refusal { Connect-PimStore -ConnectionString (Get-PgTestConnection -Database $db -Role pim_test_owner) -Provider PostgreSql -Principal admin@contoso.com -IdentityMode Verified }
        $e.FullyQualifiedErrorId | Should -BeLike 'PimStoreOwnerLogin*'
        $e.Exception.Message | Should -Match 'tables are ready'
        (Invoke-Psql -ConnectionString (Get-PgTestConnection -Database $db) -Sql 'SELECT COUNT(*) FROM audit_log') -join '' | Should -Be '0'
        Connect-PimStore -ConnectionString (Get-PgTestConnection -Database $db -Username pim_test_writer) -Provider PostgreSql -Principal admin@contoso.com -IdentityMode Verified
        (Get-PimStore).IdentityMode | Should -Be 'Verified'
        Test-PimAccess -Principal admin@contoso.com -Role 'Privileged Role Administrator' | Should -BeTrue
        New-PimEligibleAssignment -Principal user1@contoso.com -Role 'Security Reader' -Permanent -Justification 'soc' | Should -Not -BeNullOrEmpty
        (Test-PimAuditLog).IsValid | Should -BeTrue
    }
}
