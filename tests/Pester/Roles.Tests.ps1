BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
}

Describe 'The role catalogue' {
    BeforeAll { $null = Connect-TestStore -Principal 'admin@contoso.com' }

    It 'holds at least 60 built-in roles with unique names and ids' {
        $roles = Get-PimRole
        $roles.Count | Should -BeGreaterOrEqual 60
        ($roles.Id | Sort-Object -Unique).Count | Should -Be $roles.Count
        ($roles.Name | Sort-Object -Unique).Count | Should -Be $roles.Count
        $roles | Where-Object { -not $_.IsBuiltIn } | Should -BeNullOrEmpty
        $roles | Where-Object { -not $_.Description } | Should -BeNullOrEmpty
    }

    It 'carries the real Entra template id of <Name>' -ForEach @(
        @{ Name = 'Global Administrator'; Id = '62e90394-69f5-4237-9190-012177145e10' }
        @{ Name = 'Privileged Role Administrator'; Id = 'e8611ab8-c189-46e8-94e1-60213ab1f814' }
        @{ Name = 'Security Reader'; Id = '5d6b6bb7-de71-4623-b4af-96380a352509' }
        @{ Name = 'Security Administrator'; Id = '194ae4cb-b126-40b2-bd5b-6091b380977d' }
        @{ Name = 'User Administrator'; Id = 'fe930be7-5e62-47db-91af-98c3a49a38b1' }
        @{ Name = 'Exchange Administrator'; Id = '29232cdf-9323-42fd-ade2-1d097af3e4de' }
        @{ Name = 'Helpdesk Administrator'; Id = '729827e3-9c14-49f7-bb1b-9608f156bbb8' }
        @{ Name = 'Global Reader'; Id = 'f2ef992c-3afb-46b9-b7cf-a126ee74c451' }
    ) {
        $role = Get-PimRole -Name $Name
        $role.Id | Should -Be ([guid]$Id)
        $role.IsBuiltIn | Should -BeTrue
        (Get-PimRole -Id $Id).Name | Should -Be $Name
    }

    It 'marks privileged roles' {
        (Get-PimRole 'Global Administrator').IsPrivileged | Should -BeTrue
        (Get-PimRole 'Message Center Reader').IsPrivileged | Should -BeFalse
    }

    It 'matches names case-insensitively and with wildcards' {
        (Get-PimRole 'security reader').Name | Should -Be 'Security Reader'
        $security = Get-PimRole 'Security*'
        $security.Name | Should -Contain 'Security Reader'
        $security.Name | Should -Contain 'Security Administrator'
        $security.Name | Should -Not -Contain 'Global Administrator'
        Get-PimRole 'Zzz*' | Should -BeNullOrEmpty
    }

    It 'takes names from the pipeline' {
        ('Security Reader', 'Global Administrator' | Get-PimRole).Count | Should -Be 2
    }

    It 'writes PimRoleNotFound for a name that matches nothing, and goes on with the others' {
        $found = Get-PimRole 'No Such Role', 'Security Reader' -ErrorVariable errs -ErrorAction SilentlyContinue
        $found.Name | Should -Be 'Security Reader'
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'PimRoleNotFound,PimModule.Cmdlets.GetPimRoleCommand'
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errs[0].TargetObject | Should -Be 'No Such Role'
        { Get-PimRole 'No Such Role' -ErrorAction Stop } | Should -Throw -ErrorId 'PimRoleNotFound*'
        { Get-PimRole -Id ([guid]::NewGuid()) -ErrorAction Stop } | Should -Throw -ErrorId 'PimRoleNotFound*'
    }

    It 'completes role names for -Role and -Name, quoted' {
        $r = TabExpansion2 -inputScript 'Remove-PimRole -Role Security' -cursorColumn 'Remove-PimRole -Role Security'.Length
        $r.CompletionMatches.CompletionText | Should -Contain "'Security Reader'"
        $r = TabExpansion2 -inputScript 'Get-PimRole Global' -cursorColumn 'Get-PimRole Global'.Length
        $r.CompletionMatches.CompletionText | Should -Contain "'Global Administrator'"
    }
}

