# Attacks on MFA (issue 11, findings 3 and 10), as a hostile user makes them with the module, a second pwsh window and
# sqlite3/psql: guessing codes, -WhatIf as a free oracle, and pasting one principal's encrypted seed onto another's row.
# A refused MFA code is the one refusal that writes (its MfaFailed audit record and its count): these tests check that
# nothing else moved. Runs on SQLite and PostgreSQL; no test clock (real time, real TOTP codes).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force

    function Invoke-Attack {
        <# Runs -Script in a fresh pwsh connected to the test store as -Principal; returns its output lines and one 'ERR:<FullyQualifiedErrorId>' line per error (oldest first). #>
        param([Parameter(Mandatory)] [string] $Principal, [Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{})
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
        Invoke-FreshPwsh -Script $full -Environment $Environment -AllowFailure
    }

    function Get-AttackErrorId([string[]] $Lines) { @($Lines | Where-Object { $_ -like 'ERR:*' } | ForEach-Object { ($_ -replace '^ERR:', '') -replace ',.*$', '' }) }

    function Assert-ToolOrSkip([string] $Tool) {
        <# A tool CI installs: missing outside CI skips the test with its reason; missing in CI fails it. #>
        if (Get-Command $Tool -ErrorAction SilentlyContinue) { return $true }
        if ($env:CI -eq 'true') { throw "$Tool is missing in CI: .ci/run installs it." }
        Set-ItResult -Skipped -Because "$Tool is not installed here (.ci/run installs it in CI)"
        return $false
    }

    function New-MfaVictimStore {
        <# admin creates the store; user1 is eligible for Security Reader (MFA on activation) and registers an authenticator. Returns user1's secret. #>
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement Mfa -RequireJustification $true
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' -Duration 30d | Out-Null
        # user1 registers in their own window (this session stays connected once, as admin).
        Invoke-Attack -Principal 'user1@contoso.com' -Script '(Register-PimMfaMethod).Secret' | Where-Object { $_ -match '^[A-Z2-7]{32}$' }
    }

    function Get-WrongCode {
        <# -Count six-digit codes that none of the secret's codes of the next minutes (or the last) match. #>
        param([Parameter(Mandatory)] [string] $Secret, [int] $Count = 1)
        $now = [datetime]::UtcNow
        $right = -4..8 | ForEach-Object { Get-TotpCode -Secret $Secret -At $now.AddSeconds(30 * $_) }
        @(100000..999999 | Where-Object { $_ % 7919 -eq 0 } | ForEach-Object { '{0:D6}' -f $_ } | Where-Object { $_ -notin $right } | Select-Object -First $Count)
    }

    function Get-MfaFingerprint {
        <# Everything but the MFA failure records: counts, requests, and the audit records that are not MfaFailed. #>
        $s = Get-PimStore
        $audit = @(Get-PimAuditLog | Where-Object Action -ne 'MfaFailed')
        '{0}|{1}|{2}|{3}|{4}|{5}' -f $s.RoleCount, $s.AssignmentCount, $s.PendingRequestCount, @(Get-PimRequest).Count, $audit.Count, $audit[-1].Hash
    }
}

