# Attacks, as a hostile user would make them with nothing but the module, a second pwsh window and sqlite3/psql.
# Each test sets up as the victim, acts as the attacker through the public surface in a FRESH pwsh (or behind the
# module's back), and asserts the refusal by its error id AND that the store did not move (Get-StoreFingerprint).
# Runs on SQLite and PostgreSQL (build.ps1 Test); provider-specific attacks say why they skip.
BeforeDiscovery { $script:PgRun = $env:PIM_TEST_PROVIDER -eq 'PostgreSql' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force

    function Invoke-Attack {
        <#
        Runs -Script in a fresh pwsh connected to the test store as -Principal (the attacker's window); returns its output
        lines, and one 'ERR:<FullyQualifiedErrorId>' line per error it met (oldest first).
        #>
        param([Parameter(Mandatory)] [string] $Principal, [Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{},
            [string[]] $Prefix = @())
        $connect = Get-TestConnectArgument
        $full = @"
`$ErrorActionPreference = 'Continue'
Import-Module '$ModulePath'
Connect-PimStore $connect -Principal '$Principal'
try {
$Script
} catch { }
foreach (`$e in @(`$Error)[-1..-(@(`$Error).Count)]) { if (`$e -is [System.Management.Automation.ErrorRecord]) { 'ERR:' + `$e.FullyQualifiedErrorId } }
"@
        if ($Prefix) {
            $file = Join-Path ([IO.Path]::GetTempPath()) ("pimattack-{0}.ps1" -f [guid]::NewGuid().ToString('N'))
            Set-Content -Path $file -Value $full
            try { & $Prefix[0] @($Prefix | Select-Object -Skip 1) ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $file 2>&1 | ForEach-Object { "$_" } }
            finally { Remove-Item $file -ErrorAction SilentlyContinue }
        }
        else { Invoke-FreshPwsh -Script $full -Environment $Environment -AllowFailure }
    }

    function Get-AttackErrorId([string[]] $Lines) { @($Lines | Where-Object { $_ -like 'ERR:*' } | ForEach-Object { ($_ -replace '^ERR:', '') -replace ',.*$', '' }) }

    function Assert-ToolOrSkip([string] $Tool) {
        <# A tool CI installs: missing outside CI skips the test with its reason; missing in CI fails it. #>
        if (Get-Command $Tool -ErrorAction SilentlyContinue) { return $true }
        if ($env:CI -eq 'true') { throw "$Tool is missing in CI: .ci/run installs it." }
        Set-ItResult -Skipped -Because "$Tool is not installed here (.ci/run installs it in CI)"
        return $false
    }
}

Describe 'Finding 1: the bulk path decides every row' -Tag Hostile {
    BeforeEach { $null = Connect-TestStore -Principal 'admin@contoso.com' }

    It 'refuses every piped row of a principal who is no administrator (<_>)' -ForEach 'New-PimActiveAssignment', 'New-PimEligibleAssignment' {
        $fp = Get-StoreFingerprint
        $out = Invoke-Attack -Principal 'mallory@contoso.com' -Script @"
@(
    [pscustomobject]@{ Principal = 'mallory@contoso.com'; Role = 'Global Administrator'; Permanent = 'true'; Justification = 'row 1' }
    [pscustomobject]@{ Principal = 'mallory@contoso.com'; Role = 'Global Administrator'; Permanent = 'true'; Justification = 'row 2' }
    [pscustomobject]@{ Principal = 'mallory@contoso.com'; Role = 'Privileged Role Administrator'; Permanent = 'true'; Justification = 'row 3' }
) | $_
"@
        Get-AttackErrorId $out | Should -Be @('PimNotAuthorized', 'PimNotAuthorized', 'PimNotAuthorized')
        Get-PimAssignment -Principal 'mallory@contoso.com' -State All | Should -BeNullOrEmpty
        Test-PimAccess -Principal 'mallory@contoso.com' -Role 'Global Administrator' | Should -BeFalse
        Get-StoreFingerprint | Should -Be $fp
    }

    It 'writes the rows that pass and refuses each bad row alone, in input order' {
        $rows = 1..5 | ForEach-Object { [pscustomobject]@{ Principal = "user$_@contoso.com"; Role = 'Security Reader' } }
        $rows[1].Role = 'No Such Role'; $rows[3].Principal = 'not a principal!'
        $created = $rows | New-PimEligibleAssignment -ErrorVariable errs -ErrorAction SilentlyContinue
        @($created).Principal | Should -Be @('user1@contoso.com', 'user3@contoso.com', 'user5@contoso.com')
        @($errs).FullyQualifiedErrorId -replace ',.*$' | Should -Be @('PimRoleNotFound', 'PimPrincipalInvalid')
    }
}