Describe 'Custom roles' {
    BeforeEach {
        $script:store = Connect-TestStore -Principal 'admin@contoso.com'
    }

    It 'creates, lists and removes a custom role, audited' {
        $role = New-PimRole -Name 'Helpdesk Tier 2' -Description 'Resets passwords for tier 2'
        $role.IsBuiltIn | Should -BeFalse
        $role.Id | Should -Not -Be ([guid]::Empty)
        (Get-PimRole 'Helpdesk Tier 2').Description | Should -Be 'Resets passwords for tier 2'
        Get-PimRole 'Helpdesk Tier 2' | Remove-PimRole -Confirm:$false
        Get-PimRole 'Helpdesk Tier 2' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        (Get-PimAuditLog -Action AddRole, RemoveRole).Action | Should -Be @('AddRole', 'RemoveRole')
        (Get-PimAuditLog -Action RemoveRole).Before | ConvertFrom-Json | ForEach-Object Name | Should -Be 'Helpdesk Tier 2'
    }

    It 'removes a role given by id or by name' {
        $a = New-PimRole -Name 'By Id'
        New-PimRole -Name 'By Name' | Out-Null
        Remove-PimRole -Role $a.Id -Confirm:$false
        Remove-PimRole -Role 'by name' -Confirm:$false
        Get-PimRole 'By*' | Should -BeNullOrEmpty
    }

    It 'keeps names with quotes, %, _, * and [ literal (no SQL or wildcard injection)' -ForEach @(
        @{ Name = "O'Brien's role" }, @{ Name = 'Role "quoted"' }, @{ Name = '100% Admin' }, @{ Name = 'a_b' },
        @{ Name = 'Star*Role' }, @{ Name = 'Bracket [x] Role' }, @{ Name = "x'; DROP TABLE roles; --" }
    ) {
        $before = (Get-PimRole).Count
        $role = New-PimRole -Name $Name
        (Get-PimRole).Count | Should -Be ($before + 1)
        $role.Name | Should -Be $Name
        (Get-PimRole -Id $role.Id).Name | Should -Be $Name
        Remove-PimRole -Role $role -Confirm:$false
        (Get-PimRole).Count | Should -Be $before
    }

    It 'matches a name holding [ literally in Get-PimRole' {
        New-PimRole -Name 'Bracket [x] Role' | Out-Null
        (Get-PimRole 'Bracket [x] Role').Name | Should -Be 'Bracket [x] Role'
        Get-PimRole 'a_b' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'refuses a second role with an existing name, whatever its case' {
        New-PimRole -Name 'Duplicate Me' | Out-Null
        $fp = Get-StoreFingerprint
        $err = { New-PimRole -Name 'DUPLICATE ME' } | Should -Throw -ErrorId 'PimRoleExists,PimModule.Cmdlets.NewPimRoleCommand' -PassThru
        $err.CategoryInfo.Category | Should -Be 'ResourceExists'
        { New-PimRole -Name 'Security Reader' } | Should -Throw -ErrorId 'PimRoleExists*'
        Get-StoreFingerprint | Should -Be $fp
    }

    It 'refuses to remove a built-in role' {
        $fp = Get-StoreFingerprint
        $err = { Remove-PimRole -Role 'Security Reader' -Confirm:$false } |
            Should -Throw -ErrorId 'PimBuiltInRoleNotRemovable,PimModule.Cmdlets.RemovePimRoleCommand' -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidOperation'
        $err.TargetObject.Name | Should -Be 'Security Reader'
        Get-StoreFingerprint | Should -Be $fp
        Get-PimRole 'Security Reader' | Should -Not -BeNullOrEmpty
    }

    It 'refuses to remove a role that does not exist' {
        { Remove-PimRole -Role 'Nope' -Confirm:$false } | Should -Throw -ErrorId 'PimRoleNotFound,PimModule.Cmdlets.RemovePimRoleCommand'
    }

    It 'refuses a role name that is empty or a GUID' {
        { New-PimRole -Name ([guid]::NewGuid().ToString()) } | Should -Throw -ErrorId 'PimRoleNameInvalid*'
        { New-PimRole -Name '   ' } | Should -Throw -ErrorId 'PimRoleNameInvalid*'
    }

    It 'refuses custom role changes by a principal who is not a role administrator' {
        New-PimRole -Name 'Stays' | Out-Null
        Connect-PimStore -Principal 'user1@contoso.com'
        $fp = Get-StoreFingerprint
        $err = { New-PimRole -Name 'Sneaky' } | Should -Throw -ErrorId 'PimNotAuthorized,PimModule.Cmdlets.NewPimRoleCommand' -PassThru
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
        { Remove-PimRole -Role 'Stays' -Confirm:$false } | Should -Throw -ErrorId 'PimNotAuthorized*'
        Get-StoreFingerprint | Should -Be $fp
    }

    It 'changes nothing with -WhatIf' {
        New-PimRole -Name 'Kept' | Out-Null
        $fp = Get-StoreFingerprint
        New-PimRole -Name 'Not Made' -WhatIf
        Remove-PimRole -Role 'Kept' -WhatIf
        Get-StoreFingerprint | Should -Be $fp
        Get-PimRole 'Not Made' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}
