BeforeDiscovery {
    $module = if ($env:PIM_TEST_MODULE) { $env:PIM_TEST_MODULE } else { Join-Path $PSScriptRoot '../../out/PimModule' }
    $env:PIM_STORE_PATH = Join-Path ([IO.Path]::GetTempPath()) ("pim-disc-{0}.db" -f [guid]::NewGuid().ToString('N'))
    Import-Module $module -Force
    $script:readVerbs = 'Get', 'Test', 'Connect', 'Disconnect', 'Compare'
    # New-PimApprovalStage only makes an object in memory (as New-PSSessionOption does): it changes nothing.
    $script:mutating = Get-Command -Module PimModule | Where-Object { $_.Verb -notin $readVerbs -and $_.Name -ne 'New-PimApprovalStage' } | ForEach-Object { @{ Name = $_.Name } }
    $script:withRole = Get-Command -Module PimModule | Where-Object { $_.Parameters.ContainsKey('Role') } | ForEach-Object { @{ Name = $_.Name } }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    Connect-TestStore -Principal 'admin@contoso.com' | Out-Null
    New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' -Scope '/administrativeUnits/emea' | Out-Null
    function Complete([string] $Line) { (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText }
}

Describe 'Every cmdlet that changes something supports -WhatIf and -Confirm' {
    It '<Name>' -ForEach $mutating {
        $c = Get-Command $Name
        $c.Parameters.Keys | Should -Contain 'WhatIf'
        $c.Parameters.Keys | Should -Contain 'Confirm'
    }
}

Describe 'Every -Role parameter completes role names' {
    It '<Name> -Role' -ForEach $withRole {
        Complete "$Name -Role Security" | Should -Contain "'Security Reader'"
        Complete "$Name -Role 'Security R" | Should -Contain "'Security Reader'"
    }
}

Describe 'Every -Role parameter binds the same way (issue 28, finding 10)' {
    # The reference: Request-PimActivation and Remove-PimRole. A -Role is a PimRoleReference (a name, an id or a role
    # object, converted by its constructors, with no transformation of its own), completes role names, answers to
    # RoleName, and — when it takes pipeline input at all — takes a role object from the pipeline (ValueFromPipeline) AND
    # a Role/RoleName column by name (ValueFromPipelineByPropertyName), in every parameter set it is in.
    # The one exception, by name: the bulk paths of New-PimEligibleAssignment/New-PimActiveAssignment take the role from
    # the row's column only (binding each row against a role object first doubles a bulk import's time).
    BeforeAll {
        $script:ByColumnOnly = 'New-PimEligibleAssignment', 'New-PimActiveAssignment'
        function Get-RoleBinding([string] $Command) {
            $p = (Get-Command $Command).Parameters['Role']
            $sets = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })
            [pscustomobject]@{
                Type          = $p.ParameterType.FullName -replace '\[\]$', ''
                Aliases       = @($p.Aliases)
                Completer     = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ArgumentCompleterAttribute] } | ForEach-Object { $_.Type.Name })
                Transforms    = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ArgumentTransformationAttribute] } | ForEach-Object { $_.GetType().Name })
                Piped         = [bool]($sets | Where-Object { $_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName })
                ByValue       = @($sets | ForEach-Object { $_.ValueFromPipeline })
                ByName        = @($sets | ForEach-Object { $_.ValueFromPipelineByPropertyName })
            }
        }
        $script:Reference = Get-RoleBinding 'Request-PimActivation'
        ((Get-RoleBinding 'Remove-PimRole').Transforms -join ',') | Should -Be ($Reference.Transforms -join ',')
    }

    It '<Name> -Role' -ForEach $withRole {
        $b = Get-RoleBinding $Name
        $b.Type | Should -Be 'PimModule.PimRoleReference'
        ($b.Completer -join ',') | Should -Be 'RoleNameCompleter'
        ($b.Transforms -join ',') | Should -Be ($Reference.Transforms -join ',')
        if (-not $b.Piped) { return } # a -Role that takes no pipeline input (Copy-PimRoleSetting's source, Get-PimAuditLog)
        $b.Aliases | Should -Contain 'RoleName'
        $b.ByName | Should -Not -Contain $false
        if ($Name -in $ByColumnOnly) { $b.ByValue | Should -Not -Contain $true; return }
        $b.ByValue | Should -Not -Contain $false -Because "$Name -Role takes a role object from the pipeline, as Request-PimActivation does"
    }
}