Describe 'Finding 3: MFA codes cannot be brute-forced' -Tag Hostile {
    BeforeEach { $script:secret = New-MfaVictimStore; $secret | Should -Match '^[A-Z2-7]{32}$' }

    It 'locks after 5 wrong codes: the 6th and a right one after it are refused PimMfaLocked, every failure audited, nothing else written' {
        $fp = Get-MfaFingerprint
        $wrong = Get-WrongCode -Secret $secret -Count 6
        $right = Get-TotpCode -Secret $secret   # accepted for a minute or so: one step of skew either way
        # The attacker holds user1's identity but not the authenticator, and guesses; the last try is even the right code.
        $out = Invoke-Attack -Principal 'user1@contoso.com' -Script @"
foreach (`$code in '$($wrong -join "','")') { try { Request-PimActivation -Role 'Security Reader' -Justification 'guess' -MfaCode `$code } catch { } }
Request-PimActivation -Role 'Security Reader' -Justification 'right code, too late' -MfaCode '$right'
"@
        Get-AttackErrorId $out | Should -Be @('PimMfaInvalid', 'PimMfaInvalid', 'PimMfaInvalid', 'PimMfaInvalid', 'PimMfaInvalid', 'PimMfaLocked', 'PimMfaLocked')

        $failures = @(Get-PimAuditLog -Action MfaFailed)
        $failures.Count | Should -Be 5            # every code that was checked; the locked tries checked none
        $failures.Principal | Sort-Object -Unique | Should -Be 'user1@contoso.com'
        $failures.Role | Sort-Object -Unique | Should -Be 'Security Reader'
        foreach ($c in $wrong) { ($failures.After -join "`n") | Should -Not -Match $c }   # never the code itself
        $failures[-1].After | Should -Match '"LockedUntil":"'
        Get-PimAssignment -Principal 'user1@contoso.com' -Type Active | Should -BeNullOrEmpty
        Test-PimAccess -Principal 'user1@contoso.com' -Role 'Security Reader' | Should -BeFalse
        Get-MfaFingerprint | Should -Be $fp
        (Test-PimAuditLog).IsValid | Should -BeTrue
    }

    It 'says until when and what to do, in the PimMfaLocked error record' {
        $wrong = Get-WrongCode -Secret $secret -Count 6
        $out = Invoke-Attack -Principal 'user1@contoso.com' -Script @"
foreach (`$code in '$($wrong -join "','")') {
    try { Request-PimActivation -Role 'Security Reader' -Justification 'guess' -MfaCode `$code -ErrorAction Stop }
    catch { 'CAT:' + `$_.CategoryInfo.Category; 'MSG:' + `$_.Exception.Message; 'FIX:' + `$_.ErrorDetails.RecommendedAction }
}
"@
        $locked = $out | Where-Object { $_ -like 'MSG:MFA for user1@contoso.com is locked until *' }
        $locked | Should -Not -BeNullOrEmpty
        $locked | Should -Match 'locked until \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ'
        ($out | Where-Object { $_ -like 'CAT:*' } | Select-Object -Last 1) | Should -Be 'CAT:SecurityError'
        ($out -join "`n") | Should -Match 'Register-PimMfaMethod -Principal user1@contoso.com -Force'
    }

    It 'never checks a code under -WhatIf: a wrong one is not recorded, a right one stays usable (Request-PimActivation)' {
        $fp = Get-StoreFingerprint
        $wrong = Get-WrongCode -Secret $secret -Count 6
        $right = Get-TotpCode -Secret $secret
        $out = Invoke-Attack -Principal 'user1@contoso.com' -Script @"
foreach (`$code in '$($wrong -join "','")') { try { Request-PimActivation -Role 'Security Reader' -Justification 'probe' -MfaCode `$code -WhatIf } catch { } }
Request-PimActivation -Role 'Security Reader' -Justification 'probe' -MfaCode '$right' -WhatIf
"@
        Get-AttackErrorId $out | Should -BeNullOrEmpty
        ($out -join "`n") | Should -Not -Match 'PimMfaInvalid'             # -WhatIf is no oracle for codes
        ($out -join "`n") | Should -Match 'does not check it'
        Get-StoreFingerprint | Should -Be $fp                              # nothing recorded, nothing consumed
        @(Get-PimAuditLog -Action MfaFailed).Count | Should -Be 0
        $done = Invoke-Attack -Principal 'user1@contoso.com' -Script "(Request-PimActivation -Role 'Security Reader' -Justification 'for real' -MfaCode '$right').Status"
        $done | Should -Contain 'Provisioned'
    }

    It 'never checks a code under -WhatIf: New-PimActiveAssignment with a wrong and then a right administrator code' {
        Set-PimRoleSetting -Role 'Exchange Administrator' -RequireMfaOnActiveAssignment $true
        $adminSecret = (Register-PimMfaMethod).Secret
        $fp = Get-StoreFingerprint
        $wrong = Get-WrongCode -Secret $adminSecret
        $right = Get-TotpCode -Secret $adminSecret
        $out = Invoke-Attack -Principal 'admin@contoso.com' -Script @"
try { New-PimActiveAssignment -Principal 'user2@contoso.com' -Role 'Exchange Administrator' -Duration 1d -Justification 'probe' -MfaCode '$($wrong[0])' -WhatIf } catch { }
New-PimActiveAssignment -Principal 'user2@contoso.com' -Role 'Exchange Administrator' -Duration 1d -Justification 'probe' -MfaCode '$right' -WhatIf
"@
        Get-AttackErrorId $out | Should -BeNullOrEmpty
        ($out -join "`n") | Should -Match 'MFA code would be checked'
        Get-StoreFingerprint | Should -Be $fp
        $done = Invoke-Attack -Principal 'admin@contoso.com' -Script "(New-PimActiveAssignment -Principal 'user2@contoso.com' -Role 'Exchange Administrator' -Duration 1d -Justification 'for real' -MfaCode '$right').Principal"
        $done | Should -Contain 'user2@contoso.com'
    }

    It 'shows RepeatedMfaFailures in Get-PimAlert after a lockout, naming the principal, the failures, the lockout and the fix' {
        $wrong = Get-WrongCode -Secret $secret -Count 6
        $null = Invoke-Attack -Principal 'user1@contoso.com' -Script @"
foreach (`$code in '$($wrong -join "','")') { try { Request-PimActivation -Role 'Security Reader' -Justification 'guess' -MfaCode `$code } catch { } }
"@
        $alert = Get-PimAlert | Where-Object AlertType -eq 'RepeatedMfaFailures'
        $alert | Should -Not -BeNullOrEmpty
        $alert.Principals | Should -Be 'user1@contoso.com'
        $alert.Count | Should -Be 5
        $alert.Severity | Should -Be 'High'
        $alert.Description | Should -Match 'user1@contoso\.com: 5 refused MFA codes, 1 lockout\(s\), locked until'
        $alert.Fix | Should -Match 'Register-PimMfaMethod -Principal'
        # The threshold is an alert setting like the others.
        Set-PimAlertSetting -AlertType RepeatedMfaFailures -Threshold 6
        Get-PimAlert -AlertType RepeatedMfaFailures | Should -BeNullOrEmpty
        Set-PimAlertSetting -AlertType RepeatedMfaFailures -Threshold 2
        (Get-PimAlert -AlertType RepeatedMfaFailures).Principals | Should -Be 'user1@contoso.com'
    }
}