Describe 'Finding 2: nothing in the shipped module moves its clock' -Tag Hostile {
    BeforeEach { $null = Connect-TestStore -Principal 'admin@contoso.com' }

    It 'ships no test-clock hook in any DLL' {
        $dlls = Get-ChildItem $ModulePath -Recurse -Filter 'PimModule*.dll'
        $dlls.Count | Should -BeGreaterOrEqual 3
        foreach ($dll in $dlls) {
            $bytes = [IO.File]::ReadAllBytes($dll.FullName)
            $text = [Text.Encoding]::UTF8.GetString($bytes) + [Text.Encoding]::Unicode.GetString($bytes)
            $found = 'PIM_TEST_UTCNOW', 'EnvironmentTestClock', 'PIM_TEST_HOOKS' | Where-Object { $text.Contains($_) }
            $found | Should -BeNullOrEmpty -Because "$($dll.Name) is shipped to users"
        }
    }

    It 'an ex-administrator cannot set the clock back into an old activation to grant themselves Global Administrator' {
        $start = (Get-Date).ToUniversalTime().AddHours(-3); $end = $start.AddHours(1)
        New-PimActiveAssignment -Principal 'mallory@contoso.com' -Role 'Privileged Role Administrator' -StartDateTime $start -EndDateTime $end -Justification 'an old on-call shift' | Out-Null
        $fp = Get-StoreFingerprint
        $out = Invoke-Attack -Principal 'mallory@contoso.com' -Environment @{ PIM_TEST_UTCNOW = $start.AddMinutes(30).ToString('o') } -Script @"
New-PimActiveAssignment -Principal 'mallory@contoso.com' -Role 'Global Administrator' -Permanent -StartDateTime '$($start.AddMinutes(30).ToString('o'))' -Justification 'back-dated'
"@
        Get-AttackErrorId $out | Should -Be @('PimNotAuthorized')
        Test-PimAccess -Principal 'mallory@contoso.com' -Role 'Global Administrator' | Should -BeFalse
        Get-StoreFingerprint | Should -Be $fp
    }

    It 'a non-administrator with the clock set to 2100 cannot prune history with Invoke-PimMaintenance' {
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' -Duration 1d | Out-Null
        $fp = Get-StoreFingerprint
        $requests = @(Get-PimRequest).Count
        $out = Invoke-Attack -Principal 'mallory@contoso.com' -Environment @{ PIM_TEST_UTCNOW = '2100-01-01T00:00:00Z' } -Script 'Invoke-PimMaintenance'
        Get-AttackErrorId $out | Should -Be @('PimNotAuthorized')
        @(Get-PimRequest).Count | Should -Be $requests
        Get-StoreFingerprint | Should -Be $fp
    }

    It 'stamps a shared PostgreSQL store with the server clock and refuses a client whose clock is a day off' -Skip:(-not $PgRun) {
        if (-not (Assert-ToolOrSkip 'faketime')) { return }
        $fp = Get-StoreFingerprint
        # The store's own administrator, on a machine whose clock is one day behind (libfaketime).
        $out = Invoke-Attack -Principal 'admin@contoso.com' -Prefix 'faketime', '-f', '-1d' -Script @"
New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' -Duration 1d -Justification 'back-dated'
"@
        Get-AttackErrorId $out | Should -Be @('PimClockSkew')
        Get-StoreFingerprint | Should -Be $fp
        # A client on time is stamped with the server's time.
        $a = New-PimEligibleAssignment -Principal 'user2@contoso.com' -Role 'Security Reader' -Duration 1d
        ($a.CreatedDateTime - [datetime]::UtcNow).Duration().TotalMinutes | Should -BeLessThan 1
    }
}

Describe 'Finding 4: activations end with the eligibility they came from' -Tag Hostile {
    BeforeEach {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        Set-PimRoleSetting -Role 'Global Reader' -ActivationRequirement None -RequireJustification $false -ActivationMaxDuration 8h
        $script:eligible = New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Global Reader' -Duration 30d
        $null = Invoke-Attack -Principal 'user1@contoso.com' -Script "Request-PimActivation -Role 'Global Reader' -Duration 8h | Out-Null"
        Test-PimAccess -Principal 'user1@contoso.com' -Role 'Global Reader' | Should -BeTrue
    }

    It 'ends the activation, audited and notified, when the eligible assignment is removed' {
        Remove-PimAssignment -AssignmentId $eligible.AssignmentId -Confirm:$false | Out-Null
        Test-PimAccess -Principal 'user1@contoso.com' -Role 'Global Reader' | Should -BeFalse
        $ended = Get-PimAuditLog -Principal 'user1@contoso.com' | Where-Object { $_.Action -eq 'AdminRemove' -and $_.TargetId -ne $eligible.AssignmentId }
        @($ended).Count | Should -Be 1
        Get-PimRequest -Principal 'user1@contoso.com' | Where-Object { $_.Action -eq 'AdminRemove' -and $_.Justification -match 'was removed' } | Should -Not -BeNullOrEmpty
        Get-PimNotification -Recipient 'user1@contoso.com' | Where-Object Subject -Match 'activation has ended' | Should -Not -BeNullOrEmpty
    }

    It 'shortens the activation to the eligible assignment''s new end' {
        $newEnd = (Get-Date).ToUniversalTime().AddHours(1)
        Update-PimAssignment -AssignmentId $eligible.AssignmentId -EndDateTime $newEnd -Confirm:$false | Out-Null
        $activation = Get-PimAssignment -Principal 'user1@contoso.com' -Type Active
        [datetime]$activation.EndDateTime | Should -BeLessOrEqual $newEnd.AddSeconds(1)
        Test-PimAccess -Principal 'user1@contoso.com' -Role 'Global Reader' -AsOf $newEnd.AddMinutes(1) | Should -BeFalse
    }
}

