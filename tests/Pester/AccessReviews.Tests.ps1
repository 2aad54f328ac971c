# Access reviews (issue 16, part 2): a review of a role's direct assignments, its reviewers' decisions, completion through
# AdminRemove requests, -AutoApply and recurrences run by Invoke-PimMaintenance; the refusals; and in a Verified store, rows
# edited around the module count for nothing. Runs on the suite's provider (SQLite, or PostgreSQL with PIM_TEST_PROVIDER).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    # Monday 2026-06-01 08:00 UTC.
    $script:T0 = [datetime]::new(2026, 6, 1, 8, 0, 0, [DateTimeKind]::Utc)
    $script:Role = 'Security Reader'

    function New-ReviewStore {
        <# admin's Lab store with three eligible holders of Security Reader (user1..3), none of whom ever acted. #>
        Set-TestClock $T0
        $script:Store = Connect-TestStore -Principal 'admin@contoso.com'
        foreach ($u in 'user1', 'user2', 'user3') {
            New-PimEligibleAssignment -Principal "$u@contoso.com" -Role $Role -Duration 365d -Justification 'SOC rota' | Out-Null
        }
    }

    function Get-Holders { @(Get-PimAssignment -Role $Role | ForEach-Object Principal | Sort-Object) }

    # Verified stores: each person acts with their own key folder (XDG_DATA_HOME) under $TestDrive.
    function Use-TestUser([string] $Name) {
        $env:XDG_DATA_HOME = Join-Path $script:Users $Name
        $null = New-Item -ItemType Directory -Path $env:XDG_DATA_HOME -Force
    }
    function Connect-Verified([object] $Store, [string] $Principal) {
        $p = @{ Principal = $Principal; IdentityMode = 'Verified' }
        if ($Store.Provider -eq 'PostgreSql') { Connect-PimStore -ConnectionString $Store.ConnectionString -Provider PostgreSql @p | Out-Null }
        else { Connect-PimStore -Path $Store.Path @p | Out-Null }
    }
    function New-VerifiedReviewStore {
        <# admin's Verified store; reviewer@contoso.com has a key; user2 and user3 are eligible for Security Reader. #>
        $script:Users = Join-Path $TestDrive "users-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $script:VStore = New-TestStore
        Use-TestUser admin
        Connect-Verified $VStore 'admin@contoso.com'
        Use-TestUser reviewer
        $key = New-PimCredential -Principal 'reviewer@contoso.com'
        Use-TestUser admin
        $key | Register-PimCredential -Principal 'reviewer@contoso.com' | Out-Null
        New-PimEligibleAssignment -Principal 'user2@contoso.com' -Role 'Security Reader' -Permanent -Justification 'SOC' | Out-Null
        New-PimEligibleAssignment -Principal 'user3@contoso.com' -Role 'Security Reader' -Permanent -Justification 'SOC' | Out-Null
    }
}
AfterAll {
    Set-TestClock -Reset
    Remove-Item Env:XDG_DATA_HOME -ErrorAction SilentlyContinue
}