Describe 'Finding 10: an encrypted MFA seed is bound to its principal and store' -Tag Hostile {
    BeforeEach { $script:secret = New-MfaVictimStore; $secret | Should -Match '^[A-Z2-7]{32}$' }

    It 'refuses the attacker''s own authenticator after the attacker copied their encrypted seed onto the victim''s row' {
        $tool = if ($OnPostgres) { 'psql' } else { 'sqlite3' }
        if (-not (Assert-ToolOrSkip $tool)) { return }
        $attackerSecret = (Invoke-Attack -Principal 'mallory@contoso.com' -Script '(Register-PimMfaMethod).Secret' | Where-Object { $_ -match '^[A-Z2-7]{32}$' })
        $attackerSecret | Should -Not -BeNullOrEmpty
        # No key needed: one UPDATE behind the module's back.
        Invoke-Sql -Store $PimTestStore -Sql "UPDATE mfa_methods SET secret_protected = (SELECT secret_protected FROM mfa_methods WHERE principal_key = 'mallory@contoso.com') WHERE principal_key = 'user1@contoso.com'" | Out-Null
        $fp = Get-MfaFingerprint
        $out = Invoke-Attack -Principal 'user1@contoso.com' -Script "Request-PimActivation -Role 'Security Reader' -Justification 'swap' -MfaCode '$(Get-TotpCode -Secret $attackerSecret)'"
        Get-AttackErrorId $out | Should -Be 'PimMfaSecretInvalid'
        ($out -join "`n") | Should -Not -Match 'Cryptographic'
        Get-PimAssignment -Principal 'user1@contoso.com' -Type Active | Should -BeNullOrEmpty
        Test-PimAccess -Principal 'user1@contoso.com' -Role 'Security Reader' | Should -BeFalse
        Get-MfaFingerprint | Should -Be $fp
        (Get-PimAuditLog -Action MfaFailed).After | Should -Match '"Reason":"SecretInvalid"'
    }
}