Describe 'Finding 8: a waiting pipeline holds no lock' -Tag Hostile {
    BeforeEach { $null = Connect-TestStore -Principal 'admin@contoso.com' }

    It 'lets another window write while a pipeline of New-PimEligibleAssignment waits for its next row (<Case>)' -ForEach @(
        @{ Case = 'a row that passes'; Role = 'Security Reader' }
        @{ Case = 'a refused row'; Role = 'No Such Role' }
    ) {
        $marker = Join-Path $TestDrive ("waiting-{0}" -f [guid]::NewGuid().ToString('N'))
        $connect = Get-TestConnectArgument
        $script = Join-Path $TestDrive ("slow-{0}.ps1" -f [guid]::NewGuid().ToString('N'))
        Set-Content $script @"
Import-Module '$ModulePath'
Connect-PimStore $connect -Principal 'admin@contoso.com'
& { [pscustomobject]@{ Principal = 'user1@contoso.com'; Role = '$Role' }; Set-Content '$marker' 'waiting'; Start-Sleep -Seconds 25 } |
    New-PimEligibleAssignment -ErrorAction SilentlyContinue | Out-Null
"@
        $slow = Start-Process -FilePath ([Environment]::ProcessPath) -ArgumentList @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', $script) -PassThru
        try {
            $deadline = [datetime]::UtcNow.AddSeconds(20)
            while (-not (Test-Path $marker) -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            Test-Path $marker | Should -BeTrue
            $out = Invoke-Attack -Principal 'admin@contoso.com' -Script @'
$sw = [Diagnostics.Stopwatch]::StartNew()
New-PimRole -Name 'Written meanwhile' -Description 'x' | Out-Null
"ELAPSED:$($sw.Elapsed.TotalSeconds)"
'@
            Get-AttackErrorId $out | Should -BeNullOrEmpty
            [double](($out | Where-Object { $_ -like 'ELAPSED:*' }) -replace '^ELAPSED:') | Should -BeLessThan 5
            $slow.HasExited | Should -BeFalse -Because 'the pipeline was still waiting while the other window wrote'
        }
        finally { if (-not $slow.HasExited) { $slow.Kill() }; $slow.WaitForExit() }
    }
}

Describe 'Finding 13: an approved extension never shortens' -Tag Hostile {
    It 'keeps the later end when the extension asked for less than the assignment already has' {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        $a = New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' -Duration 10d
        $null = Invoke-Attack -Principal 'user1@contoso.com' -Script "Request-PimExtension -Role 'Security Reader' -Type Eligible -Duration 1d -Justification 'a day' | Out-Null"
        Get-PimRequest -Status PendingApproval | Approve-PimRequest -Justification 'fine' | Out-Null
        $after = Get-PimAssignment -AssignmentId $a.AssignmentId
        [datetime]$after.EndDateTime | Should -BeGreaterOrEqual ([datetime]$a.EndDateTime)
    }
}

Describe 'Finding 14: the last administrator stays' -Tag Hostile {
    BeforeEach {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        $script:bootstrap = Get-PimAssignment -Principal 'admin@contoso.com' -Role 'Privileged Role Administrator' -Type Active
    }

    It 'refuses to <Case> the last active Privileged Role Administrator assignment' -ForEach @(
        @{ Case = 'remove'; Script = 'Remove-PimAssignment -AssignmentId {0} -Confirm:$false' }
        @{ Case = 'shorten'; Script = 'Update-PimAssignment -AssignmentId {0} -Duration 1h -Justification x -Confirm:$false' }
    ) {
        $fp = Get-StoreFingerprint
        $out = Invoke-Attack -Principal 'admin@contoso.com' -Script ($Script -f $bootstrap.AssignmentId)
        Get-AttackErrorId $out | Should -Be @('PimLastAdministrator')
        Get-StoreFingerprint | Should -Be $fp
        Test-PimAccess -Principal 'admin@contoso.com' -Role 'Privileged Role Administrator' | Should -BeTrue
    }

    It 'allows it once another permanent administrator exists' {
        New-PimActiveAssignment -Principal 'admin2@contoso.com' -Role 'Global Administrator' -Permanent -Justification 'second admin' | Out-Null
        Remove-PimAssignment -AssignmentId $bootstrap.AssignmentId -Confirm:$false | Out-Null
        Test-PimAccess -Principal 'admin@contoso.com' -Role 'Privileged Role Administrator' | Should -BeFalse
    }
}