Describe 'A monthly access review, applied on time by maintenance (issue 16, done-when 2)' -Tag TestClock {
    BeforeEach { New-ReviewStore }

    It 'approves one holder, removes the denied and the recommended-deny through AdminRemove requests, and starts the next occurrence once' {
        $before = @{}
        Get-PimAssignment -Role $Role | ForEach-Object { $before[$_.Principal] = $_.AssignmentId }
        $review = New-PimAccessReview -Role $Role -AssignmentType Eligible -Reviewer 'manager@contoso.com' -Recurrence Monthly `
            -DefaultDecision Recommendation -AutoApply
        $review.Status | Should -Be 'InProgress'
        $review.StartDateTime | Should -Be $T0
        $review.EndDateTime | Should -Be $T0.AddDays(14)          # the default duration
        $review.ItemCount | Should -Be 3
        $review.Reviewers | Should -Be @('manager@contoso.com')
        $items = @(Get-PimAccessReviewItem -ReviewId $review.ReviewId)
        $items.Principal | Sort-Object | Should -Be @('user1@contoso.com', 'user2@contoso.com', 'user3@contoso.com')
        $items.Recommendation | Sort-Object -Unique | Should -Be 'Deny'   # none of them activated or acted in the 30 days before
        $items.Decision | Sort-Object -Unique | Should -Be 'NotReviewed'
        foreach ($i in $items) { $i.AssignmentId | Should -Be $before[$i.Principal] }
        # The reviewer, and only the reviewer, hears that the review started.
        $mails = @(Get-PimNotification | Where-Object Event -EQ 'AccessReviewStarted')
        $mails.Recipient | Should -Be @('manager@contoso.com')
        $mails[0].Body | Should -Match ([regex]::Escape("Get-PimAccessReviewItem -ReviewId $($review.ReviewId) -PendingMyDecision"))

        Set-TestClock $T0.AddDays(3)
        Connect-PimStore -Principal 'manager@contoso.com' | Out-Null
        $pending = @(Get-PimAccessReviewItem -PendingMyDecision)
        $pending.Count | Should -Be 3
        $pending | Where-Object Principal -EQ 'user1@contoso.com' | Set-PimAccessReviewDecision -Decision Approve -Justification 'Still on the rota' | Out-Null
        $denied = $pending | Where-Object Principal -EQ 'user2@contoso.com' | Set-PimAccessReviewDecision -Decision Deny -Justification 'Left the team'
        $denied.Decision | Should -Be 'Deny'
        $denied.ReviewedBy | Should -Be 'manager@contoso.com'
        $denied.ReviewedDateTime | Should -Be $T0.AddDays(3)
        @(Get-PimAccessReviewItem -PendingMyDecision).Principal | Should -Be @('user3@contoso.com')   # user3: unanswered
        Connect-PimStore -Principal 'admin@contoso.com' | Out-Null

        # Not yet due: maintenance applies nothing, nothing is removed.
        Set-TestClock $T0.AddDays(13)
        (Invoke-PimMaintenance).AccessReviewsCompleted | Should -Be 0
        Get-Holders | Should -Be @('user1@contoso.com', 'user2@contoso.com', 'user3@contoso.com')

        # On time: the first run after its end completes and applies it; the next run finds nothing to do.
        Set-TestClock $T0.AddDays(14).AddMinutes(5)
        (Get-PimAccessReview -ReviewId $review.ReviewId).Status | Should -Be 'Ended'
        $run = Invoke-PimMaintenance
        $run.AccessReviewsCompleted | Should -Be 1
        $run.AccessReviewsStarted | Should -Be 0
        (Invoke-PimMaintenance).AccessReviewsCompleted | Should -Be 0
        $done = Get-PimAccessReview -ReviewId $review.ReviewId
        $done.Status | Should -Be 'Completed'
        $done.CompletedBy | Should -Be 'admin@contoso.com'
        $done.CompletedDateTime | Should -Be $T0.AddDays(14).AddMinutes(5)
        $outcome = @{}
        Get-PimAccessReviewItem -ReviewId $review.ReviewId | ForEach-Object { $outcome[$_.Principal] = $_.Outcome }
        $outcome['user1@contoso.com'] | Should -Be 'Kept'
        $outcome['user2@contoso.com'] | Should -Be 'Removed'
        $outcome['user3@contoso.com'] | Should -Be 'Removed'      # no decision: the recommendation (Deny)
        Get-Holders | Should -Be @('user1@contoso.com')
        # Removed through request records, as Remove-PimAssignment removes them.
        $removals = @(Get-PimRequest -Action AdminRemove)
        $removals.Principal | Sort-Object | Should -Be @('user2@contoso.com', 'user3@contoso.com')
        $removals.AssignmentId | Sort-Object | Should -Be (@($before['user2@contoso.com'], $before['user3@contoso.com']) | Sort-Object)
        $removals.Status | Sort-Object -Unique | Should -Be 'Provisioned'
        (Get-PimAuditLog -Action AdminRemove).Count | Should -Be 2
        (Get-PimAuditLog -Action CreateAccessReview).Count | Should -Be 1
        (Get-PimAuditLog -Action DecideAccessReviewItem).Count | Should -Be 2
        (Get-PimAuditLog -Action CompleteAccessReview).Count | Should -Be 1
        # The holders who lost the role are told.
        @(Get-PimNotification | Where-Object Event -EQ 'AccessReviewRemoved').Recipient | Sort-Object | Should -Be @('user2@contoso.com', 'user3@contoso.com')

        # Between occurrences nothing starts; on the next month's date the next occurrence starts, once.
        Set-TestClock $T0.AddDays(25)
        (Invoke-PimMaintenance).AccessReviewsStarted | Should -Be 0
        Set-TestClock $T0.AddMonths(1).AddMinutes(10)
        (Invoke-PimMaintenance).AccessReviewsStarted | Should -Be 1
        (Invoke-PimMaintenance).AccessReviewsStarted | Should -Be 0
        $next = @(Get-PimAccessReview -Status InProgress)
        $next.Count | Should -Be 1
        $next[0].SeriesId | Should -Be $review.ReviewId
        $next[0].Occurrence | Should -Be 2
        $next[0].StartDateTime | Should -Be $T0.AddMonths(1).AddMinutes(10)
        $next[0].EndDateTime | Should -Be $T0.AddMonths(1).AddMinutes(10).AddDays(14)
        $next[0].DefaultDecision | Should -Be 'Recommendation'
        $next[0].AutoApply | Should -BeTrue
        @(Get-PimAccessReviewItem -ReviewId $next[0].ReviewId).Principal | Should -Be @('user1@contoso.com')   # the holders then
        @(Get-PimNotification | Where-Object Event -EQ 'AccessReviewStarted').Count | Should -Be 2
        (Get-PimAccessReview).Count | Should -Be 2
    }

    It 'recommends Approve only for holders who activated or acted in the 30 days before the review' {
        Set-PimRoleSetting -Role $Role -ActivationRequirement None -RequireJustification $false
        Set-TestClock $T0.AddDays(5)          # 35 days before the review: too long ago
        Connect-PimStore -Principal 'user2@contoso.com' | Out-Null
        Request-PimActivation -Role $Role -Duration 1h | Out-Null
        Set-TestClock $T0.AddDays(15)         # 25 days before the review
        Connect-PimStore -Principal 'user1@contoso.com' | Out-Null
        Request-PimActivation -Role $Role -Duration 1h | Out-Null
        Set-TestClock $T0.AddDays(40)
        Connect-PimStore -Principal 'admin@contoso.com' | Out-Null
        $review = New-PimAccessReview -Role $Role -Reviewer 'manager@contoso.com' -DefaultDecision Recommendation
        $rec = @{}
        Get-PimAccessReviewItem -ReviewId $review.ReviewId | ForEach-Object { $rec[$_.Principal] = $_.Recommendation }
        $rec.Count | Should -Be 3      # direct assignments only: the activations are no items
        $rec['user1@contoso.com'] | Should -Be 'Approve'
        $rec['user2@contoso.com'] | Should -Be 'Deny'
        $rec['user3@contoso.com'] | Should -Be 'Deny'
        Complete-PimAccessReview -ReviewId $review.ReviewId -Confirm:$false | Out-Null
        Get-Holders | Should -Be @('user1@contoso.com')
    }

    It 'without -AutoApply waits for an administrator; -DefaultDecision None leaves unanswered items unchanged' {
        $review = New-PimAccessReview -Role $Role -Reviewer 'manager@contoso.com' -Duration 7d
        Set-TestClock $T0.AddDays(8)
        (Invoke-PimMaintenance).AccessReviewsCompleted | Should -Be 0
        (Get-PimAccessReview -ReviewId $review.ReviewId).Status | Should -Be 'Ended'
        $review | Complete-PimAccessReview -Confirm:$false | ForEach-Object Status | Should -Be 'Completed'
        (Get-PimAccessReviewItem -ReviewId $review.ReviewId).Outcome | Sort-Object -Unique | Should -Be 'Unchanged'
        (Get-Holders).Count | Should -Be 3
        @(Get-PimRequest -Action AdminRemove).Count | Should -Be 0
    }

    It 'in a self review, each holder decides on their own item only' {
        $review = New-PimAccessReview -Role $Role -SelfReview -DefaultDecision Deny
        $review.SelfReview | Should -BeTrue
        @(Get-PimNotification | Where-Object Event -EQ 'AccessReviewStarted').Recipient | Sort-Object |
            Should -Be @('user1@contoso.com', 'user2@contoso.com', 'user3@contoso.com')
        $other = Get-PimAccessReviewItem -ReviewId $review.ReviewId | Where-Object Principal -EQ 'user2@contoso.com'
        Connect-PimStore -Principal 'user1@contoso.com' | Out-Null
        $mine = @(Get-PimAccessReviewItem -PendingMyDecision)
        $mine.Principal | Should -Be @('user1@contoso.com')
        $mine | Set-PimAccessReviewDecision -Decision Approve -Justification 'I run the weekly triage' | Out-Null
        # Of a self review each holder reads their own item only (docs/security.md, "Who may read what").
        @(Get-PimAccessReviewItem -ReviewId $review.ReviewId).Principal | Should -Be @('user1@contoso.com')
        $e = Get-Refusal { $other | Set-PimAccessReviewDecision -Decision Approve -Justification 'for a colleague' -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'PimAccessReviewNotReviewer,PimModule.Cmdlets.SetPimAccessReviewDecisionCommand'
        Connect-PimStore -Principal 'admin@contoso.com' | Out-Null
        Complete-PimAccessReview -ReviewId $review.ReviewId -Confirm:$false | Out-Null
        Get-Holders | Should -Be @('user1@contoso.com')
    }

    It 'quotes what it puts into a command in the mails it sends (a role name with a quote)' {
        New-PimRole -Name "Bob's Reader" | Out-Null
        New-PimEligibleAssignment -Principal 'user4@contoso.com' -Role "Bob's Reader" -Duration 90d -Justification 'x' | Out-Null
        $review = New-PimAccessReview -Role "Bob's Reader" -Reviewer 'manager@contoso.com' -DefaultDecision Deny
        Complete-PimAccessReview -ReviewId $review.ReviewId -Confirm:$false | Out-Null
        $mail = @(Get-PimNotification -Recipient 'user4@contoso.com' | Where-Object Event -EQ 'AccessReviewRemoved')
        $mail.Count | Should -Be 1
        $mail[0].Body | Should -Match ([regex]::Escape("-Role 'Bob''s Reader'"))
        @(Get-PimNotification -Recipient 'manager@contoso.com' | Where-Object Event -EQ 'AccessReviewStarted')[0].Subject | Should -Be "PIM: Access review of Bob's Reader — your decisions are needed"
    }

    It 'never removes the last administrator, whatever the review decided' {
        $review = New-PimAccessReview -Role 'Privileged Role Administrator' -AssignmentType Active -Reviewer 'manager@contoso.com'
        Connect-PimStore -Principal 'manager@contoso.com' | Out-Null
        Get-PimAccessReviewItem -PendingMyDecision | Set-PimAccessReviewDecision -Decision Deny -Justification 'test' | Out-Null
        Connect-PimStore -Principal 'admin@contoso.com' | Out-Null
        Complete-PimAccessReview -ReviewId $review.ReviewId -Confirm:$false | Out-Null
        (Get-PimAccessReviewItem -ReviewId $review.ReviewId).Outcome | Should -Be 'NotRemoved: PimLastAdministrator'
        (Get-PimAssignment -Role 'Privileged Role Administrator').Principal | Should -Be 'admin@contoso.com'
    }
}

Describe 'Access review refusals' -Tag TestClock {
    BeforeEach {
        New-ReviewStore
        New-PimEligibleAssignment -Principal 'manager@contoso.com' -Role $Role -Duration 365d -Justification 'SOC lead' | Out-Null
        $script:Review = New-PimAccessReview -Role $Role -Reviewer 'manager@contoso.com', 'lead@contoso.com'
        $script:Items = @{}
        Get-PimAccessReviewItem -ReviewId $Review.ReviewId | ForEach-Object { $Items[$_.Principal] = $_ }
    }

    It 'refuses a principal who is not an administrator to start or complete a review, and changes nothing' {
        $before = Get-StoreFingerprint
        Connect-PimStore -Principal 'user1@contoso.com' | Out-Null
        $e = Get-Refusal { New-PimAccessReview -Role $Role -SelfReview }
        $e.FullyQualifiedErrorId | Should -Be 'PimNotAuthorized,PimModule.Cmdlets.NewPimAccessReviewCommand'
        $e.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $e = Get-Refusal { Complete-PimAccessReview -ReviewId $Review.ReviewId -Confirm:$false }
        $e.FullyQualifiedErrorId | Should -Be 'PimNotAuthorized,PimModule.Cmdlets.CompletePimAccessReviewCommand'
        (Get-PimAccessReview).Count | Should -Be 0 # user1 reviews nothing, and reads no review
        Connect-PimStore -Principal 'admin@contoso.com' | Out-Null
        Get-StoreFingerprint | Should -Be $before
        (Get-PimAccessReview).Count | Should -Be 1
    }

    It 'refuses a decision by a principal who is not a reviewer (an administrator too), and changes nothing' {
        foreach ($who in 'user1@contoso.com', 'admin@contoso.com') {
            Connect-PimStore -Principal $who | Out-Null
            $before = Get-StoreFingerprint
            $e = Get-Refusal { Set-PimAccessReviewDecision -ItemId $Items['user2@contoso.com'].ItemId -Decision Approve -Justification 'x' }
            $e.FullyQualifiedErrorId | Should -Be 'PimAccessReviewNotReviewer,PimModule.Cmdlets.SetPimAccessReviewDecisionCommand'
            $e.CategoryInfo.Category | Should -Be 'PermissionDenied'
            $e.TargetObject | Should -Be $Items['user2@contoso.com'].ItemId
            Get-StoreFingerprint | Should -Be $before
            @(Get-PimAccessReviewItem -PendingMyDecision).Count | Should -Be 0
        }
        (Get-PimAccessReviewItem -ReviewId $Review.ReviewId).Decision | Sort-Object -Unique | Should -Be 'NotReviewed'
    }

    It 'refuses a named reviewer who decides on their own assignment' {
        Connect-PimStore -Principal 'manager@contoso.com' | Out-Null
        @(Get-PimAccessReviewItem -PendingMyDecision).Principal | Should -Not -Contain 'manager@contoso.com'
        $e = Get-Refusal { $Items['manager@contoso.com'] | Set-PimAccessReviewDecision -Decision Approve -Justification 'I need it' -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'PimAccessReviewOwnAssignment,PimModule.Cmdlets.SetPimAccessReviewDecisionCommand'
        # The other reviewer may.
        Connect-PimStore -Principal 'lead@contoso.com' | Out-Null
        ($Items['manager@contoso.com'] | Set-PimAccessReviewDecision -Decision Approve -Justification 'Runs the SOC').Decision | Should -Be 'Approve'
    }

    It 'refuses decisions on a review that was completed or has ended, and completing it twice' {
        Set-TestClock $T0.AddDays(1)
        Complete-PimAccessReview -ReviewId $Review.ReviewId -Confirm:$false | Out-Null
        Connect-PimStore -Principal 'manager@contoso.com' | Out-Null
        $before = Get-StoreFingerprint
        $e = Get-Refusal { Set-PimAccessReviewDecision -ItemId $Items['user1@contoso.com'].ItemId -Decision Deny -Justification 'after the fact' }
        $e.FullyQualifiedErrorId | Should -Be 'PimAccessReviewClosed,PimModule.Cmdlets.SetPimAccessReviewDecisionCommand'
        $e.Exception.Message | Should -Match 'completed'
        Get-StoreFingerprint | Should -Be $before
        Connect-PimStore -Principal 'admin@contoso.com' | Out-Null
        $e = Get-Refusal { Complete-PimAccessReview -ReviewId $Review.ReviewId -Confirm:$false }
        $e.FullyQualifiedErrorId | Should -Be 'PimAccessReviewClosed,PimModule.Cmdlets.CompletePimAccessReviewCommand'
        (Get-Holders).Count | Should -Be 4
        # A review whose end passed takes no decision, completed or not.
        $short = New-PimAccessReview -Role $Role -Reviewer 'manager@contoso.com' -Duration 1d
        $item = Get-PimAccessReviewItem -ReviewId $short.ReviewId | Where-Object Principal -EQ 'user1@contoso.com'
        Set-TestClock $T0.AddDays(2).AddSeconds(1)
        Connect-PimStore -Principal 'manager@contoso.com' | Out-Null
        @(Get-PimAccessReviewItem -PendingMyDecision).Count | Should -Be 0
        $before = Get-StoreFingerprint
        $e = Get-Refusal { $item | Set-PimAccessReviewDecision -Decision Approve -Justification 'late' -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'PimAccessReviewClosed,PimModule.Cmdlets.SetPimAccessReviewDecisionCommand'
        $e.Exception.Message | Should -Match 'ended'
        Get-StoreFingerprint | Should -Be $before
    }

    It 'decides the items that pass and refuses each of the others on its own (pipeline)' {
        Connect-PimStore -Principal 'manager@contoso.com' | Out-Null
        $decided = Get-PimAccessReviewItem -ReviewId $Review.ReviewId |
            Set-PimAccessReviewDecision -Decision Deny -Justification 'Quarterly clean-up' -ErrorAction SilentlyContinue -ErrorVariable refused
        @($decided).Principal | Sort-Object | Should -Be @('user1@contoso.com', 'user2@contoso.com', 'user3@contoso.com')
        @($refused).Count | Should -Be 1
        $refused[0].FullyQualifiedErrorId | Should -Be 'PimAccessReviewOwnAssignment,PimModule.Cmdlets.SetPimAccessReviewDecisionCommand'
    }

    It 'refuses bad parameters by name: <Name>' -ForEach @(
        @{ Name = 'a weekly review open longer than a week'; Id = 'PimAccessReviewInvalid'; Call = { New-PimAccessReview -Role 'Security Reader' -Reviewer 'm@contoso.com' -Recurrence Weekly -Duration 10d } }
        @{ Name = 'a review open less than a day'; Id = 'PimAccessReviewInvalid'; Call = { New-PimAccessReview -Role 'Security Reader' -Reviewer 'm@contoso.com' -Duration 12h } }
        @{ Name = 'a one-time review open longer than 180 days'; Id = 'PimAccessReviewInvalid'; Call = { New-PimAccessReview -Role 'Security Reader' -Reviewer 'm@contoso.com' -Duration 200d } }
        @{ Name = 'a negative duration'; Id = 'PimDurationInvalid'; Call = { New-PimAccessReview -Role 'Security Reader' -Reviewer 'm@contoso.com' -Duration ([timespan]::FromDays(-1)) } }
        @{ Name = 'a role that does not exist'; Id = 'PimRoleNotFound'; Call = { New-PimAccessReview -Role 'No Such Role' -Reviewer 'm@contoso.com' } }
        @{ Name = 'a reviewer with a control character'; Id = 'PimInputInvalid'; Call = { New-PimAccessReview -Role 'Security Reader' -Reviewer "m@contoso.com`n" } }
        @{ Name = 'a reviewer that is not a principal'; Id = 'PimPrincipalInvalid'; Call = { New-PimAccessReview -Role 'Security Reader' -Reviewer 'not a principal' } }
        @{ Name = 'too many reviewers'; Id = 'PimInputTooLong'; Call = { New-PimAccessReview -Role 'Security Reader' -Reviewer (1..51 | ForEach-Object { "r$_@contoso.com" }) } }
        @{ Name = '-Reviewer with -SelfReview'; Id = 'AmbiguousParameterSet'; Call = { New-PimAccessReview -Role 'Security Reader' -Reviewer 'm@contoso.com' -SelfReview } }
        @{ Name = 'an unknown recurrence'; Id = 'CannotConvertArgumentNoMessage'; Call = { New-PimAccessReview -Role 'Security Reader' -SelfReview -Recurrence Daily } }
        @{ Name = 'an unknown decision'; Id = 'ParameterArgumentValidationError'; Call = { Set-PimAccessReviewDecision -ItemId ([guid]::NewGuid()) -Decision NotReviewed -Justification 'x' } }
        @{ Name = 'a blank justification'; Id = 'PimAccessReviewInvalid'; Call = { Set-PimAccessReviewDecision -ItemId ([guid]::NewGuid()) -Decision Approve -Justification '   ' } }
        @{ Name = 'a justification too long'; Id = 'PimInputTooLong'; Call = { Set-PimAccessReviewDecision -ItemId ([guid]::NewGuid()) -Decision Approve -Justification ('x' * 501) } }
        @{ Name = 'an item that does not exist'; Id = 'PimAccessReviewItemNotFound'; Call = { Set-PimAccessReviewDecision -ItemId ([guid]::NewGuid()) -Decision Approve -Justification 'x' } }
        @{ Name = 'completing a review that does not exist'; Id = 'PimAccessReviewNotFound'; Call = { Complete-PimAccessReview -ReviewId ([guid]::NewGuid()) -Confirm:$false } }
    ) {
        $before = Get-StoreFingerprint
        $e = Get-Refusal $Call
        $e | Should -Not -BeNullOrEmpty
        $e.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        Get-StoreFingerprint | Should -Be $before
        (Get-PimAccessReview).Count | Should -Be 1
    }

    It 'lists an unknown review as a non-terminating PimAccessReviewNotFound' {
        $id = [guid]::NewGuid()
        Get-PimAccessReview -ReviewId $id -ErrorAction SilentlyContinue -ErrorVariable missing | Should -BeNullOrEmpty
        $missing[0].FullyQualifiedErrorId | Should -Be 'PimAccessReviewNotFound,PimModule.Cmdlets.GetPimAccessReviewCommand'
        Get-PimAccessReviewItem -ReviewId $id -ErrorAction SilentlyContinue -ErrorVariable missingItems | Should -BeNullOrEmpty
        $missingItems[0].FullyQualifiedErrorId | Should -Be 'PimAccessReviewNotFound,PimModule.Cmdlets.GetPimAccessReviewItemCommand'
    }

    It '-WhatIf starts, decides and completes nothing' {
        New-PimAccessReview -Role $Role -SelfReview -WhatIf | Should -BeNullOrEmpty
        (Get-PimAccessReview).Count | Should -Be 1
        Connect-PimStore -Principal 'manager@contoso.com' | Out-Null
        Set-PimAccessReviewDecision -ItemId $Items['user1@contoso.com'].ItemId -Decision Deny -Justification 'x' -WhatIf | Should -BeNullOrEmpty
        Connect-PimStore -Principal 'lead@contoso.com' | Out-Null
        $Items['user2@contoso.com'] | Set-PimAccessReviewDecision -Decision Deny -Justification 'Gone' | Out-Null
        Connect-PimStore -Principal 'admin@contoso.com' | Out-Null
        $before = Get-StoreFingerprint
        Complete-PimAccessReview -ReviewId $Review.ReviewId -WhatIf | Should -BeNullOrEmpty
        Get-StoreFingerprint | Should -Be $before
        (Get-PimAccessReview -ReviewId $Review.ReviewId).Status | Should -Be 'InProgress'
        (Get-Holders).Count | Should -Be 4
        (Get-PimAccessReviewItem -ReviewId $Review.ReviewId | Where-Object Principal -EQ 'user1@contoso.com').Decision | Should -Be 'NotReviewed'
    }
}

