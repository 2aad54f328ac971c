# Groups of the directory (issue 31, first part): New-PimGroup, Get-PimGroup, Remove-PimGroup, Add-/Remove-/Get-PimGroupMember.
# Entra's rules (one object id per group, 500 role-assignable groups at most, no group in a role-assignable group, no group its
# own member) and who may change them (administrators). What a Verified store makes of rows and records written around the
# module is in Hostile.Tests.ps1 ("Groups, around the module").
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
}

Describe 'Groups' {
    BeforeEach { $null = Connect-TestStore -Principal 'admin@contoso.com' }

    It 'makes a role-assignable group and a security group, each its own key, audited' {
        $soc = New-PimGroup -Name 'Security Operations' -Description 'SOC' -IsAssignableToRole
        $help = New-PimGroup -Name 'Helpdesk'
        $soc.IsAssignableToRole | Should -BeTrue
        $help.IsAssignableToRole | Should -BeFalse
        $soc.Key | Should -Be "group:$($soc.Id)"
        $soc.CreatedBy | Should -Be 'admin@contoso.com'
        (Get-PimGroup).DisplayName | Should -Be @('Helpdesk', 'Security Operations')
        (Get-PimGroup -IsAssignableToRole).Id | Should -Be $soc.Id
        (Get-PimGroup 'Security*').Id | Should -Be $soc.Id
        (Get-PimGroup -Id $help.Id).DisplayName | Should -Be 'Helpdesk'
        (Get-PimAuditLog -Action CreateGroup).TargetId | Should -Be @($soc.Id.ToString(), $help.Id.ToString())
        $e = Get-Refusal { Get-PimGroup -Name 'No Such Group' -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'PimGroupNotFound,PimModule.Cmdlets.GetPimGroupCommand'
    }

    It 'adds and removes users and groups as members, each its own change' {
        $soc = New-PimGroup -Name 'Security Operations' -IsAssignableToRole
        $help = New-PimGroup -Name 'Helpdesk'
        $support = New-PimGroup -Name 'All Support'
        $added = Add-PimGroupMember -Group 'Security Operations' -Principal 'user1@contoso.com', 'User2@Contoso.com' -PassThru
        $added.Principal | Should -Be @('user1@contoso.com', 'User2@Contoso.com')
        Add-PimGroupMember -Group $support.Id -Principal $help.Key
        $members = Get-PimGroupMember -Group 'All Support'
        $members.MemberType | Should -Be 'Group'
        $members.DisplayName | Should -Be 'Helpdesk'
        (Get-PimGroup -Id $soc.Id).MemberCount | Should -Be 2
        # The same user by another spelling is the same member (one canonical key).
        $e = Get-Refusal { Add-PimGroupMember -Group 'Security Operations' -Principal 'USER1@contoso.com' -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'PimGroupMemberExists,PimModule.Cmdlets.AddPimGroupMemberCommand'
        Get-PimGroupMember -Group $soc | Where-Object Principal -eq 'user1@contoso.com' | Remove-PimGroupMember -Confirm:$false
        (Get-PimGroupMember -Group $soc).Principal | Should -Be 'User2@Contoso.com'
        $e = Get-Refusal { Remove-PimGroupMember -Group $soc.Id -Principal 'user1@contoso.com' -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'PimGroupMemberNotFound,PimModule.Cmdlets.RemovePimGroupMemberCommand'
        (Get-PimAuditLog -Action AddGroupMember, RemoveGroupMember).Action | Should -Be @('AddGroupMember', 'AddGroupMember', 'AddGroupMember', 'RemoveGroupMember')
    }

    It 'refuses <Case>, and changes nothing' -ForEach @(
        @{ Case = 'a group as a member of a role-assignable group'; Id = 'PimGroupMemberInvalid'; Cmdlet = 'AddPimGroupMemberCommand'
            Act = { Add-PimGroupMember -Group 'Security Operations' -Principal $script:Help.Key -ErrorAction Stop } }
        @{ Case = 'a group as its own member'; Id = 'PimGroupMemberInvalid'; Cmdlet = 'AddPimGroupMemberCommand'
            Act = { Add-PimGroupMember -Group 'Helpdesk' -Principal $script:Help.Key -ErrorAction Stop } }
        @{ Case = 'a loop through another group'; Id = 'PimGroupMemberInvalid'; Cmdlet = 'AddPimGroupMemberCommand'
            Act = { Add-PimGroupMember -Group 'Helpdesk' -Principal $script:Support.Key -ErrorAction Stop } }
        @{ Case = 'an object id another group has'; Id = 'PimGroupExists'; Cmdlet = 'NewPimGroupCommand'
            Act = { New-PimGroup -Name 'Copy' -Id $script:Help.Id -ErrorAction Stop } }
        @{ Case = 'a name two groups share'; Id = 'PimGroupAmbiguous'; Cmdlet = 'AddPimGroupMemberCommand'
            Act = { New-PimGroup -Name 'helpdesk' | Out-Null; Add-PimGroupMember -Group 'Helpdesk' -Principal 'user9@contoso.com' -ErrorAction Stop } }
        @{ Case = 'a control character in a name'; Id = 'PimInputInvalid'; Cmdlet = 'NewPimGroupCommand'
            Act = { New-PimGroup -Name "Help`u{0007}desk" -ErrorAction Stop } }
        @{ Case = 'a name that reads as another group''s key'; Id = 'PimInputValueInvalid'; Cmdlet = 'NewPimGroupCommand'
            Act = { New-PimGroup -Name $script:Help.Key -ErrorAction Stop } }
        @{ Case = 'a name that reads as an object id'; Id = 'PimInputValueInvalid'; Cmdlet = 'NewPimGroupCommand'
            Act = { New-PimGroup -Name $script:Help.Id.ToString() -ErrorAction Stop } }
        @{ Case = 'an account name that is also a group''s name, as a member'; Id = 'PimGroupAmbiguous'; Cmdlet = 'AddPimGroupMemberCommand'
            Act = { Add-PimGroupMember -Group 'All Support' -Principal 'helpdesk' -ErrorAction Stop } }
        @{ Case = 'a member group that does not exist'; Id = 'PimGroupNotFound'; Cmdlet = 'AddPimGroupMemberCommand'
            Act = { Add-PimGroupMember -Group 'Helpdesk' -Principal "group:$([guid]::NewGuid())" -ErrorAction Stop } }
    ) {
        $null = New-PimGroup -Name 'Security Operations' -IsAssignableToRole
        $script:Help = New-PimGroup -Name 'Helpdesk'
        $script:Support = New-PimGroup -Name 'All Support'
        Add-PimGroupMember -Group 'All Support' -Principal $script:Help.Key
        $before = Get-StoreFingerprint
        if ($Case -eq 'a name two groups share') {
            $null = New-PimGroup -Name 'helpdesk'
            $before = Get-StoreFingerprint
            $Act = { Add-PimGroupMember -Group 'Helpdesk' -Principal 'user9@contoso.com' -ErrorAction Stop }
        }
        $e = Get-Refusal $Act
        $e.FullyQualifiedErrorId | Should -Be "$Id,PimModule.Cmdlets.$Cmdlet"
        $e.Exception.Message | Should -Not -BeNullOrEmpty
        Get-StoreFingerprint | Should -Be $before
    }

    It 'never takes a group for a user of the same name, nor a user for a group' {
        $named = New-PimGroup -Name 'user1@contoso.com'
        $team = New-PimGroup -Name 'Team'
        $m = Add-PimGroupMember -Group 'Team' -Principal 'user1@contoso.com' -PassThru
        $m.MemberType | Should -Be 'User'
        $m.Principal | Should -Be 'user1@contoso.com'
        # By its key or id the group is the group; its name given as a principal is the user.
        (Add-PimGroupMember -Group 'Team' -Principal $named.Id -PassThru).MemberType | Should -Be 'Group'
        (Get-PimGroupMember -Group $team).Principal | Should -Be @('user1@contoso.com', $named.Key)
    }

    It 'removes a group with its memberships and its membership of other groups' {
        $help = New-PimGroup -Name 'Helpdesk'
        $support = New-PimGroup -Name 'All Support'
        Add-PimGroupMember -Group $help.Id -Principal 'user1@contoso.com'
        Add-PimGroupMember -Group $support.Id -Principal $help.Key
        Get-PimGroup 'Helpdesk' | Remove-PimGroup -Confirm:$false
        Get-PimGroup | ForEach-Object DisplayName | Should -Be 'All Support'
        Get-PimGroupMember -Group $support | Should -BeNullOrEmpty
        (Get-PimAuditLog -Action RemoveGroup).TargetId | Should -Be $help.Id.ToString()
        $e = Get-Refusal { Remove-PimGroup -Group $help.Id -Confirm:$false -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'PimGroupNotFound,PimModule.Cmdlets.RemovePimGroupCommand'
    }

    It 'keeps at most 500 role-assignable groups; other groups go on' {
        $store = $global:PimTestStore
        $values = (1..500 | ForEach-Object { "('$([guid]::NewGuid())', 'ra $_', 'ra $_', NULL, 1, 'admin@contoso.com', 0)" }) -join ', '
        $null = Invoke-Sql -Store $store -Sql "INSERT INTO groups (id, display_name, name_key, description, is_assignable_to_role, created_by, created_utc) VALUES $values"
        $before = Get-StoreFingerprint
        $e = Get-Refusal { New-PimGroup -Name 'One Too Many' -IsAssignableToRole -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'PimGroupLimitReached,PimModule.Cmdlets.NewPimGroupCommand'
        $e.CategoryInfo.Category | Should -Be 'LimitsExceeded'
        Get-StoreFingerprint | Should -Be $before
        (New-PimGroup -Name 'Ordinary').IsAssignableToRole | Should -BeFalse
    }

    It 'lets only an administrator change groups' {
        $help = New-PimGroup -Name 'Helpdesk'
        $null = Connect-TestStore -Store $global:PimTestStore -Principal 'user1@contoso.com'
        $before = Get-StoreFingerprint
        foreach ($act in { New-PimGroup -Name 'Mine' -IsAssignableToRole -ErrorAction Stop },
                         { Add-PimGroupMember -Group 'Helpdesk' -Principal 'user1@contoso.com' -ErrorAction Stop },
                         { Remove-PimGroup -Group 'Helpdesk' -Confirm:$false -ErrorAction Stop }) {
            (Get-Refusal $act).Exception.ErrorId | Should -Be 'PimNotAuthorized'
        }
        Get-StoreFingerprint | Should -Be $before
        (Get-PimGroup).DisplayName | Should -Be 'Helpdesk'   # anyone reads the directory
    }
}

Describe 'Groups holding roles' {
    BeforeEach {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        $script:Soc = New-PimGroup -Name 'Security Operations' -IsAssignableToRole
        $script:Plain = New-PimGroup -Name 'Plain Group'
    }

    It 'gives its members the role it holds actively, named as the path, and takes it away with the membership' {
        $a = New-PimActiveAssignment -Principal 'Security Operations' -Role 'Security Reader' -Permanent -Justification 'the SOC holds it'
        $a.Principal | Should -Be $script:Soc.Key
        Test-PimAccess -Principal 'user1@contoso.com' -Role 'Security Reader' | Should -BeFalse
        Add-PimGroupMember -Group $script:Soc.Id -Principal 'user1@contoso.com'
        Test-PimAccess -Principal 'user1@contoso.com' -Role 'Security Reader' | Should -BeTrue
        Test-PimAccess -Principal 'user2@contoso.com' -Role 'Security Reader' | Should -BeFalse
        $d = Test-PimAccess -Principal 'user1@contoso.com' -Role 'Security Reader' -Detailed
        $d.Reason | Should -Be 'Granted'
        $d.Detail | Should -Match "through the group 'Security Operations' \($([regex]::Escape($script:Soc.Key))\)"
        $d.Assignment.AssignmentId | Should -Be $a.AssignmentId
        $d.Assignment.Via | Should -Be 'Security Operations'
        # Before the membership was made, the group gave user1 nothing.
        Test-PimAccess -Principal 'user1@contoso.com' -Role 'Security Reader' -AsOf ([datetime]::UtcNow.AddDays(-1)) | Should -BeFalse
        $mine = Get-PimAssignment -Principal 'user1@contoso.com'
        $mine.AssignmentId | Should -Be $a.AssignmentId
        $mine.Via | Should -Be 'Security Operations'
        Get-PimAssignment -Principal 'user1@contoso.com' -AsOf ([datetime]::UtcNow.AddDays(-1)) | Should -BeNullOrEmpty   # not a member then
        (Get-PimAssignment -Principal $script:Soc.Key).Via | Should -BeNullOrEmpty
        Remove-PimGroupMember -Group $script:Soc.Id -Principal 'user1@contoso.com' -Confirm:$false
        Test-PimAccess -Principal 'user1@contoso.com' -Role 'Security Reader' | Should -BeFalse
        Get-PimAssignment -Principal 'user1@contoso.com' | Should -BeNullOrEmpty
    }

    It 'refuses <Case>, and changes nothing' -ForEach @(
        @{ Case = 'a role for a group that is not role-assignable'; Id = 'PimGroupNotRoleAssignable'; Act = { New-PimActiveAssignment -Principal $script:Plain.Key -Role 'Security Reader' -Permanent -Justification 'x' -ErrorAction Stop } }
        @{ Case = 'an eligible assignment of a group (not made yet)'; Id = 'PimGroupRoleNotSupported'; Act = { New-PimEligibleAssignment -Principal $script:Soc.Key -Role 'Security Reader' -Permanent -Justification 'x' -ErrorAction Stop } }
        @{ Case = 'an administrator role for a group (not made yet)'; Id = 'PimGroupRoleNotSupported'; Act = { New-PimActiveAssignment -Principal $script:Soc.Key -Role 'Privileged Role Administrator' -Permanent -Justification 'x' -ErrorAction Stop } }
        @{ Case = 'an account name that is also a group''s name'; Id = 'PimGroupAmbiguous'; Act = { New-PimActiveAssignment -Principal 'Tier0' -Role 'Security Reader' -Duration 1d -Justification 'x' -ErrorAction Stop } }
    ) {
        if ($Case -like 'an account name*') { $null = New-PimGroup -Name 'Tier0' -IsAssignableToRole }
        $before = Get-StoreFingerprint
        $e = Get-Refusal $Act
        $e.Exception.ErrorId | Should -Be $Id
        $e.Exception.Message | Should -Match 'Nothing was assigned|must name one principal'
        Get-StoreFingerprint | Should -Be $before
    }

    It 'lets no reviewer decide on a group''s assignment they hold through the group' {
        $null = New-PimActiveAssignment -Principal $script:Soc.Key -Role 'Security Reader' -Permanent -Justification 'the SOC holds it'
        Add-PimGroupMember -Group $script:Soc.Id -Principal 'user1@contoso.com'
        $review = New-PimAccessReview -Role 'Security Reader' -AssignmentType Active -Reviewer 'user1@contoso.com' -Duration 7d
        $null = Connect-TestStore -Store $global:PimTestStore -Principal 'user1@contoso.com'
        $before = Get-StoreFingerprint
        $e = Get-Refusal { Get-PimAccessReviewItem -ReviewId $review.ReviewId | Set-PimAccessReviewDecision -Decision Approve -Justification 'keep' -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -BeLike 'PimAccessReviewOwnAssignment,*'
        Get-StoreFingerprint | Should -Be $before
    }

    It 'keeps a group that holds roles until they are removed' {
        $a = New-PimActiveAssignment -Principal $script:Soc.Key -Role 'Security Reader' -Permanent -Justification 'x'
        $before = Get-StoreFingerprint
        $e = Get-Refusal { Remove-PimGroup -Group $script:Soc.Id -Confirm:$false -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'PimGroupInUse,PimModule.Cmdlets.RemovePimGroupCommand'
        Get-StoreFingerprint | Should -Be $before
        Remove-PimAssignment -AssignmentId $a.AssignmentId -Confirm:$false
        Remove-PimGroup -Group $script:Soc.Id -Confirm:$false
        Get-PimGroup -Id $script:Soc.Id -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'takes a user principal name as the user, never a group named so, and a name with a space as the one group' {
        $null = New-PimGroup -Name 'user9@contoso.com' -IsAssignableToRole
        (New-PimActiveAssignment -Principal 'user9@contoso.com' -Role 'Security Reader' -Duration 30d -Justification 'x').Principal | Should -Be 'user9@contoso.com'
        (New-PimActiveAssignment -Principal 'security operations' -Role 'Global Reader' -Permanent -Justification 'x').Principal | Should -Be $script:Soc.Key
        $e = Get-Refusal { New-PimActiveAssignment -Principal 'No Such Group' -Role 'Global Reader' -Permanent -Justification 'x' -ErrorAction Stop }
        $e.Exception.ErrorId | Should -Be 'PimPrincipalInvalid'
    }
}