Describe 'Completion of principals, scopes and request ids' {
    It 'completes principals the store knows' {
        Complete 'Get-PimAssignment -Principal user' | Should -Contain 'user1@contoso.com'
    }

    It 'completes scopes in use' {
        Complete 'Get-PimAssignment -Scope /adm' | Should -Contain '/administrativeUnits/emea'
    }

    It 'completes the ids of requests pending for the acting principal' {
        Set-PimRoleSetting -Role 'Security Reader' -RequireApproval $true -ActivationRequirement None
        Connect-PimStore -Principal 'user1@contoso.com'
        $r = Request-PimActivation -Role 'Security Reader' -Scope '/administrativeUnits/emea' -Justification 'x'
        Complete 'Stop-PimRequest -RequestId ' | Should -Contain $r.RequestId.ToString()
        Connect-PimStore -Principal 'admin@contoso.com'
        Complete 'Approve-PimRequest -RequestId ' | Should -Contain $r.RequestId.ToString()
    }
}

Describe 'Errors say what to do' {
    It 'carries a recommended action, the category and the target' {
        $err = { Request-PimActivation -Role 'Global Administrator' -Justification 'x' } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'PimNotEligible,PimModule.Cmdlets.RequestPimActivationCommand'
        $err.ErrorDetails.RecommendedAction | Should -Match 'New-PimEligibleAssignment'
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $err.TargetObject.Name | Should -Be 'Global Administrator'
        $err.Exception.Message | Should -Match 'Global Administrator'
    }
}

Describe 'Role objects from the pipeline' {
    It 'feed Get-PimAssignment, Get-PimRequest and Get-PimRoleSetting' {
        (Get-PimRole 'Security Reader' | Get-PimAssignment).Principal | Should -Contain 'user1@contoso.com'
        (Get-PimRole 'Security Reader' | Get-PimRequest).Role | Select-Object -Unique | Should -Be 'Security Reader'
        (Get-PimRole 'Security Reader' | Get-PimRoleSetting).Role | Should -Be 'Security Reader'
    }

    It 'reads request statuses as of another time' {
        $pending = Get-PimRequest -Status PendingApproval | Select-Object -First 1
        $pending | Should -Not -BeNullOrEmpty
        (Get-PimRequest -RequestId $pending.RequestId -AsOf ([datetime]::UtcNow.AddDays(2))).Status | Should -Be 'Expired'
        (Get-PimRequest -RequestId $pending.RequestId).Status | Should -Be 'PendingApproval'
    }
}

Describe 'Error ids name the cmdlet as documented' {
    It 'every cmdlet is the class PimModule.Cmdlets.<Verb><Noun>Command (the second part of its FullyQualifiedErrorId)' {
        # README and about_PimModule document ids such as PimRoleNotFound,PimModule.Cmdlets.GetPimRoleCommand: scripts match
        # them, so a cmdlet class never leaves the namespace PimModule.Cmdlets (its file stays in src/PimModule/Cmdlets/).
        Get-Command -Module PimModule -CommandType Cmdlet |
            Where-Object { $_.ImplementingType.FullName -cne "PimModule.Cmdlets.$($_.Verb)$($_.Noun)Command" } |
            ForEach-Object { "$($_.Name): $($_.ImplementingType.FullName)" } | Should -BeNullOrEmpty
    }
}