Describe 'A recurring -AutoApply review in a Verified store, on the test clock' -Tag TestClock {
    It 'is applied and started again by an administrator''s maintenance, skipped by anyone else''s, and every record verifies' {
        Set-TestClock $T0
        New-VerifiedReviewStore
        $review = New-PimAccessReview -Role 'Security Reader' -Reviewer 'reviewer@contoso.com' -Recurrence Monthly -DefaultDecision Recommendation -AutoApply
        Use-TestUser reviewer
        Connect-Verified $VStore 'reviewer@contoso.com'
        Get-PimAccessReviewItem -PendingMyDecision | Where-Object Principal -EQ 'user2@contoso.com' |
            Set-PimAccessReviewDecision -Decision Approve -Justification 'On the rota' | Out-Null
        Set-TestClock $T0.AddDays(15)
        # A scheduler without an administrator's key applies nothing (its records would count for nothing).
        $run = Invoke-PimMaintenance
        $run.AccessReviewsCompleted | Should -Be 0
        (Get-PimAccessReview -ReviewId $review.ReviewId).Status | Should -Be 'Ended'
        Use-TestUser admin
        Connect-Verified $VStore 'admin@contoso.com'
        (Invoke-PimMaintenance).AccessReviewsCompleted | Should -Be 1
        (Get-PimAssignment -Role 'Security Reader').Principal | Should -Be @('user2@contoso.com')   # user3: recommended Deny
        Set-TestClock $T0.AddMonths(1).AddHours(1)
        (Invoke-PimMaintenance).AccessReviewsStarted | Should -Be 1
        (Invoke-PimMaintenance).AccessReviewsStarted | Should -Be 0
        $next = Get-PimAccessReview -Status InProgress
        $next.Occurrence | Should -Be 2
        (Get-PimAccessReviewItem -ReviewId $next.ReviewId).Principal | Should -Be @('user2@contoso.com')
        $check = Test-PimAuditLog
        $check.IsValid | Should -BeTrue
        $check.Disagreements | Should -BeNullOrEmpty
    }
}

# In a Verified store only what the verified log holds counts: a reviewer who edits rows around the module gets nothing.
Describe 'Access reviews in a Verified store' -Tag Hostile {
    AfterAll { Remove-Item Env:XDG_DATA_HOME -ErrorAction SilentlyContinue }

    BeforeEach {
        New-VerifiedReviewStore
        $script:VReview = New-PimAccessReview -Role 'Security Reader' -Reviewer 'reviewer@contoso.com' -DefaultDecision None
    }

    It 'applies the decisions the verified log holds, sealed by their reviewer' {
        Use-TestUser reviewer
        Connect-Verified $VStore 'reviewer@contoso.com'
        Get-PimAccessReviewItem -PendingMyDecision | Where-Object Principal -EQ 'user3@contoso.com' |
            Set-PimAccessReviewDecision -Decision Deny -Justification 'Left' | Out-Null
        Use-TestUser admin
        Connect-Verified $VStore 'admin@contoso.com'
        Complete-PimAccessReview -ReviewId $VReview.ReviewId -Confirm:$false | Out-Null
        (Get-PimAssignment -Role 'Security Reader').Principal | Should -Be @('user2@contoso.com')
        $check = Test-PimAuditLog
        $check.IsValid | Should -BeTrue
        $check.Disagreements | Should -BeNullOrEmpty
    }

    It 'does not apply a decision a reviewer wrote into the rows with SQL, and refuses to act on the edited row' {
        $item = Get-PimAccessReviewItem -ReviewId $VReview.ReviewId | Where-Object Principal -EQ 'user2@contoso.com'
        # The reviewer, instead of deciding through PimModule (a sealed, audited record), edits the row.
        Invoke-Sql -Store $VStore -Sql "UPDATE access_review_items SET decision = 'Deny', reviewed_by = 'reviewer@contoso.com', justification = 'edited' WHERE item_id = '$($item.ItemId)'" | Out-Null
        # A row the verified log does not hold is not listed, and nobody can act on it.
        @(Get-PimAccessReviewItem -ReviewId $VReview.ReviewId).Principal | Should -Be @('user3@contoso.com')
        Use-TestUser reviewer
        Connect-Verified $VStore 'reviewer@contoso.com'
        $e = Get-Refusal { Set-PimAccessReviewDecision -ItemId $item.ItemId -Decision Deny -Justification 'again' }
        $e.FullyQualifiedErrorId | Should -Be 'PimAccessReviewUnverified,PimModule.Cmdlets.SetPimAccessReviewDecisionCommand'
        $e.CategoryInfo.Category | Should -Be 'SecurityError'
        Use-TestUser admin
        Connect-Verified $VStore 'admin@contoso.com'
        Complete-PimAccessReview -ReviewId $VReview.ReviewId -Confirm:$false | Out-Null
        # Test-PimAuditLog names the edited row.
        $check = Test-PimAuditLog
        $check.IsValid | Should -BeFalse
        ($check.Disagreements | Where-Object Kind -EQ 'AccessReviewItem').Id | Should -Be $item.ItemId.ToString()
        # The verified decision is NotReviewed, and the default decision None keeps it.
        (Get-PimAssignment -Role 'Security Reader').Principal | Sort-Object | Should -Be @('user2@contoso.com', 'user3@contoso.com')
        @(Get-PimRequest -Action AdminRemove).Count | Should -Be 0
    }

    It 'does not apply a review written into the rows around the module' {
        # Someone with write access marks the review to be applied by maintenance, ended, with every item denied by default.
        Invoke-Sql -Store $VStore -Sql "UPDATE access_reviews SET auto_apply = 1, default_decision = 'Deny', end_utc = 1 WHERE review_id = '$($VReview.ReviewId)'" | Out-Null
        (Invoke-PimMaintenance).AccessReviewsCompleted | Should -Be 0
        @(Get-PimAccessReview).Count | Should -Be 0       # not as the verified log has it: not listed
        $e = Get-Refusal { Complete-PimAccessReview -ReviewId $VReview.ReviewId -Confirm:$false }
        $e.FullyQualifiedErrorId | Should -Be 'PimAccessReviewUnverified,PimModule.Cmdlets.CompletePimAccessReviewCommand'
        (Get-PimAssignment -Role 'Security Reader').Count | Should -Be 2
    }

    It 'does not believe a recurring review whose schedule was edited with SQL (<Column>), and reports the row' -ForEach @(
        @{ Column = 'duration_ticks'; Set = 'duration_ticks = 1' }    # the next occurrence would end one tick after it starts
        @{ Column = 'occurrence'; Set = 'occurrence = 99999' }        # the series would believe it had run 99,999 times
    ) {
        $weekly = New-PimAccessReview -Role 'Security Reader' -Reviewer 'reviewer@contoso.com' -Recurrence Weekly -Duration 3d -DefaultDecision Deny -AutoApply
        Invoke-Sql -Store $VStore -Sql "UPDATE access_reviews SET $Set WHERE review_id = '$($weekly.ReviewId)'" | Out-Null
        # The edited row is not the review the log has: not listed, nothing to act on, and reported by its id.
        @(Get-PimAccessReview).ReviewId | Should -Not -Contain $weekly.ReviewId
        @(Get-PimAccessReview -ReviewId $weekly.ReviewId -ErrorAction SilentlyContinue).Count | Should -Be 0
        $e = Get-Refusal { Complete-PimAccessReview -ReviewId $weekly.ReviewId -Confirm:$false }
        $e.FullyQualifiedErrorId | Should -Be 'PimAccessReviewUnverified,PimModule.Cmdlets.CompletePimAccessReviewCommand'
        $check = Test-PimAuditLog -WarningAction SilentlyContinue
        $check.IsValid | Should -BeFalse
        ($check.Disagreements | Where-Object Kind -EQ 'AccessReview').Id | Should -Contain $weekly.ReviewId.ToString()
        # The untouched review is still believed.
        @(Get-PimAccessReview).ReviewId | Should -Contain $VReview.ReviewId
    }
}
