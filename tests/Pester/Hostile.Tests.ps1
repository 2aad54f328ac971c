# Attacks, as a hostile user would make them with nothing but the module, a second pwsh window and sqlite3/psql.
# Each test sets up as the victim, acts as the attacker through the public surface in a FRESH pwsh (or behind the
# module's back), and asserts the refusal by its error id AND that the store did not move (Get-StoreFingerprint).
# Runs on SQLite and PostgreSQL (build.ps1 Test); provider-specific attacks say why they skip.
BeforeDiscovery { $script:PgRun = $env:PIM_TEST_PROVIDER -eq 'PostgreSql' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'SmtpSink.ps1')
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

    # --- input attacks (findings 5, 6, 12, 15, 17) ---
    function Invoke-InputAttack {
        <#
        Runs -Script in a fresh pwsh connected to the test store as -Principal. Each statement the script wants
        reported goes through Attempt: it prints 'ok' or the FullyQualifiedErrorId (first part) of the error it got,
        terminating or not. Returns the lines printed.
        #>
        param([Parameter(Mandatory)] [string] $Principal, [Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{})
        $prelude = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
function Attempt([scriptblock] `$Block) {
    try {
        `$out = & { `$ErrorActionPreference = 'Continue'; & `$Block } 2>&1
        `$errs = @(`$out | Where-Object { `$_ -is [System.Management.Automation.ErrorRecord] })
        if (`$errs.Count) { foreach (`$e in `$errs) { 'ERR:' + (`$e.FullyQualifiedErrorId -split ',')[0] } } else { 'ok' }
    }
    catch { 'ERR:' + (`$_.FullyQualifiedErrorId -split ',')[0] }
}
function As([string] `$Who) { Connect-PimStore $(Get-TestConnectArgument) -Principal `$Who }
"@
        $connect = "try { As '$Principal' } catch { 'CONNECT:' + (`$_.FullyQualifiedErrorId -split ',')[0]; exit 0 }"
        Invoke-FreshPwsh -Script ($prelude + "`n" + $connect + "`n" + $Script) -Environment $Environment -AllowFailure
    }

    $script:Kelvin = [char]0x212A

    # --- MFA attacks (findings 3, 10) ---
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

    # --- transport, connect, files (findings 7, 9, 11, 16) ---
    function New-MailVictim {
        <# An administrator's store whose mail login is set, with notifications waiting (an eligible assignment). #>
        param([int] $Port, [string] $Password, [switch] $AllowInsecureAuthentication)
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        $cred = [pscredential]::new('mailer', (ConvertTo-SecureString $Password -AsPlainText -Force))
        $opt = @{}
        if ($AllowInsecureAuthentication) { $opt.AllowInsecureAuthentication = $true }
        Set-PimMailSetting -SmtpServer 127.0.0.1 -Port $Port -From 'pim@contoso.com' -Credential $cred @opt
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' | Out-Null
        @(Get-PimNotification -Status Pending).Count | Should -BeGreaterThan 0
    }

    function Invoke-Send {
        <# Send-PimNotification in a fresh pwsh that trusts only -CaFile (SSL_CERT_FILE, as OpenSSL and .NET on Linux read it). #>
        param([string] $CaFile)
        $env = @{}
        if ($CaFile) { $env.SSL_CERT_FILE = $CaFile }
        Invoke-FreshPwsh -Environment $env -Script @"
Import-Module '$ModulePath'
Connect-PimStore $(Get-TestConnectArgument) -Principal admin@contoso.com
Send-PimNotification -WarningAction SilentlyContinue
Get-PimNotification | ForEach-Object { 'notification|' + `$_.Status + '|' + (`$_.LastError -replace '\s+', ' ') }
"@
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

    It 'ships no test hook in any DLL (the test clock; a modified module''s records let through before commit)' {
        $dlls = Get-ChildItem $ModulePath -Recurse -Filter 'PimModule*.dll'
        $dlls.Count | Should -BeGreaterOrEqual 3
        foreach ($dll in $dlls) {
            $bytes = [IO.File]::ReadAllBytes($dll.FullName)
            $text = [Text.Encoding]::UTF8.GetString($bytes) + [Text.Encoding]::Unicode.GetString($bytes)
            $found = 'PIM_TEST_UTCNOW', 'EnvironmentTestClock', 'PIM_TEST_HOOKS', 'AsModifiedModule' | Where-Object { $text.Contains($_) }
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

# Hostile input (issue 11, findings 5, 6, 12, 15, 17): look-alike principals, input that is too long or holds control
# characters, empty scopes, out-of-range times and durations, and local times. Each attack runs as the attacker in a
# fresh pwsh against a store set up by the victim; the test asserts the error id and that the store did not change.
Describe 'Look-alike principals: the Kelvin sign is not K' -Tag Hostile {
    BeforeEach {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None -RequireJustification $false -RequireApproval $true -Approvers 'kate@contoso.com'
        $script:fp = Get-StoreFingerprint
    }

    It 'refuses the look-alike as a principal, so kate cannot approve her own request into the role' -Tag Hostile {
        $k = $script:Kelvin
        # Step 1, as an administrator (or a CSV import): make 'Kate' with the Kelvin sign eligible.
        $step1 = Invoke-InputAttack -Principal 'admin@contoso.com' -Script @"
Attempt { New-PimEligibleAssignment -Principal '${k}ate@contoso.com' -Role 'Security Reader' }
Attempt { [pscustomobject]@{ Principal = '${k}ate@contoso.com'; Role = 'Security Reader' } | New-PimEligibleAssignment }
"@
        $step1 | Should -Be @('ERR:PimPrincipalInvalid', 'ERR:PimPrincipalInvalid')
        # Step 2, as the look-alike: act and request. Step 3, as kate: approve what is pending, then hold the role.
        $step2 = Invoke-InputAttack -Principal "${k}ate@contoso.com" -Script "Attempt { Request-PimActivation -Role 'Security Reader' }"
        $step2 | Should -Be 'CONNECT:PimPrincipalInvalid'
        $step3 = Invoke-InputAttack -Principal 'kate@contoso.com' -Script @"
Attempt { Get-PimRequest -PendingMyApproval | Approve-PimRequest -Justification 'looks fine' }
(Test-PimAccess -Principal 'kate@contoso.com' -Role 'Security Reader').ToString()
"@
        $step3 | Should -Be @('ok', 'False')
        Test-PimAccess -Principal 'kate@contoso.com' -Role 'Security Reader' | Should -BeFalse
        Get-StoreFingerprint | Should -Be $script:fp
    }

    It 'says that user principal names are ASCII, and refuses look-alike approvers and recipients' -Tag Hostile {
        $k = $script:Kelvin
        $out = Invoke-InputAttack -Principal 'admin@contoso.com' -Script @"
try { New-PimEligibleAssignment -Principal '${k}ate@contoso.com' -Role 'Security Reader' } catch { `$_.Exception.Message }
Attempt { Set-PimRoleSetting -Role 'Security Reader' -Approvers '${k}ate@contoso.com' }
Attempt { Set-PimNotificationSetting -Role 'Security Reader' -Event Activated -Recipient Admin -AdditionalRecipients 'sec${k}@contoso.com' }
Attempt { Get-PimAssignment -Principal '${k}ate@contoso.com' }
"@
        $out[0] | Should -Match 'ASCII'
        $out[0] | Should -Match 'U\+212A'
        $out[1..3] | Should -Be @('ERR:PimPrincipalInvalid', 'ERR:PimRecipientInvalid', 'ERR:PimPrincipalInvalid')
        Get-StoreFingerprint | Should -Be $script:fp
    }
}

Describe 'Input limits: lengths and control characters' -Tag Hostile, ProviderNeutral {
    BeforeEach {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' | Out-Null
        $script:fp = Get-StoreFingerprint
    }

    It 'refuses a 10 MB justification (PimInputTooLong) without echoing it' -Tag Hostile {
        $out = Invoke-InputAttack -Principal 'user1@contoso.com' -Script @"
`$big = 'x' * 10MB
Attempt { Request-PimActivation -Role 'Security Reader' -Justification `$big }
try { Request-PimActivation -Role 'Security Reader' -Justification `$big } catch { `$_.Exception.Message.Length; `$_.CategoryInfo.Category }
"@
        $out[0] | Should -Be 'ERR:PimInputTooLong'
        [int]$out[1] | Should -BeLessThan 400
        $out[2] | Should -BeIn @('LimitsExceeded', 'InvalidArgument')
        Get-StoreFingerprint | Should -Be $script:fp
    }

    It 'refuses a 1 MB scope and a 1 MB ticket (PimInputTooLong)' -Tag Hostile {
        $out = Invoke-InputAttack -Principal 'admin@contoso.com' -Script @"
`$mb = 'a' * 1MB
Attempt { New-PimEligibleAssignment -Principal 'user2@contoso.com' -Role 'Security Reader' -Scope ('/' + `$mb) }
Attempt { New-PimEligibleAssignment -Principal 'user2@contoso.com' -Role 'Security Reader' -TicketNumber `$mb }
Attempt { New-PimEligibleAssignment -Principal 'user2@contoso.com' -Role 'Security Reader' -TicketSystem `$mb }
Attempt { New-PimRole -Name ('R' * 129) }
Attempt { New-PimRole -Name 'Long Description' -Description ('d' * 1025) }
"@
        $out | Should -Be @('ERR:PimInputTooLong', 'ERR:PimInputTooLong', 'ERR:PimInputTooLong', 'ERR:PimInputTooLong', 'ERR:PimInputTooLong')
        Get-StoreFingerprint | Should -Be $script:fp
    }

    It 'refuses NUL and ESC in justifications, tickets, role names and descriptions (PimInputInvalid)' -Tag Hostile {
        $out = Invoke-InputAttack -Principal 'user1@contoso.com' -Script @"
Attempt { Request-PimActivation -Role 'Security Reader' -Justification "fine``e[2J``e]0;pwned``a" }
Attempt { Request-PimActivation -Role 'Security Reader' -Justification 'ok' -TicketNumber "CHG``0" }
Attempt { Request-PimActivation -Role 'Security Reader' -Justification 'ok' -TicketNumber 'CHG1' -TicketSystem "SN``e[31m" }
As 'admin@contoso.com'
Attempt { New-PimRole -Name "Evil``e[31mRole" }
Attempt { New-PimRole -Name "Nul``0Role" }
Attempt { New-PimRole -Name 'Fine Role' -Description "text``0more" }
Attempt { New-PimRole -Name 'Fine Role' -Description "text``e[2Jmore" }
Attempt { New-PimEligibleAssignment -Principal 'user2@contoso.com' -Role 'Security Reader' -Justification "a``0b" }
"@
        $out | Should -Be (@('ERR:PimInputInvalid') * 8)
        Get-StoreFingerprint | Should -Be $script:fp
    }

    It 'names the parameter and the character as U+XXXX' -Tag Hostile {
        $out = Invoke-InputAttack -Principal 'user1@contoso.com' -Script @"
try { Request-PimActivation -Role 'Security Reader' -Justification "fine``e[2J" } catch { `$_.Exception.Message }
"@
        $out | Should -Match '-Justification'
        $out | Should -Match 'U\+001B'
        ($out -join '') | Should -Not -Match ([char]27)
        Get-StoreFingerprint | Should -Be $script:fp
    }

    It 'refuses the CSV row with an over-long cell by its error id and writes the other rows' -Tag Hostile {
        # The bulk path: New-PimEligibleAssignment checks every row with PimAssignmentInput.Validate (the lead wires it
        # into AssignmentWriter.Add as well).
        $csv = Join-Path $TestDrive 'long.csv'
        $long = 'j' * 600
        @"
Principal,Role,Justification,TicketNumber
user2@contoso.com,Security Reader,fine,CHG1
user3@contoso.com,Security Reader,$long,CHG2
user4@contoso.com,Security Reader,fine,CHG3
"@ | Set-Content $csv
        $out = Invoke-InputAttack -Principal 'admin@contoso.com' -Script @"
Attempt { Import-Csv '$csv' | New-PimEligibleAssignment }
(Get-PimAssignment -Type Eligible | Sort-Object Principal).Principal -join ','
"@
        $out | Should -Be @('ERR:PimInputTooLong', 'user1@contoso.com,user2@contoso.com,user4@contoso.com')
    }
}

Describe 'Empty scopes are refused, not taken as the whole directory' -Tag Hostile, ProviderNeutral {
    BeforeEach {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None -RequireJustification $false
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' -Scope '/administrativeUnits/emea' | Out-Null
        $script:fp = Get-StoreFingerprint
    }

    It 'refuses -Scope '''' on New-PimEligibleAssignment, Request-PimActivation and Test-PimAccess (PimScopeInvalid)' -Tag Hostile {
        $admin = Invoke-InputAttack -Principal 'admin@contoso.com' -Script @"
Attempt { New-PimEligibleAssignment -Principal 'user2@contoso.com' -Role 'Security Reader' -Scope '' }
Attempt { New-PimActiveAssignment -Principal 'user2@contoso.com' -Role 'Security Reader' -Scope ' ' -Justification 'x' }
Attempt { Test-PimAccess -Principal 'user1@contoso.com' -Role 'Security Reader' -Scope '' }
"@
        $admin | Should -Be @('ERR:PimScopeInvalid', 'ERR:PimScopeInvalid', 'ERR:PimScopeInvalid')
        $user = Invoke-InputAttack -Principal 'user1@contoso.com' -Script "Attempt { Request-PimActivation -Role 'Security Reader' -Scope '' }"
        $user | Should -Be 'ERR:PimScopeInvalid'
        Get-StoreFingerprint | Should -Be $script:fp
    }

    It 'refuses a blank Scope cell in a CSV; a CSV without a Scope column means /' -Tag Hostile {
        $blank = Join-Path $TestDrive 'blank-scope.csv'
        "Principal,Role,Scope`nuser2@contoso.com,Security Reader,`n" | Set-Content $blank
        $out = Invoke-InputAttack -Principal 'admin@contoso.com' -Script "Attempt { Import-Csv '$blank' | New-PimEligibleAssignment }"
        $out | Should -Be 'ERR:PimScopeInvalid'
        Get-StoreFingerprint | Should -Be $script:fp

        $none = Join-Path $TestDrive 'no-scope.csv'
        "Principal,Role`nuser3@contoso.com,Security Reader`n" | Set-Content $none
        $out = Invoke-InputAttack -Principal 'admin@contoso.com' -Script "Attempt { Import-Csv '$none' | New-PimEligibleAssignment }"
        $out | Should -Be 'ok'
        (Get-PimAssignment -Principal 'user3@contoso.com').Scope | Should -Be '/'
    }
}

Describe 'Out-of-range times and durations' -Tag Hostile, ProviderNeutral {
    BeforeEach {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None -RequireJustification $false
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' | Out-Null
        $script:fp = Get-StoreFingerprint
    }

    It 'refuses TimeSpan.MaxValue, a start in 9999 and DateTime.MinValue with PimDurationInvalid / PimDateTimeInvalid' -Tag Hostile {
        $admin = Invoke-InputAttack -Principal 'admin@contoso.com' -Script @"
Attempt { New-PimEligibleAssignment -Principal 'user2@contoso.com' -Role 'Security Reader' -Duration ([TimeSpan]::MaxValue) }
Attempt { New-PimEligibleAssignment -Principal 'user2@contoso.com' -Role 'Security Reader' -StartDateTime ([datetime]::new(9999, 12, 31, 0, 0, 0, [DateTimeKind]::Utc)) -Duration 30d }
Attempt { New-PimEligibleAssignment -Principal 'user2@contoso.com' -Role 'Security Reader' -StartDateTime ([datetime]::new(8999, 12, 31, 0, 0, 0, [DateTimeKind]::Utc)) -Duration 3650d }
Attempt { New-PimEligibleAssignment -Principal 'user2@contoso.com' -Role 'Security Reader' -Duration '1e300' }
Attempt { Get-PimAssignment -AsOf ([datetime]::MinValue) }
Attempt { Get-PimRequest -AsOf ([datetime]::MinValue) }
Attempt { Test-PimAccess -Principal 'user1@contoso.com' -Role 'Security Reader' -AsOf ([datetime]::MaxValue) }
Attempt { Get-PimAlert -AsOf ([datetime]::MinValue) }
Attempt { Get-PimAuditLog -Since ([datetime]::MinValue) }
Attempt { Set-PimRoleSetting -Role 'Security Reader' -EligibleExpiresAfter ([TimeSpan]::MaxValue) }
Attempt { Set-PimRoleSetting -Role 'Security Reader' -ActiveExpiresAfter ([TimeSpan]::MaxValue) }
Attempt { Set-PimAlertSetting -AlertType RedundantAssignment -Window ([TimeSpan]::MaxValue) }
"@
        $admin | Should -Be @('ERR:PimDurationInvalid', 'ERR:PimDateTimeInvalid', 'ERR:PimDateTimeInvalid', 'ERR:PimDurationInvalid',
            'ERR:PimDateTimeInvalid', 'ERR:PimDateTimeInvalid', 'ERR:PimDateTimeInvalid', 'ERR:PimDateTimeInvalid', 'ERR:PimDateTimeInvalid',
            'ERR:PimDurationInvalid', 'ERR:PimDurationInvalid', 'ERR:PimDurationInvalid')
        $user = Invoke-InputAttack -Principal 'user1@contoso.com' -Script @"
Attempt { Request-PimActivation -Role 'Security Reader' -Duration ([TimeSpan]::MaxValue) }
Attempt { Request-PimActivation -Role 'Security Reader' -StartDateTime ([datetime]::new(9999, 12, 31, 23, 0, 0, [DateTimeKind]::Utc)) -Duration 2h }
Attempt { Request-PimExtension -Role 'Security Reader' -Duration ([TimeSpan]::MaxValue) }
"@
        $user | Should -Be @('ERR:PimDurationInvalid', 'ERR:PimDateTimeInvalid', 'ERR:PimDurationInvalid')
        Get-StoreFingerprint | Should -Be $script:fp
    }

    It 'refuses an EligibleExpiresAfter of TimeSpan.MaxValue from a CSV and from a settings file' -Tag Hostile {
        $csv = Join-Path $TestDrive 'settings.csv'
        "Role,EligibleExpiresAfter,AllowPermanentEligible`nSecurity Reader,$([TimeSpan]::MaxValue),False`n" | Set-Content $csv
        $json = Join-Path $TestDrive 'settings.json'
        Export-PimRoleSetting -Role 'Security Reader' -Path $json
        (Get-Content $json -Raw) -replace '"EligibleExpiresAfter": "[^"]*"', ('"EligibleExpiresAfter": "' + [TimeSpan]::MaxValue + '"') | Set-Content $json
        $out = Invoke-InputAttack -Principal 'admin@contoso.com' -Script @"
Attempt { Import-Csv '$csv' | Set-PimRoleSetting }
Attempt { Import-PimRoleSetting -Path '$json' }
"@
        $out | Should -Be @('ERR:PimDurationInvalid', 'ERR:PimDurationInvalid')
        Get-StoreFingerprint | Should -Be $script:fp
        # The role's default-end assignments keep working.
        Set-PimRoleSetting -Role 'Security Reader' -AllowPermanentEligible $false
        (New-PimEligibleAssignment -Principal 'user2@contoso.com' -Role 'Security Reader').EndDateTime | Should -Not -BeNullOrEmpty
    }
}

Describe 'A DateTime of Kind Unspecified is local time' -Tag Hostile, ProviderNeutral {
    It 'stores an unspecified -StartDateTime as the local time it is, converted to UTC' -Tag Hostile {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        # Tokyo is UTC+9 all year: 09:00 local on 2030-01-01 is 00:00 UTC.
        $out = Invoke-InputAttack -Principal 'admin@contoso.com' -Environment @{ TZ = 'Asia/Tokyo' } -Script @"
Attempt { New-PimEligibleAssignment -Principal 'user2@contoso.com' -Role 'Security Reader' -StartDateTime ([datetime]::new(2030, 1, 1, 9, 0, 0)) -Duration 30d }
"@
        $out | Should -Be 'ok'
        $a = Get-PimAssignment -Principal 'user2@contoso.com' -State All
        $a.StartDateTime | Should -Be ([datetime]::new(2030, 1, 1, 0, 0, 0, [DateTimeKind]::Utc))
        $a.StartDateTime.Kind | Should -Be 'Utc'
    }
}

# Attacks on MFA (issue 11, findings 3 and 10), as a hostile user makes them with the module, a second pwsh window and
# sqlite3/psql: guessing codes, -WhatIf as a free oracle, and pasting one principal's encrypted seed onto another's row.
# A refused MFA code is the one refusal that writes (its MfaFailed audit record and its count): these tests check that
# nothing else moved. Runs on SQLite and PostgreSQL; no test clock (real time, real TOTP codes).
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
        $after = Test-PimAuditLog
        $after.IsValid | Should -BeTrue -Because "the type PimModule wrote is back: $($after.Reason) $($after.Disagreements)"
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

Describe 'An SMTP login never travels without TLS (finding 7)' -Tag Hostile, ProviderNeutral {
    BeforeAll { $script:trusted = New-SmtpSinkCertificate -Folder $TestDrive }

    It 'does not send the password to a server that offers no STARTTLS, and says why (PimMailInsecure)' -Tag Hostile {
        $password = 'Pa55-' + [guid]::NewGuid().ToString('N')
        $sink = Start-SmtpSink   # no STARTTLS; offers AUTH PLAIN/LOGIN in clear text
        try {
            New-MailVictim -Port $sink.Port -Password $password
            $before = Get-StoreFingerprint
            $out = Invoke-Send
            $log = Get-SmtpSinkLog $sink
            ($log -join "`n") | Should -Not -Match ([regex]::Escape($password))
            $log | Where-Object { $_ -match ' AUTH$|^AUTHENTICATE ' } | Should -BeNullOrEmpty
            Get-SmtpSinkMessage $sink | Should -BeNullOrEmpty
            $notes = @($out | Where-Object { $_ -like 'notification|*' })
            $notes.Count | Should -BeGreaterThan 0
            foreach ($n in $notes) { $n | Should -Match '^notification\|Pending\|PimMailInsecure: .*AllowInsecureAuthentication' }
            ($out -join "`n") | Should -Not -Match ([regex]::Escape($password))
            Get-StoreFingerprint | Should -Be $before
        }
        finally { Stop-SmtpSink $sink -RemoveFolder }
    }

    It 'logs in without TLS only when the administrator opted in with -AllowInsecureAuthentication' -Tag Hostile {
        $password = 'Pa55-' + [guid]::NewGuid().ToString('N')
        $sink = Start-SmtpSink
        try {
            New-MailVictim -Port $sink.Port -Password $password -AllowInsecureAuthentication
            (Get-PimMailSetting).AllowInsecureAuthentication | Should -BeTrue
            $out = Invoke-Send
            @($out | Where-Object { $_ -like 'notification|*' }) | ForEach-Object { $_ | Should -Match '^notification\|Sent\|' }
            $messages = Get-SmtpSinkMessage $sink
            $messages.Count | Should -BeGreaterThan 0
            $messages | ForEach-Object { $_.User | Should -Be 'mailer'; $_.Secure | Should -BeFalse }
            # Naming the switch as $false turns the opt-in off again; other settings stay.
            Set-PimMailSetting -SmtpServer 127.0.0.1 -From 'pim@contoso.com' -AllowInsecureAuthentication:$false
            (Get-PimMailSetting).AllowInsecureAuthentication | Should -BeFalse
            (Get-PimMailSetting).HasPassword | Should -BeTrue
        }
        finally { Stop-SmtpSink $sink -RemoveFolder }
    }

    It 'delivers and logs in over STARTTLS with a certificate the client trusts' -Tag Hostile {
        $password = 'Pa55-' + [guid]::NewGuid().ToString('N')
        $sink = Start-SmtpSink -Certificate $trusted
        try {
            New-MailVictim -Port $sink.Port -Password $password
            $out = Invoke-Send -CaFile $trusted.CaFile
            @($out | Where-Object { $_ -like 'notification|*' }) | ForEach-Object { $_ | Should -Match '^notification\|Sent\|' }
            $messages = Get-SmtpSinkMessage $sink
            $messages.Count | Should -BeGreaterThan 0
            $messages | ForEach-Object { $_.User | Should -Be 'mailer'; $_.Secure | Should -BeTrue }
            # The login came only after STARTTLS.
            Get-SmtpSinkLog $sink | Where-Object { $_ -match ' AUTH$|^AUTHENTICATE ' } | ForEach-Object { $_ | Should -Match ' secure ' }
        }
        finally { Stop-SmtpSink $sink -RemoveFolder }
    }

    It 'refuses a server certificate that nobody trusts: nothing sent, no login (validation stays on)' -Tag Hostile {
        $password = 'Pa55-' + [guid]::NewGuid().ToString('N')
        $untrusted = New-SmtpSinkCertificate -Folder $TestDrive -SelfSigned
        $sink = Start-SmtpSink -Certificate $untrusted
        try {
            New-MailVictim -Port $sink.Port -Password $password
            $before = Get-StoreFingerprint
            $out = Invoke-Send -CaFile $trusted.CaFile   # trusts the test CA, not this self-signed certificate
            @($out | Where-Object { $_ -like 'notification|*' }) | ForEach-Object { $_ | Should -Match '^notification\|Pending\|.*certificate' }
            Get-SmtpSinkMessage $sink | Should -BeNullOrEmpty
            (Get-SmtpSinkLog $sink) -join "`n" | Should -Not -Match ([regex]::Escape($password))
            Get-StoreFingerprint | Should -Be $before
        }
        finally { Stop-SmtpSink $sink -RemoveFolder }
    }
}

Describe 'A failed Connect-PimStore leaves no store and opens no other (finding 9)' -Tag Hostile {
    It 'refuses every command after a failed connect (<Name>) and never creates the default store' -Tag Hostile -ForEach @(
        @{ Name = 'unreachable PostgreSQL'; Connect = "-ConnectionString 'Host=127.0.0.1;Port=1;Database=pim;Username=pim;Timeout=3' -Provider PostgreSql" }
        @{ Name = 'a path under a file'; Connect = "-Path '<missing>'" }
    ) {
        $default = Join-Path $TestDrive ("default-{0}.db" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
        Set-Content -LiteralPath (Join-Path $TestDrive 'a-file') -Value 'not a folder'
        $connect = $Connect.Replace('<missing>', (Join-Path $TestDrive 'a-file/pim.db'))
        $out = Invoke-FreshPwsh -AllowFailure -Environment @{ PIM_STORE_PATH = $default; PIM_STORE_CONNECTION = $null } -Script @"
Import-Module '$ModulePath'
try { Connect-PimStore $connect -Principal admin@contoso.com; 'connect|ran' } catch { 'connect|' + `$_.FullyQualifiedErrorId }
foreach (`$c in @({ Get-PimRole 'Security Reader' }, { New-PimRole -Name 'Planted' }, { Get-PimStore }, { Connect-PimStore -Principal 'mallory@contoso.com' })) {
    try { & `$c | Out-Null; 'command|ran' } catch { 'command|' + `$_.FullyQualifiedErrorId + '|' + `$_.CategoryInfo.Category + '|' + `$_.Exception.Message }
}
'default|' + (Test-Path '$default')
"@
        ($out | Where-Object { $_ -like 'connect|*' }) | Should -Not -Be 'connect|ran'
        $commands = @($out | Where-Object { $_ -like 'command|*' })
        $commands.Count | Should -Be 4
        foreach ($c in $commands) { $c | Should -Match '^command\|PimNotConnected,PimModule\.Cmdlets\.\w+Command\|InvalidOperation\|.*Connect-PimStore' }
        $out | Should -Contain 'default|False'
        $default | Should -Not -Exist
    }

    It 'does not go on with the store that was open before a failed connect' -Tag Hostile {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        $before = Get-StoreFingerprint
        $out = Invoke-FreshPwsh -AllowFailure -Script @"
Import-Module '$ModulePath'
Connect-PimStore $(Get-TestConnectArgument) -Principal admin@contoso.com
try { Connect-PimStore -Principal 'not a principal' } catch { 'connect|' + `$_.FullyQualifiedErrorId }
try { New-PimRole -Name 'Planted after a failed connect' | Out-Null; 'command|ran' } catch { 'command|' + `$_.FullyQualifiedErrorId }
"@
        $out | Should -Contain 'connect|PimPrincipalInvalid,PimModule.Cmdlets.ConnectPimStoreCommand'
        $out | Should -Contain 'command|PimNotConnected,PimModule.Cmdlets.NewPimRoleCommand'
        Get-StoreFingerprint | Should -Be $before
        Get-PimRole -Name 'Planted after a failed connect' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'starts over after Disconnect-PimStore: the next command opens the default store again' -Tag Hostile {
        $default = New-TestStore
        $out = Invoke-FreshPwsh -AllowFailure -Environment $default.Environment -Script @"
Import-Module '$ModulePath'
Set-Content -LiteralPath '$(Join-Path $TestDrive 'a-file')' -Value 'not a folder'
try { Connect-PimStore -Path '$(Join-Path $TestDrive 'a-file/pim.db')' } catch { }
try { Get-PimStore | Out-Null; 'before|ran' } catch { 'before|' + `$_.FullyQualifiedErrorId }
Disconnect-PimStore
'after|' + (Get-PimStore).Location
"@
        $out | Should -Contain 'before|PimNotConnected,PimModule.Cmdlets.GetPimStoreCommand'
        $out | Should -Contain "after|$($default.Location)"
    }
}

Describe 'Store and key files are readable by their owner only (finding 11)' -Tag Hostile {
    It 'creates the data folder 0700 and the store, its -wal and -shm 0600' -Tag Hostile {
        if ($IsWindows) { Set-ItResult -Skipped -Because 'Unix file modes (Windows: the profile ACL)' }
        if ($OnPostgres) { Set-ItResult -Skipped -Because 'about SQLite files (PostgreSQL keeps the store on the server)' }
        $home2 = Join-Path $TestDrive ("home-{0}" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory $home2 | Out-Null
        $own = Join-Path $TestDrive ("own-{0}.db" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
        $out = Invoke-FreshPwsh -Environment @{ HOME = $home2; XDG_DATA_HOME = $null; PIM_STORE_PATH = $null; PIM_STORE_CONNECTION = $null; PIM_SECRET_KEY = $null } -Script @"
function Mode([string] `$p) { [Convert]::ToString([int][IO.File]::GetUnixFileMode(`$p), 8) }
Import-Module '$ModulePath'
Connect-PimStore -Principal admin@contoso.com
New-PimRole -Name 'Written' | Out-Null
`$db = (Get-PimStore).Location
`$folder = Split-Path `$db
foreach (`$f in `$folder, `$db, "`$db-wal", "`$db-shm") { (Split-Path `$f -Leaf) + '=' + (Mode `$f) }
Connect-PimStore -Path '$own' -Principal admin@contoso.com
New-PimRole -Name 'Written' | Out-Null
foreach (`$f in '$own', '$own-wal', '$own-shm') { 'own' + (Split-Path `$f -Leaf).Substring((Split-Path '$own' -Leaf).Length) + '=' + (Mode `$f) }
"@
        $out | Should -Contain 'PimModule=700'
        $out | Should -Contain 'pim.db=600'
        $out | Should -Contain 'pim.db-wal=600'
        $out | Should -Contain 'pim.db-shm=600'
        $out | Should -Contain 'own=600'
        $out | Should -Contain 'own-wal=600'
        $out | Should -Contain 'own-shm=600'
    }

    It 'creates the secret key file 0600 in a 0700 folder' -Tag Hostile {
        if ($IsWindows) { Set-ItResult -Skipped -Because 'Unix file modes (Windows: the profile ACL)' }
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        $home2 = Join-Path $TestDrive ("home-{0}" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory $home2 | Out-Null
        $out = Invoke-FreshPwsh -Environment @{ HOME = $home2; XDG_DATA_HOME = $null; PIM_SECRET_KEY = $null } -Script @"
function Mode([string] `$p) { [Convert]::ToString([int][IO.File]::GetUnixFileMode(`$p), 8) }
Import-Module '$ModulePath'
Connect-PimStore $(Get-TestConnectArgument) -Principal admin@contoso.com
Register-PimMfaMethod | Out-Null
`$key = Join-Path ([Environment]::GetFolderPath('LocalApplicationData')) 'PimModule/secret.key'
'key=' + (Mode `$key)
'folder=' + (Mode (Split-Path `$key))
"@
        $out | Should -Contain 'key=600'
        $out | Should -Contain 'folder=700'
    }

    It 'writes a New-PimCredential -Path key 0600 and leaves the folder it is given as it was (a shared /tmp stays 1777)' -Tag Hostile {
        if ($IsWindows) { Set-ItResult -Skipped -Because 'Unix file modes (Windows: the profile ACL)' }
        $shared = Join-Path $TestDrive ("shared-{0}" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory $shared | Out-Null
        [IO.File]::SetUnixFileMode($shared, [IO.UnixFileMode]'StickyBit, UserRead, UserWrite, UserExecute, GroupRead, GroupWrite, GroupExecute, OtherRead, OtherWrite, OtherExecute')
        $key = Join-Path $shared 'runbook.pem'
        New-PimCredential -Principal 'runbook@contoso.com' -Path $key | Out-Null
        [Convert]::ToString([int][IO.File]::GetUnixFileMode($key), 8) | Should -Be '600'
        [Convert]::ToString([int][IO.File]::GetUnixFileMode($shared), 8) | Should -Be '1777'
        # A folder that is not there yet is made the owner's only.
        $new = Join-Path $TestDrive ("new-{0}/keys" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-PimCredential -Principal 'runbook@contoso.com' -Path (Join-Path $new 'k.pem') | Out-Null
        [Convert]::ToString([int][IO.File]::GetUnixFileMode($new), 8) | Should -Be '700'
    }

    It 'writes <Cmdlet> owner-only, replacing a wider file and a planted symbolic link without following it' -Tag Hostile -ForEach @(
        @{ Cmdlet = 'Export-PimReport'; Write = { param($p) Export-PimReport -Path $p -Force } }
        @{ Cmdlet = 'Export-PimAuditLog'; Write = { param($p) Export-PimAuditLog -Path $p -Force } }
        @{ Cmdlet = 'Export-PimRoleSetting'; Write = { param($p) Export-PimRoleSetting -Role 'Security Reader' -Path $p } }
        @{ Cmdlet = 'Export-PimAssignment'; Write = { param($p) Export-PimAssignment -Format Graph -Role 'Security Reader' -Path $p } }
    ) {
        if ($IsWindows) { Set-ItResult -Skipped -Because 'Unix file modes and symbolic links (Windows: the profile ACL)' }
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        [pscustomobject]@{ Id = '11111111-1111-1111-1111-111111111111'; UserPrincipalName = 'user1@contoso.com'; DisplayName = 'User One' } | Import-PimDirectoryObject | Out-Null
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' -Permanent -Justification 'secret reason' | Out-Null
        $dir = Join-Path $TestDrive ("exports-{0}" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory $dir | Out-Null
        # A file the victim already had, readable by all: replaced by a file that is the owner's only.
        $wide = Join-Path $dir 'wide.out'
        'old' | Set-Content $wide
        [IO.File]::SetUnixFileMode($wide, [IO.UnixFileMode]'UserRead, UserWrite, GroupRead, OtherRead')
        & $Write $wide
        [Convert]::ToString([int][IO.File]::GetUnixFileMode($wide), 8) | Should -Be '600'
        Get-Content $wide -Raw | Should -Not -Match '^old'
        # A link another user planted where the export goes, pointing at one of the victim's files: the link is replaced,
        # the file it points to is untouched.
        $victim = Join-Path $dir 'victim.txt'
        'keep me' | Set-Content $victim
        $link = Join-Path $dir 'planted.out'
        New-Item -ItemType SymbolicLink -Path $link -Target $victim | Out-Null
        & $Write $link
        Get-Content $victim -Raw | Should -Be "keep me$([Environment]::NewLine)"
        (Get-Item $link).LinkTarget | Should -BeNullOrEmpty
        [Convert]::ToString([int][IO.File]::GetUnixFileMode($link), 8) | Should -Be '600'
        # Nothing is left behind in the folder but the three files.
        (Get-ChildItem $dir -Force).Name | Sort-Object | Should -Be @('planted.out', 'victim.txt', 'wide.out')
    }

    It 'refuses a dangling symbolic link planted where a report or audit log goes without -Force, and creates nothing where it points (<Cmdlet>)' -Tag Hostile -ForEach @(
        @{ Cmdlet = 'Export-PimReport'; Write = { param($p) Export-PimReport -Path $p } }
        @{ Cmdlet = 'Export-PimAuditLog'; Write = { param($p) Export-PimAuditLog -Path $p } }
    ) {
        if ($IsWindows) { Set-ItResult -Skipped -Because 'symbolic links (Windows: the profile ACL)' }
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        $dir = Join-Path $TestDrive ("dangling-{0}" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory $dir | Out-Null
        $target = Join-Path $dir 'where-the-attacker-wants-it.html'
        $link = Join-Path $dir 'report.html'
        New-Item -ItemType SymbolicLink -Path $link -Target $target | Out-Null
        $e = $null
        try { & $Write $link } catch { $e = $_ }
        $e.FullyQualifiedErrorId | Should -BeLike 'PimFileExists,*'
        Test-Path $target | Should -BeFalse
        (Get-Item $link -Force).LinkTarget | Should -Be $target
        (Get-ChildItem $dir -Force).Name | Should -Be @('report.html')
    }

    It 'names the missing folder when an export cannot be written, and leaves no temporary file (<Cmdlet>)' -ForEach @(
        @{ Cmdlet = 'Export-PimReport'; Id = 'PimFileNotWritable'; Write = { param($p) Export-PimReport -Path $p } }
        @{ Cmdlet = 'Export-PimRoleSetting'; Id = 'PimSettingFileNotWritable'; Write = { param($p) Export-PimRoleSetting -Role 'Security Reader' -Path $p } }
    ) {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        $missing = Join-Path $TestDrive ("missing-{0}" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
        $e = $null
        try { & $Write (Join-Path $missing 'out.file') } catch { $e = $_ }
        $e.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $e.CategoryInfo.Category | Should -Be 'WriteError'
        $e.Exception.Message | Should -BeLike "*the folder '$missing' does not exist*"
        $e.Exception.Message | Should -Not -Match '\.tmp'
        Test-Path $missing | Should -BeFalse
    }
}

Describe 'Connection-string secrets never reach output, errors or -Verbose (finding 16)' -Tag Hostile {
    BeforeAll {
        $script:marker = 's3cret-marker-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $script:pw = 'pw-marker-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        function Get-ErrorText([System.Management.Automation.ErrorRecord] $e) {
            $text = @($e.Exception.Message, "$($e.TargetObject)", $e.ErrorDetails.Message, $e.ErrorDetails.RecommendedAction, $e.CategoryInfo.TargetName)
            for ($x = $e.Exception; $x; $x = $x.InnerException) { $text += $x.Message }
            $text -join "`n"
        }
    }

    It 'strips SSL Password and Password from an error of a connect that fails (<Name>)' -Tag Hostile -ForEach @(
        @{ Name = 'server unreachable'; Base = 'Host=127.0.0.1;Port=1;Database=pim;Username=pim;Timeout=3' }
        @{ Name = 'no such database'; Base = $null }
        @{ Name = 'not a connection string Npgsql knows'; Base = 'Host=127.0.0.1;Port=1;Database=pim;Bogus Key=1' }
    ) {
        if (-not $OnPostgres) { Set-ItResult -Skipped -Because 'PostgreSQL only (a SQLite store has no connection string)' }
        $cs = if ($Base) { $Base } else {
            $b = ConvertFrom-ConnectionString $env:PIM_TEST_PG_ADMIN
            foreach ($k in @('Database', 'DB', 'Password', 'PWD')) { if ($b.ContainsKey($k)) { $null = $b.Remove($k) } }
            $b['Database'] = 'pim_no_such_db_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
            $b.get_ConnectionString()
        }
        $cs = "$cs;Password=$pw;SSL Password=$marker"
        $vfile = Join-Path $TestDrive ("verbose-{0}.txt" -f [guid]::NewGuid().ToString('N'))
        $err = { Connect-PimStore -ConnectionString $cs -Provider PostgreSql -Verbose 4> $vfile } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Match '^PimStore\w+,PimModule\.Cmdlets\.ConnectPimStoreCommand$'
        $text = (Get-ErrorText $err) + "`n" + (Get-Content $vfile -Raw -ErrorAction SilentlyContinue)
        $text | Should -Not -Match $marker
        $text | Should -Not -Match $pw
    }

    It 'strips them from Location, -Verbose and the audit log of a connect that succeeds' -Tag Hostile {
        if (-not $OnPostgres) { Set-ItResult -Skipped -Because 'PostgreSQL only (a SQLite store has no connection string)' }
        $store = New-TestStore
        $cs = "$($store.ConnectionString);Password=$pw;SSL Password=$marker"
        $verbose = Connect-PimStore -ConnectionString $cs -Provider PostgreSql -Principal 'admin@contoso.com' -Verbose 4>&1
        ($verbose -join "`n") | Should -Match 'Connected to the PostgreSql store'
        ($verbose -join "`n") | Should -Not -Match "$marker|$pw"
        $location = (Get-PimStore).Location
        $location | Should -Not -Match "$marker|$pw|Password"
        $location | Should -Match "Database=$($store.Database)"
        New-PimRole -Name 'Audited' | Out-Null
        (Get-PimAuditLog | ConvertTo-Json -Depth 5) | Should -Not -Match "$marker|$pw"
        (Get-PimStore | ConvertTo-Json) | Should -Not -Match "$marker|$pw"
    }
}

# The second hostile pass (docs/security.md, "Second pass"): what it broke, kept broken-proof.
Describe 'Second pass: what a newcomer attacker found' -Tag Hostile {
    BeforeEach { $null = Connect-TestStore -Principal 'admin@contoso.com' }

    It 'does not take invisible text for a justification or ticket (<Case>)' -Tag ProviderNeutral -ForEach @(
        @{ Case = 'zero-width spaces'; Text = [string][char]0x200B * 3; Id = 'PimInputInvalid' }
        @{ Case = 'a byte-order mark'; Text = [string][char]0xFEFF; Id = 'PimInputInvalid' }
        @{ Case = 'joiners alone'; Text = [string][char]0x200D + [char]0x200C; Id = 'PimJustificationRequired' }
    ) {
        Set-PimRoleSetting -Role 'Global Reader' -ActivationRequirement None -RequireJustification $true
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Global Reader' | Out-Null
        $fp = Get-StoreFingerprint
        $codes = ($Text.ToCharArray() | ForEach-Object { '[char]0x{0:X4}' -f [int]$_ }) -join ' + '
        $out = Invoke-Attack -Principal 'user1@contoso.com' -Script "Request-PimActivation -Role 'Global Reader' -Justification ([string]($codes))"
        Get-AttackErrorId $out | Should -Be @($Id)
        Get-StoreFingerprint | Should -Be $fp
    }

    It 'asks the administrator''s MFA to extend an active assignment when the role requires MFA on active assignment' {
        $a = New-PimActiveAssignment -Principal 'bob@contoso.com' -Role 'Exchange Administrator' -Duration 1d -Justification 'before the rule'
        Set-PimRoleSetting -Role 'Exchange Administrator' -RequireMfaOnActiveAssignment $true
        $fp = Get-StoreFingerprint
        $out = Invoke-Attack -Principal 'admin@contoso.com' -Script "Update-PimAssignment -AssignmentId $($a.AssignmentId) -Permanent -Justification 'forever' -Confirm:`$false"
        Get-AttackErrorId $out | Should -Be @('PimMfaRequired')
        (Get-PimAssignment -AssignmentId $a.AssignmentId).EndDateTime | Should -Not -BeNullOrEmpty
        Get-StoreFingerprint | Should -Be $fp
    }

    It 'refuses an empty item in a list parameter with the module''s own error (<Case>)' -Tag ProviderNeutral -ForEach @(
        @{ Case = 'Set-PimRoleSetting -Approvers'; Script = "Set-PimRoleSetting -Role 'Security Reader' -Approvers @('bob@contoso.com', `$null)"; Id = 'PimInputInvalid' }
        @{ Case = 'Set-PimNotificationSetting -AdditionalRecipients'; Script = "Set-PimNotificationSetting -Role 'Security Reader' -Event Activated -Recipient Admin -AdditionalRecipients @(`$null)"; Id = 'PimInputInvalid' }
        @{ Case = 'Get-PimAssignment -Role'; Script = 'Get-PimAssignment -Role @($null)'; Id = 'PimRoleRequired' }
        @{ Case = 'Get-PimRequest -Role'; Script = 'Get-PimRequest -Role @($null)'; Id = 'PimRoleRequired' }
    ) {
        $fp = Get-StoreFingerprint
        $out = Invoke-Attack -Principal 'admin@contoso.com' -Script $Script
        Get-AttackErrorId $out | Should -Be @($Id)
        Get-StoreFingerprint | Should -Be $fp
    }

    It 'refuses a file path by name, never with a raw .NET exception, and changes nothing: <Why> (<Script>)' -Tag ProviderNeutral -ForEach @(
        # A device (or a link to one) is read no further than the cmdlet's limit (16-256 MB): PimInputTooLong.
        @{ Why = 'a device'; Id = 'PimInputTooLong'; Unix = $true; Script = "Import-PimRoleSetting -Path /dev/zero -Confirm:`$false" }
        @{ Why = 'a device'; Id = 'PimInputTooLong'; Unix = $true; Script = "Import-PimAssignment -Path /dev/zero -Confirm:`$false" }
        @{ Why = 'a device'; Id = 'PimInputTooLong'; Unix = $true; Script = "Invoke-PimConfiguration -Path /dev/zero -Confirm:`$false" }
        @{ Why = 'a device'; Id = 'PimInputTooLong'; Unix = $true; Script = "Compare-PimRoleSetting -Reference /dev/zero -Difference 'Security Reader'" }
        @{ Why = 'a device'; Id = 'PimInputTooLong'; Unix = $true; Script = "Import-PimDirectoryObject -Path /dev/zero -Confirm:`$false" }
        @{ Why = 'a .json link to a device'; Id = 'PimInputTooLong'; Unix = $true; Script = "New-Item -ItemType SymbolicLink -Path (Join-Path ([IO.Path]::GetTempPath()) ('z{0}.json' -f [guid]::NewGuid().ToString('N'))) -Target /dev/zero | ForEach-Object { Import-PimDirectoryObject -Path `$_.FullName -Confirm:`$false }" }
        # A control character in a path: PimInputInvalid (a NUL made .NET throw ArgumentException).
        @{ Why = 'a control character'; Id = 'PimInputInvalid'; Unix = $false; Script = "Export-PimReport -Path /tmp/r`$([char]0)x.html" }
        @{ Why = 'a control character'; Id = 'PimInputInvalid'; Unix = $false; Script = "Export-PimRoleSetting -Path /tmp/r`$([char]0)x.json" }
        @{ Why = 'a control character'; Id = 'PimInputInvalid'; Unix = $false; Script = "Import-PimAssignment -Path /tmp/r`$([char]0)x.json" }
        @{ Why = 'a control character'; Id = 'PimInputInvalid'; Unix = $false; Script = "Invoke-PimConfiguration -Path /tmp/r`$([char]27)x.json" }
    ) {
        if ($Unix -and $IsWindows) { Set-ItResult -Skipped -Because '/dev/zero is a Unix device' ; return }
        $fp = Get-StoreFingerprint
        # The attack runs with the memory the largest limit needs, and no more: an unbounded read fails with OutOfMemoryException.
        $out = Invoke-Attack -Principal 'admin@contoso.com' -Script $Script -Environment @{ DOTNET_GCHeapHardLimit = '0x60000000' }
        Get-AttackErrorId $out | Should -Be @($Id)
        Get-StoreFingerprint | Should -Be $fp
    }

    It 'does not let one principal flood the approvers with requests at invented scopes' {
        Set-PimRoleSetting -Role 'Global Reader' -ActivationRequirement None -RequireJustification $false -RequireApproval $true -Approvers 'approver1@contoso.com'
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Global Reader' | Out-Null
        $out = Invoke-Attack -Principal 'user1@contoso.com' -Script @'
1..8 | ForEach-Object { try { Request-PimActivation -Role 'Global Reader' -Scope "/administrativeUnits/invented$_" -ErrorAction Stop | Out-Null } catch { } }
'@
        Get-AttackErrorId $out | Should -Be @('PimRequestLimitReached', 'PimRequestLimitReached', 'PimRequestLimitReached')
        @(Get-PimRequest -Status PendingApproval -Principal 'user1@contoso.com').Count | Should -Be 5
    }
}

# Verified stores (issue 13): who acts is proven, not claimed. Each refusal asserts its error id and that the store did not
# move, read around the module (Get-RawFingerprint).
Describe 'Verified stores: who acts is proven, not claimed' -Tag Hostile {
    BeforeAll {
    $script:Users = Join-Path $TestDrive 'users'

    function Use-TestUser {
        <# Acts as one person: their own PimModule folder (key folder, known-stores file) under $TestDrive. #>
        param([Parameter(Mandatory)] [string] $Name)
        $env:XDG_DATA_HOME = Join-Path $script:Users $Name
        $null = New-Item -ItemType Directory -Path $env:XDG_DATA_HOME -Force
    }

    function Connect-Verified {
        <# Connect-PimStore to a test store as a principal, in Verified mode (the default), with their own key folder. #>
        param([Parameter(Mandatory)] [object] $Store, [Parameter(Mandatory)] [string] $Principal, [hashtable] $Extra = @{})
        $p = @{ Principal = $Principal; IdentityMode = 'Verified' }
        foreach ($k in $Extra.Keys) { $p[$k] = $Extra[$k] }
        if ($Store.Provider -eq 'PostgreSql') { Connect-PimStore -ConnectionString $Store.ConnectionString -Provider PostgreSql @p }
        else { Connect-PimStore -Path $Store.Path @p }
    }

    function New-VerifiedStore {
        <# A Verified store made by admin (their folder), with user1's key registered and user1 eligible for Security Reader. #>
        $store = New-TestStore
        $script:Users = Join-Path $TestDrive "users-$([guid]::NewGuid().ToString('N').Substring(0, 8))"   # each store, its own people
        Use-TestUser admin
        Connect-Verified $store admin@contoso.com
        Use-TestUser user1
        $key = New-PimCredential -Principal user1@contoso.com
        Use-TestUser admin
        $key | Register-PimCredential -Principal user1@contoso.com | Out-Null
        New-PimEligibleAssignment -Principal user1@contoso.com -Role 'Security Reader' -Permanent -Justification 'JIT' | Out-Null
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None
        $store | Add-Member -NotePropertyName User1Key -NotePropertyValue $key -PassThru
    }

    function Get-RecordHash {
        <# The module's record hash (AuditLog.ComputeHash): SHA-256 over length-prefixed fields, as an attacker recomputes it. #>
        param($r, [string] $Prev)
        $sb = [Text.StringBuilder]::new()
        foreach ($v in @("$($r.sequence)", $r.audit_id, "$($r.at_utc)", $r.actor, $r.action, $r.target_type, $r.target_id, $r.role_id, $r.principal, $r.before_json, $r.after_json, $Prev)) {
            if ($null -eq $v) { [void]$sb.Append('-1:') } else { [void]$sb.Append("$($v.Length):$v") }
        }
        [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($sb.ToString()))).ToLowerInvariant()
    }

    function Edit-RecordAndRechain {
        <# The attacker's edit: one record's after_json changed, and every hash from there recomputed (and the head), with SQL alone. #>
        param([Parameter(Mandatory)] [object] $Store, [Parameter(Mandatory)] [long] $Sequence, [Parameter(Mandatory)] [string] $Find, [Parameter(Mandatory)] [string] $Replace)
        $cols = "'sequence', sequence, 'audit_id', audit_id, 'at_utc', CAST(at_utc AS TEXT), 'actor', actor, 'action', action, 'target_type', target_type, 'target_id', target_id, 'role_id', role_id, 'principal', principal, 'before_json', before_json, 'after_json', after_json, 'prev_hash', prev_hash, 'hash', hash"
        $fn = if ($Store.Provider -eq 'PostgreSql') { 'json_build_object' } else { 'json_object' }
        $rows = @(Invoke-Sql -Store $Store -Sql "SELECT $fn($cols) FROM audit_log WHERE sequence >= $($Sequence - 1) ORDER BY sequence" | ForEach-Object { $_ | ConvertFrom-Json })
        $prev = if ($rows[0].sequence -eq $Sequence) { $rows[0].prev_hash } else { $rows[0].hash }
        $sql = [Text.StringBuilder]::new()
        foreach ($r in $rows | Where-Object sequence -ge $Sequence) {
            if ($r.sequence -eq $Sequence) { $r.after_json = $r.after_json.Replace($Find, $Replace) }
            $h = Get-RecordHash $r $prev
            $after = if ($null -eq $r.after_json) { 'NULL' } else { "'" + $r.after_json.Replace("'", "''") + "'" }
            [void]$sql.Append("UPDATE audit_log SET after_json = $after, prev_hash = '$prev', hash = '$h' WHERE sequence = $($r.sequence);")
            $prev = $h
        }
        [void]$sql.Append("UPDATE store_info SET value = '$prev' WHERE key = 'audit_head_hash';")
        Invoke-Sql -Store $Store -Sql $sql.ToString() | Out-Null
    }

    function Invoke-AsAdministratorElsewhere {
        <# The administrator, in another session (a fresh pwsh with their own folder), connected to the store, runs -Command. #>
        param([Parameter(Mandatory)] [object] $Store, [Parameter(Mandatory)] [string] $Command)
        $script = @"
    `$env:XDG_DATA_HOME = '$(Join-Path $script:Users admin)'
    Import-Module '$ModulePath'
    Connect-PimStore $($Store.ConnectArguments -replace '-IdentityMode Lab', '-IdentityMode Verified') -Principal admin@contoso.com
    $Command
"@
        Invoke-FreshPwsh -Script $script | Out-Null
    }

    function Test-NoStore([object] $Store) {
        <# True when nothing of a store is at the test store's location (no tables; for SQLite, no file or an empty one). #>
        # (PostgreSQL: the tables' owner made the tables before; no store is no record in them.)
        if ($Store.Provider -eq 'PostgreSql') { return ((Invoke-Sql -Store $Store -Sql "SELECT CASE WHEN to_regclass('audit_log') IS NULL THEN 0 ELSE (SELECT COUNT(*) FROM audit_log) END") -join '') -eq '0' }
        -not (Test-Path -LiteralPath $Store.Path) -or ((Invoke-Sql -Store $Store -Sql "SELECT COUNT(*) FROM sqlite_master WHERE name = 'audit_log'") -join '') -eq '0'
    }

    function ConvertTo-Base64Url([byte[]] $Bytes) { [Convert]::ToBase64String($Bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_') }

    function Add-ForgedTransaction {
        <#
        What someone with write access and a key of their own can do around the module: append records as themselves,
        chained and hashed as the module does, and seal them with their own key (a valid JWS over the chain's heads).
        #>
        param([Parameter(Mandatory)] [object] $Store, [Parameter(Mandatory)] [string] $KeyPath, [Parameter(Mandatory)] [string] $Actor,
            [Parameter(Mandatory)] [object[]] $Records)
        $head = @(Invoke-Sql -Store $Store -Sql "SELECT sequence || '|' || hash FROM audit_log ORDER BY sequence DESC LIMIT 1")[0].Split('|')
        $from = [long]$head[0]; $prev = $head[1]
        $storeId = (Invoke-Sql -Store $Store -Sql "SELECT value FROM store_info WHERE key = 'store_id'") -join ''
        $ticks = [datetime]::UtcNow.Ticks
        $sql = [Text.StringBuilder]::new()
        $seq = $from
        foreach ($rec in $Records) {
            $seq++
            $r = [pscustomobject]@{ sequence = $seq; audit_id = [guid]::NewGuid().ToString(); at_utc = $ticks; actor = $Actor; action = $rec.Action
                target_type = $rec.TargetType; target_id = $rec.TargetId; role_id = $null; principal = $rec.Principal; before_json = $null; after_json = $rec.After }
            $h = Get-RecordHash $r $prev
            $principal = if ($rec.Principal) { "'$($rec.Principal)'" } else { 'NULL' }
            $afterSql = if ($null -eq $rec.After) { 'NULL' } else { "'$($rec.After.Replace("'", "''"))'" }   # a removal has none
            [void]$sql.Append("INSERT INTO audit_log (sequence, audit_id, at_utc, actor, actor_key, action, target_type, target_id, role_id, principal, principal_key, before_json, after_json, prev_hash, hash) VALUES ($seq, '$($r.audit_id)', $ticks, '$Actor', '$($Actor.ToLowerInvariant())', '$($rec.Action)', '$($rec.TargetType)', '$($rec.TargetId)', NULL, $principal, $($principal.ToLowerInvariant()), NULL, $afterSql, '$prev', '$h');")
            $prev = $h
        }
        $key = [Security.Cryptography.ECDsa]::Create()
        $key.ImportFromPem((Get-Content -LiteralPath $KeyPath -Raw))
        $kid = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($key.ExportSubjectPublicKeyInfo()))
        $header = '{"alg":"ES256","kid":"' + $kid + '","pim_actor":"' + $Actor + '","typ":"pim-seal+jws"}'
        $payload = '{"head":{"hash":"' + $prev + '","seq":' + $seq + '},"prev":{"hash":"' + $head[1] + '","seq":' + $from + '},"store":"' + $storeId + '","v":1}'
        $input = (ConvertTo-Base64Url ([Text.Encoding]::UTF8.GetBytes($header))) + '.' + (ConvertTo-Base64Url ([Text.Encoding]::UTF8.GetBytes($payload)))
        $signature = ConvertTo-Base64Url ($key.SignData([Text.Encoding]::ASCII.GetBytes($input), [Security.Cryptography.HashAlgorithmName]::SHA256))
        [void]$sql.Append("INSERT INTO seals (to_sequence, from_sequence, actor, key_id, envelope) VALUES ($seq, $from, '$Actor', '$kid', '$input.$signature');")
        [void]$sql.Append("UPDATE store_info SET value = '$seq' WHERE key = 'audit_head_sequence'; UPDATE store_info SET value = '$prev' WHERE key = 'audit_head_hash';")
        Invoke-Sql -Store $Store -Sql $sql.ToString() | Out-Null
    }
    }

    AfterAll {
        Remove-Item Env:XDG_DATA_HOME -ErrorAction SilentlyContinue
    }

    Describe 'Identity modes' {
        It 'makes a new store Verified by default, with a trust anchor and sealed records' {
            $store = New-TestStore
            $script:Users = Join-Path $TestDrive 'users-default'
            Use-TestUser admin
            if ($store.Provider -eq 'PostgreSql') { Connect-PimStore -ConnectionString $store.ConnectionString -Provider PostgreSql -Principal admin@contoso.com -IdentityMode:([PimModule.PimIdentityMode]::Verified) }
            else { Connect-PimStore -Path $store.Path -Principal admin@contoso.com -IdentityMode Verified }
            $info = Get-PimStore
            $info.IdentityMode | Should -Be 'Verified'
            $info.TrustAnchor | Should -Match "^$($info.StoreId):[0-9A-F]{64}$"
            (Get-PimAuditLog | Select-Object -First 1).IdentityMode | Should -Be 'Verified'
            $check = Test-PimAuditLog
            $check.IsValid | Should -BeTrue
            $check.SealsChecked | Should -BeGreaterThan 0
            (Get-PimCredential -Principal admin@contoso.com).State | Should -Be 'Active'
        }

        It 'refuses -IdentityMode Lab on a Verified store, and changes nothing' {
            $store = New-VerifiedStore
            $before = Get-RawFingerprint $store
            $e = Get-Refusal { Connect-Verified $store admin@contoso.com -Extra @{ IdentityMode = 'Lab' } }
            $e.FullyQualifiedErrorId | Should -Be 'PimIdentityModeMismatch,PimModule.Cmdlets.ConnectPimStoreCommand'
            Get-RawFingerprint $store | Should -Be $before
        }

        It 'does not become Lab when a row says so' {
            $store = New-VerifiedStore
            Invoke-Sql -Store $store -Sql "UPDATE store_info SET value = 'Lab' WHERE key = 'identity_mode'" | Out-Null
            Use-TestUser eve
            $e = Get-Refusal { Connect-Verified $store admin@contoso.com -Extra @{ IdentityMode = 'Lab' } }
            $e.FullyQualifiedErrorId | Should -Be 'PimIdentityModeMismatch,PimModule.Cmdlets.ConnectPimStoreCommand'
        }

        It 'refuses -IdentityMode Verified on a Lab store' {
            $store = New-TestStore
            Connect-TestStore -Principal admin@contoso.com -Store $store | Out-Null
            (Get-PimStore).IdentityMode | Should -Be 'Lab'
            $e = Get-Refusal { Connect-Verified $store admin@contoso.com }
            $e.FullyQualifiedErrorId | Should -Be 'PimIdentityModeMismatch,PimModule.Cmdlets.ConnectPimStoreCommand'
        }
    }

    Describe 'Acting with a key' {
        It 'lets a registered principal act with their own key, sealed in their name' {
            $store = New-VerifiedStore
            Use-TestUser user1
            Connect-Verified $store user1@contoso.com
            Request-PimActivation -Role 'Security Reader' -Justification 'Investigating an alert' | Out-Null
            (Get-PimAuditLog | Select-Object -Last 1).Actor | Should -Be 'user1@contoso.com'
            (Test-PimAuditLog).IsValid | Should -BeTrue
        }

        It 'refuses to act as a principal without their key (impersonation), and changes nothing' {
            $store = New-VerifiedStore
            $before = Get-RawFingerprint $store
            Use-TestUser eve
            $e = Get-Refusal { Connect-Verified $store admin@contoso.com }
            $e.FullyQualifiedErrorId | Should -Be 'PimCredentialNotFound,PimModule.Cmdlets.ConnectPimStoreCommand'
            (Get-Refusal { Get-PimStore }).FullyQualifiedErrorId | Should -Match '^PimNotConnected'
            Get-RawFingerprint $store | Should -Be $before
        }

        It 'refuses a key registered to someone else, and changes nothing' {
            $store = New-VerifiedStore
            $before = Get-RawFingerprint $store
            Use-TestUser user1
            $userKey = Join-Path $env:XDG_DATA_HOME 'PimModule/keys/user1@contoso.com.pem'
            $e = Get-Refusal { Connect-Verified $store admin@contoso.com -Extra @{ CredentialPath = $userKey } }
            $e.FullyQualifiedErrorId | Should -Be 'PimCredentialNotRegistered,PimModule.Cmdlets.ConnectPimStoreCommand'
            Get-RawFingerprint $store | Should -Be $before
        }

        It 'refuses a revoked key, at connect and inside the next write of a session that was connected with it' {
            $store = New-VerifiedStore
            Use-TestUser user1
            Connect-Verified $store user1@contoso.com
            # The administrator, in another session (a fresh pwsh with their own folder), revokes user1's key.
            Invoke-AsAdministratorElsewhere -Store $store -Command "Revoke-PimCredential -Thumbprint $($store.User1Key.Thumbprint) -Confirm:`$false"
            $before = Get-RawFingerprint $store
            $e = Get-Refusal { Request-PimActivation -Role 'Security Reader' -Justification 'After the revocation' -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Match '^PimCredentialNotRegistered,'
            Get-RawFingerprint $store | Should -Be $before
            $e = Get-Refusal { Connect-Verified $store user1@contoso.com }
            $e.FullyQualifiedErrorId | Should -Be 'PimCredentialNotRegistered,PimModule.Cmdlets.ConnectPimStoreCommand'
            Get-RawFingerprint $store | Should -Be $before
        }

        It 'refuses an administrator binding a new key to a principal who has one, alone; a second administrator confirms it' {
            $store = New-VerifiedStore
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            $spare = New-PimCredential -Principal user1@contoso.com -Path (Join-Path $TestDrive "spare-$([guid]::NewGuid()).pem")
            $before = Get-RawFingerprint $store
            $e = Get-Refusal { $spare | Register-PimCredential -Principal user1@contoso.com -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimCredentialRebindRefused,PimModule.Cmdlets.RegisterPimCredentialCommand'
            Get-RawFingerprint $store | Should -Be $before
            # Proposed, the key binds nothing until a second administrator confirms it; the proposer cannot confirm it.
            ($spare | Register-PimCredential -Principal user1@contoso.com -Propose).State | Should -Be 'Pending'
            $e = Get-Refusal { $spare | Register-PimCredential -Principal user1@contoso.com -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimCredentialRebindRefused,PimModule.Cmdlets.RegisterPimCredentialCommand'
            Use-TestUser admin2
            $admin2 = New-PimCredential -Principal admin2@contoso.com
            Use-TestUser admin
            $admin2 | Register-PimCredential -Principal admin2@contoso.com | Out-Null
            New-PimActiveAssignment -Principal admin2@contoso.com -Role 'Privileged Role Administrator' -Permanent -Justification 'Second administrator' | Out-Null
            Use-TestUser admin2
            Connect-Verified $store admin2@contoso.com
            ($spare | Register-PimCredential -Principal user1@contoso.com).State | Should -Be 'Active'
            (Test-PimAuditLog).IsValid | Should -BeTrue
            Get-PimNotification | Where-Object Recipient -eq 'user1@contoso.com' | Should -Not -BeNullOrEmpty
        }

        It 'refuses revoking a principal''s key and binding another one, by one administrator alone' {
            $store = New-VerifiedStore
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            Revoke-PimCredential -Thumbprint $store.User1Key.Thumbprint -Confirm:$false
            $mine = New-PimCredential -Principal user1@contoso.com -Path (Join-Path $TestDrive "taken-$([guid]::NewGuid()).pem")
            $before = Get-RawFingerprint $store
            $e = Get-Refusal { $mine | Register-PimCredential -Principal user1@contoso.com -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimCredentialRebindRefused,PimModule.Cmdlets.RegisterPimCredentialCommand'
            Get-RawFingerprint $store | Should -Be $before
        }

        It 'refuses a key that is bound to another principal (one key, one principal)' {
            $store = New-VerifiedStore
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            $before = Get-RawFingerprint $store
            $e = Get-Refusal { $store.User1Key | Register-PimCredential -Principal user2@contoso.com -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimCredentialInUse,PimModule.Cmdlets.RegisterPimCredentialCommand'
            Get-RawFingerprint $store | Should -Be $before
        }
    }

    Describe 'A log anyone can check' {
        It 'finds an audit record edited with the SHA-256 chain recomputed; connecting is refused' {
            $store = New-VerifiedStore
            Use-TestUser user1
            Connect-Verified $store user1@contoso.com   # user1's checkpoint: the log as it is now
            Disconnect-PimStore
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            $seq = (Get-PimAuditLog -Action AdminAssign | Where-Object Principal -eq 'user1@contoso.com' | Select-Object -First 1).Sequence
            (Get-PimAuditLog | Where-Object Sequence -eq $seq).After | Should -Match 'Eligible'
            Edit-RecordAndRechain -Store $store -Sequence $seq -Find '"Type":"Eligible"' -Replace '"Type":"Active"'
            $check = Test-PimAuditLog -WarningAction SilentlyContinue
            $check.IsValid | Should -BeFalse
            $check.FirstInvalidSequence | Should -Be $seq
            $before = Get-RawFingerprint $store
            Use-TestUser user1
            $e = Get-Refusal { Connect-Verified $store user1@contoso.com }
            $e.FullyQualifiedErrorId | Should -Be 'PimStoreTampered,PimModule.Cmdlets.ConnectPimStoreCommand'
            Get-RawFingerprint $store | Should -Be $before
        }

        It 'finds an audit record whose <Column> was edited (the key queries select by, not hashed)' -ForEach @(
            @{ Column = 'actor_key'; Set = "actor_key = 'user2@contoso.com'" }        # activity moved to another principal
            @{ Column = 'principal_key'; Set = "principal_key = 'user2@contoso.com'" } # a record made to concern someone else
        ) {
            $store = New-VerifiedStore
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            New-PimEligibleAssignment -Principal user3@contoso.com -Role 'Security Reader' -Permanent -Justification 'SOC' | Out-Null
            $seq = [long](Invoke-Sql -Store $store -Sql "SELECT MAX(sequence) FROM audit_log WHERE principal_key = 'user3@contoso.com'")
            (Test-PimAuditLog).IsValid | Should -BeTrue
            Invoke-Sql -Store $store -Sql "UPDATE audit_log SET $Set WHERE sequence = $seq" | Out-Null
            $check = Test-PimAuditLog -WarningAction SilentlyContinue
            $check.IsValid | Should -BeFalse
            $check.FirstInvalidSequence | Should -Be $seq
            $check.Reason | Should -Match 'actor or principal key'
        }

        It 'refuses a log that was emptied' {
            $store = New-VerifiedStore
            Invoke-Sql -Store $store -Sql "DELETE FROM audit_log; DELETE FROM seals; DELETE FROM store_info WHERE key IN ('audit_head_sequence', 'audit_head_hash')" | Out-Null
            $before = Get-RawFingerprint $store
            Use-TestUser admin
            $e = Get-Refusal { Connect-Verified $store admin@contoso.com }
            $e.FullyQualifiedErrorId | Should -Match '^PimStore(Tampered|RolledBack),PimModule.Cmdlets.ConnectPimStoreCommand$'
            Get-RawFingerprint $store | Should -Be $before
        }

        It 'refuses a log cut off after the user verified it and grown again by honest writers' {
            $store = New-VerifiedStore
            Use-TestUser user1
            Connect-Verified $store user1@contoso.com   # user1 verifies (and pins) the log as it is now
            Disconnect-PimStore
            # Cut at the end of a sealed transaction, at least two records before the head.
            $cut = [long](Invoke-Sql -Store $store -Sql 'SELECT MAX(to_sequence) FROM seals WHERE to_sequence <= (SELECT MAX(sequence) FROM audit_log) - 2')
            $cutHash = (Invoke-Sql -Store $store -Sql "SELECT hash FROM audit_log WHERE sequence = $cut") -join ''
            # The attacker cuts the tail (the chain and its seals still hold on their own) ...
            Invoke-Sql -Store $store -Sql "DELETE FROM audit_log WHERE sequence > $cut; DELETE FROM seals WHERE to_sequence > $cut; UPDATE store_info SET value = '$cut' WHERE key = 'audit_head_sequence'; UPDATE store_info SET value = '$cutHash' WHERE key = 'audit_head_hash'" | Out-Null
            # ... and an honest administrator, who never saw the tail, writes past it.
            Use-TestUser admin-laptop
            Copy-Item (Join-Path $script:Users 'admin/PimModule/keys') (Join-Path $env:XDG_DATA_HOME 'PimModule/keys') -Recurse -Force
            Connect-Verified $store admin@contoso.com
            1..4 | ForEach-Object { New-PimRole -Name "Grown $_" | Out-Null }
            # The chain and its seals hold; what the cut records had changed is now state the log does not hold.
            $check = Test-PimAuditLog -WarningAction SilentlyContinue
            $check.SealsChecked | Should -BeGreaterThan 0
            @($check.Disagreements).Count | Should -BeGreaterThan 0
            $check.Disagreements.Kind | Should -Not -Contain 'Record'
            Disconnect-PimStore
            $before = Get-RawFingerprint $store
            Use-TestUser user1
            $e = Get-Refusal { Connect-Verified $store user1@contoso.com }
            $e.FullyQualifiedErrorId | Should -Be 'PimStoreRolledBack,PimModule.Cmdlets.ConnectPimStoreCommand'
            Get-RawFingerprint $store | Should -Be $before
        }

        It 'refuses another store of the same administrator and root key copied over a known one' {
            $known = New-VerifiedStore
            Use-TestUser admin
            Connect-Verified $known admin@contoso.com   # admin knows (pins) this store
            $other = New-TestStore
            Connect-Verified $other admin@contoso.com   # same administrator, same root key
            New-PimRole -Name 'Only in the other store' | Out-Null
            Disconnect-PimStore
            if ($known.Provider -eq 'PostgreSql') {
                Invoke-Psql -ConnectionString $env:PIM_TEST_PG_ADMIN -Sql "DROP DATABASE $($known.Database) WITH (FORCE)" | Out-Null
                Invoke-Psql -ConnectionString $env:PIM_TEST_PG_ADMIN -Sql "CREATE DATABASE $($known.Database) TEMPLATE $($other.Database)" | Out-Null
            }
            else {
                Copy-Item -LiteralPath $other.Path -Destination $known.Path -Force
            }
            $before = Get-RawFingerprint $known
            $e = Get-Refusal { Connect-Verified $known admin@contoso.com }
            $e.FullyQualifiedErrorId | Should -Be 'PimStoreTrustChanged,PimModule.Cmdlets.ConnectPimStoreCommand'
            Get-RawFingerprint $known | Should -Be $before
            # A runbook that names the store it expects is refused the same way, with no earlier connect.
            Use-TestUser runbook
            Copy-Item (Join-Path $script:Users 'admin/PimModule/keys') (Join-Path $env:XDG_DATA_HOME 'PimModule/keys') -Recurse -Force
            $anchor = '{0}:{1}' -f ([guid]::NewGuid()), ('A' * 64)
            $e = Get-Refusal { Connect-Verified $known admin@contoso.com -Extra @{ TrustAnchor = $anchor } }
            $e.FullyQualifiedErrorId | Should -Be 'PimStoreTrustChanged,PimModule.Cmdlets.ConnectPimStoreCommand'
        }

        It 'a seal naming rules no PimModule here knows, signed by a user''s own key, is refused as too new, naming its sealer, and changes nothing' {
            # Issue 29: every seal names the rules version it was decided under. user1 (a registered key, no role) runs a
            # modified module: their own transaction, sealed by their own key, claims rules version 99. Nobody judges
            # those records by rules they were not decided under: a new connect is refused with its own id.
            $store = New-VerifiedStore
            Use-TestUser user1
            Connect-Verified $store user1@contoso.com
            Request-PimActivation -Role 'Security Reader' -Justification 'a transaction of my own' | Out-Null
            Disconnect-PimStore
            $to = [long](Invoke-Sql -Store $store -Sql 'SELECT MAX(to_sequence) FROM seals')
            $from = [long](Invoke-Sql -Store $store -Sql "SELECT from_sequence FROM seals WHERE to_sequence = $to")
            $envelope = (Invoke-Sql -Store $store -Sql "SELECT envelope FROM seals WHERE to_sequence = $to") -join ''
            $prev = if ($from -eq 0) { '0' * 64 } else { (Invoke-Sql -Store $store -Sql "SELECT hash FROM audit_log WHERE sequence = $from") -join '' }
            $head = (Invoke-Sql -Store $store -Sql "SELECT hash FROM audit_log WHERE sequence = $to") -join ''
            $storeId = (Invoke-Sql -Store $store -Sql "SELECT value FROM store_info WHERE key = 'store_id'") -join ''
            $payload = '{"head":{"hash":"' + $head + '","seq":' + $to + '},"prev":{"hash":"' + $prev + '","seq":' + $from + '},"rules":99,"store":"' + $storeId + '","v":2}'
            $b64 = { param([byte[]] $b) [Convert]::ToBase64String($b).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
            $h = $envelope.Split('.')[0]
            $p64 = & $b64 ([Text.Encoding]::UTF8.GetBytes($payload))
            $key = [Security.Cryptography.ECDsa]::Create()
            $key.ImportFromPem((Get-Content -Raw (Join-Path $script:Users 'user1/PimModule/keys/user1@contoso.com.pem')))
            $sig = & $b64 ($key.SignData([Text.Encoding]::ASCII.GetBytes("$h.$p64"), [Security.Cryptography.HashAlgorithmName]::SHA256))
            Invoke-Sql -Store $store -Sql "UPDATE seals SET envelope = '$h.$p64.$sig' WHERE to_sequence = $to" | Out-Null
            $before = Get-RawFingerprint $store
            # Another machine of the administrator (no checkpoint yet) verifies the whole log.
            Use-TestUser admin-laptop
            Copy-Item (Join-Path $script:Users 'admin/PimModule/keys') (Join-Path $env:XDG_DATA_HOME 'PimModule/keys') -Recurse -Force
            $e = Get-Refusal { Connect-Verified $store admin@contoso.com }
            $e.FullyQualifiedErrorId | Should -Be 'PimStoreRulesTooNew,PimModule.Cmdlets.ConnectPimStoreCommand'
            $e.CategoryInfo.Category | Should -Be 'InvalidData'
            $e.Exception.Message | Should -Match 'rules version 99'
            $e.Exception.Message | Should -Match 'sealed by user1@contoso\.com'
            $e.ErrorDetails.RecommendedAction | Should -Match 'Update PimModule'
            Get-RawFingerprint $store | Should -Be $before
        }

        It 'ignores a key embedded in an envelope (jwk, x5c): a seal re-signed by another key with its key inside does not verify' {
            $store = New-VerifiedStore
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            $last = [long](Invoke-Sql -Store $store -Sql 'SELECT MAX(to_sequence) FROM seals')
            $jws = (Invoke-Sql -Store $store -Sql "SELECT envelope FROM seals WHERE to_sequence = $last") -join ''
            $parts = $jws.Split('.')
            $b64 = { param([byte[]] $b) [Convert]::ToBase64String($b).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
            $fromB64 = { param([string] $s) $s = $s.Replace('-', '+').Replace('_', '/'); $s += '=' * ((4 - $s.Length % 4) % 4); [Convert]::FromBase64String($s) }
            $header = [Text.Encoding]::UTF8.GetString((& $fromB64 $parts[0])) | ConvertFrom-Json -AsHashtable
            $attacker = [Security.Cryptography.ECDsa]::Create([Security.Cryptography.ECCurve+NamedCurves]::nistP256)
            $p = $attacker.ExportParameters($false)
            $header['jwk'] = @{ kty = 'EC'; crv = 'P-256'; x = (& $b64 $p.Q.X); y = (& $b64 $p.Q.Y) }
            $req = [Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=attacker', $attacker, [Security.Cryptography.HashAlgorithmName]::SHA256)
            $cert = $req.CreateSelfSigned([DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddDays(1))
            $header['x5c'] = @([Convert]::ToBase64String($cert.RawData))
            $h = & $b64 ([Text.Encoding]::UTF8.GetBytes(($header | ConvertTo-Json -Compress -Depth 5)))
            $sig = & $b64 ($attacker.SignData([Text.Encoding]::ASCII.GetBytes("$h.$($parts[1])"), [Security.Cryptography.HashAlgorithmName]::SHA256))
            Invoke-Sql -Store $store -Sql "UPDATE seals SET envelope = '$h.$($parts[1]).$sig' WHERE to_sequence = $last" | Out-Null
            $check = Test-PimAuditLog -WarningAction SilentlyContinue
            $check.IsValid | Should -BeFalse
            $before = Get-RawFingerprint $store
            # Whoever verifies the log without a checkpoint of it (another machine of the administrator) is refused. (The
            # administrator's own checkpoint verified these records before: they are unchanged, so it answers as it did.)
            Use-TestUser admin-laptop
            Copy-Item (Join-Path $script:Users 'admin/PimModule/keys') (Join-Path $env:XDG_DATA_HOME 'PimModule/keys') -Recurse -Force
            $e = Get-Refusal { Connect-Verified $store admin@contoso.com }
            $e.FullyQualifiedErrorId | Should -Be 'PimStoreTampered,PimModule.Cmdlets.ConnectPimStoreCommand'
            Get-RawFingerprint $store | Should -Be $before
        }

        It 'exports a log that a library PimModule does not use verifies, and a one-byte edit fails there' {
            $python = @('/usr/bin/python3', 'python3') | Where-Object { (Get-Command $_ -ErrorAction SilentlyContinue) -and ($(& $_ -c 'import jwcrypto' 2>$null; $LASTEXITCODE) -eq 0) } | Select-Object -First 1
            if (-not $python) {
                if ($env:CI) { throw 'CI must have python3-jwcrypto (.ci/run installs it).' }
                Set-ItResult -Skipped -Because 'python3-jwcrypto is not installed'
                return
            }
            $store = New-VerifiedStore
            Use-TestUser user1
            Connect-Verified $store user1@contoso.com
            Request-PimActivation -Role 'Security Reader' -Justification 'Checked by a third party' | Out-Null
            $file = Join-Path $TestDrive "export-$([guid]::NewGuid()).jsonl"
            Export-PimAuditLog -Path $file
            $verifier = Join-Path $RepoRoot 'tests/thirdparty/verify_pim_log.py'
            $out = & $python $verifier $file 2>&1
            $LASTEXITCODE | Should -Be 0 -Because "$out"
            "$out" | Should -Match '^VALID: \d+ records, \d+ seals'
            $bytes = [IO.File]::ReadAllBytes($file)
            $i = [Text.Encoding]::UTF8.GetString($bytes).IndexOf('Checked by a third party')
            $bytes[$i] = [byte][char]'c'
            $edited = "$file.edited"
            [IO.File]::WriteAllBytes($edited, $bytes)
            $out = & $python $verifier $edited 2>&1
            $LASTEXITCODE | Should -Be 1
            "$out" | Should -Match 'INVALID'
        }
    }
    Describe 'Forged records, sealed by their writer''s own key' {
        It 'grants nothing: a self-sealed administrator assignment does not let its writer bind a key to someone else' {
            $store = New-VerifiedStore
            $user1Key = Join-Path $script:Users 'user1/PimModule/keys/user1@contoso.com.pem'
            # user1 writes, with their own registered key, a PRA assignment for themselves, then a binding of their second key to user2.
            $assignment = '{"AssignmentId":"' + [guid]::NewGuid() + '","Principal":"user1@contoso.com","RoleId":"e8611ab8-c189-46e8-94e1-60213ab1f814","Scope":"/","Type":"Active","MemberType":"Direct","StartDateTime":"2000-01-01T00:00:00Z","EndDateTime":null}'
            Add-ForgedTransaction -Store $store -KeyPath $user1Key -Actor user1@contoso.com -Records @(
                [pscustomobject]@{ Action = 'SelfActivate'; TargetType = 'Assignment'; TargetId = [guid]::NewGuid().ToString(); Principal = 'user1@contoso.com'; After = $assignment })
            Use-TestUser eve
            $second = New-PimCredential -Principal user2@contoso.com -Path (Join-Path $TestDrive "forged-$([guid]::NewGuid()).pem")
            $binding = '{"Principal":"user2@contoso.com","PublicKey":' + (ConvertTo-Json $second.PublicKey) + ',"Thumbprint":"' + $second.Thumbprint + '"}'
            Add-ForgedTransaction -Store $store -KeyPath $user1Key -Actor user1@contoso.com -Records @(
                [pscustomobject]@{ Action = 'RegisterCredential'; TargetType = 'Credential'; TargetId = $second.Thumbprint; Principal = 'user2@contoso.com'; After = $binding })
            Invoke-Sql -Store $store -Sql "INSERT INTO credentials (thumbprint, principal, principal_key, algorithm, public_key, state, registered_by, registered_utc) VALUES ('$($second.Thumbprint)', 'user2@contoso.com', 'user2@contoso.com', 'ES256', 'x', 'Active', 'user1@contoso.com', 0)" | Out-Null
            $before = Get-RawFingerprint $store
            $e = Get-Refusal { Connect-Verified $store user2@contoso.com -Extra @{ CredentialPath = $second.Path } }
            $e.FullyQualifiedErrorId | Should -Be 'PimStoreTampered,PimModule.Cmdlets.ConnectPimStoreCommand'
            $e.Exception.Message | Should -Match 'not an administrator'
            Get-RawFingerprint $store | Should -Be $before
        }

        It 'keeps a just-in-time administrator''s changes verifiable, and leaves key administration to direct administrators' {
            $store = New-VerifiedStore
            Use-TestUser admin2
            $admin2 = New-PimCredential -Principal admin2@contoso.com
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            $admin2 | Register-PimCredential -Principal admin2@contoso.com | Out-Null
            New-PimEligibleAssignment -Principal admin2@contoso.com -Role 'Privileged Role Administrator' -Permanent -Justification 'On call' | Out-Null
            Set-PimRoleSetting -Role 'Privileged Role Administrator' -ActivationRequirement None
            Use-TestUser admin2
            Connect-Verified $store admin2@contoso.com
            Request-PimActivation -Role 'Privileged Role Administrator' -Justification 'Incident 42' | Out-Null
            New-PimEligibleAssignment -Principal user3@contoso.com -Role 'Security Reader' -Permanent -Justification 'By the on-call administrator' | Out-Null
            (Test-PimAuditLog).IsValid | Should -BeTrue
            $before = Get-RawFingerprint $store
            $e = Get-Refusal { New-PimCredential -Principal user3@contoso.com -Path (Join-Path $TestDrive "u3-$([guid]::NewGuid()).pem") | Register-PimCredential -Principal user3@contoso.com -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimNotAuthorized,PimModule.Cmdlets.RegisterPimCredentialCommand'
            Get-RawFingerprint $store | Should -Be $before
        }

        It 'refuses a write on a log cut off after this session verified or wrote it' {
            $store = New-VerifiedStore
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            New-PimRole -Name 'Written by this session' | Out-Null
            $cut = [long](Invoke-Sql -Store $store -Sql 'SELECT MAX(sequence) FROM audit_log') - 1
            $cutHash = (Invoke-Sql -Store $store -Sql "SELECT hash FROM audit_log WHERE sequence = $cut") -join ''
            Invoke-Sql -Store $store -Sql "DELETE FROM audit_log WHERE sequence > $cut; DELETE FROM seals WHERE to_sequence > $cut; UPDATE store_info SET value = '$cut' WHERE key = 'audit_head_sequence'; UPDATE store_info SET value = '$cutHash' WHERE key = 'audit_head_hash'" | Out-Null
            $before = Get-RawFingerprint $store
            $e = Get-Refusal { New-PimRole -Name 'Written on a cut log' -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimStoreRolledBack,PimModule.Cmdlets.NewPimRoleCommand'
            Get-RawFingerprint $store | Should -Be $before
            # The user's known-stores file moved with what the session wrote: the next connect sees the cut too.
            $e = Get-Refusal { Connect-Verified $store admin@contoso.com }
            $e.FullyQualifiedErrorId | Should -Be 'PimStoreRolledBack,PimModule.Cmdlets.ConnectPimStoreCommand'
        }

        It 'does not make a new store where a trust anchor or a pin expects one' {
            $store = New-VerifiedStore
            Use-TestUser user1
            Connect-Verified $store user1@contoso.com
            Disconnect-PimStore
            $gone = New-TestStore   # a location with no store yet ...
            $anchor = '{0}:{1}' -f ([guid]::NewGuid()), ('B' * 64)
            $e = Get-Refusal { Connect-Verified $gone user1@contoso.com -Extra @{ TrustAnchor = $anchor } }
            $e.FullyQualifiedErrorId | Should -Be 'PimStoreTrustChanged,PimModule.Cmdlets.ConnectPimStoreCommand'
            Test-NoStore $gone | Should -BeTrue
            if ($store.Provider -eq 'PostgreSql') {
                Invoke-Psql -ConnectionString $env:PIM_TEST_PG_ADMIN -Sql "DROP DATABASE $($store.Database) WITH (FORCE)" | Out-Null
                Invoke-Psql -ConnectionString $env:PIM_TEST_PG_ADMIN -Sql "CREATE DATABASE $($store.Database) TEMPLATE $(Initialize-PgTestTemplate) OWNER pim_test_owner" | Out-Null
            }
            else { Remove-Item -LiteralPath $store.Path -Force; Remove-Item -Path "$($store.Path)-*" -ErrorAction SilentlyContinue }
            $e = Get-Refusal { Connect-Verified $store user1@contoso.com }   # ... and a pinned store that was removed
            $e.FullyQualifiedErrorId | Should -Be 'PimStoreRolledBack,PimModule.Cmdlets.ConnectPimStoreCommand'
            Test-NoStore $store | Should -BeTrue
        }
    }

    # Issue 29, part 3: the last administrator's guard is one rule (Kernel/Administrators.EndsAdministrationSooner) for the
    # module and the replay, judged on the assignment as the verified log has it.
    Describe 'The last administrator, around the module' {
        It 'counts for nothing a removal of the only administrator assignment that its holder sealed around the module' {
            $store = New-VerifiedStore
            $only = @(Get-PimAssignment -Principal admin@contoso.com | Where-Object Role -in 'Privileged Role Administrator', 'Global Administrator')
            $only.Count | Should -Be 1
            # The module refuses it ...
            (Get-Refusal { Remove-PimAssignment -AssignmentId $only[0].AssignmentId -Confirm:$false -ErrorAction Stop }).FullyQualifiedErrorId |
                Should -Be 'PimLastAdministrator,PimModule.Cmdlets.RemovePimAssignmentCommand'
            # ... so the administrator seals it with their own key (the row stays: a row is believed only as the verified log has it).
            $adminKey = Join-Path $script:Users 'admin/PimModule/keys/admin@contoso.com.pem'
            Add-ForgedTransaction -Store $store -KeyPath $adminKey -Actor 'admin@contoso.com' -Records @(@{
                    Action = 'AdminRemove'; TargetType = 'Assignment'; TargetId = $only[0].AssignmentId.ToString(); Principal = 'admin@contoso.com'; After = $null })
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            $check = Test-PimAuditLog -WarningAction SilentlyContinue
            $check.IsValid | Should -BeFalse
            ($check.Disagreements | Where-Object { $_.Kind -eq 'Record' -and $_.Problem -eq 'NotEntitled' }).Detail | Should -Match 'the last administrator''s guard'
            # The verified state still has its administrator: the store is still administered (had the removal counted, the
            # row would no longer be believed and this would be PimNotAuthorized).
            New-PimRole -Name 'Still administered' -Confirm:$false | Out-Null
            (Get-PimRole -Name 'Still administered').Name | Should -Be 'Still administered'
        }

        It 'refuses an honest removal of the only administrator assignment whose role was edited around the module, and changes nothing' {
            $store = New-VerifiedStore
            $only = @(Get-PimAssignment -Principal admin@contoso.com | Where-Object Role -in 'Privileged Role Administrator', 'Global Administrator')[0]
            New-PimActiveAssignment -Principal user1@contoso.com -Role 'Global Administrator' -EndDateTime (Get-Date).ToUniversalTime().AddDays(30) -Justification 'second administrator' | Out-Null
            # The only permanent administrator row now reads as Security Reader to anything that trusts the table.
            Invoke-Sql -Store $store -Sql "UPDATE assignments SET role_id = '5d6b6bb7-de71-4623-b4af-96380a352509' WHERE assignment_id = '$($only.AssignmentId)'" | Out-Null
            Use-TestUser user1
            Connect-Verified $store user1@contoso.com
            $before = Get-RawFingerprint $store
            $e = Get-Refusal { Remove-PimAssignment -AssignmentId $only.AssignmentId -Confirm:$false -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimLastAdministrator,PimModule.Cmdlets.RemovePimAssignmentCommand'
            Get-RawFingerprint $store | Should -Be $before
        }
    }

    Describe 'A directory object, around the module' {
        It 'counts for nothing a rename of an imported object that an administrator sealed around the module' {
            $store = New-VerifiedStore
            $id = '22222222-2222-2222-2222-222222222222'
            [pscustomobject]@{ Id = $id; UserPrincipalName = 'ann@contoso.com'; DisplayName = 'Ann' } | Import-PimDirectoryObject | Out-Null
            # The module refuses to rename it (a renamed user would hold assignments under two spellings) ...
            (Get-Refusal { [pscustomobject]@{ Id = $id; UserPrincipalName = 'mallory@contoso.com'; DisplayName = 'Ann' } | Import-PimDirectoryObject -ErrorAction Stop }).FullyQualifiedErrorId |
                Should -BeLike 'PimDirectoryObjectConflict,*'
            # ... so the administrator seals the rename with their own key.
            $adminKey = Join-Path $script:Users 'admin/PimModule/keys/admin@contoso.com.pem'
            Add-ForgedTransaction -Store $store -KeyPath $adminKey -Actor 'admin@contoso.com' -Records @(@{
                    Action = 'ImportDirectoryObject'; TargetType = 'DirectoryObject'; TargetId = $id; Principal = 'mallory@contoso.com'
                    After = '{"Id":"' + $id + '","UserPrincipalName":"mallory@contoso.com","DisplayName":"Ann"}' })
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            $check = Test-PimAuditLog -WarningAction SilentlyContinue
            $check.IsValid | Should -BeFalse
            ($check.Disagreements | Where-Object { $_.Kind -eq 'Record' -and $_.Problem -eq 'NotEntitled' }).Detail | Should -Match 'is already another user principal name'
        }
    }

    Describe 'A Lab store protected into a Verified one' {
        It 'is protected once by an administrator, endorsing its privileged assignments; then only keys act' {
            $script:Users = Join-Path $TestDrive "users-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
            $store = Connect-TestStore -Principal admin@contoso.com
            New-PimActiveAssignment -Principal admin2@contoso.com -Role 'Global Administrator' -Permanent -Justification 'Second administrator' | Out-Null
            New-PimEligibleAssignment -Principal user1@contoso.com -Role 'Security Reader' -Duration 90d -Justification 'Rota' | Out-Null
            $labRecords = (Get-PimStore).AuditRecordCount
            # An ordinary user, claimed in the Lab store, is refused, and nothing moves.
            Connect-TestStore -Principal user1@contoso.com -Store $store | Out-Null
            $before = Get-RawFingerprint $store
            $e = Get-Refusal { Protect-PimStore -Confirm:$false }
            $e.FullyQualifiedErrorId | Should -Be 'PimNotAuthorized,PimModule.Cmdlets.ProtectPimStoreCommand'
            Get-RawFingerprint $store | Should -Be $before
            (Get-PimStore).IdentityMode | Should -Be 'Lab'
            # The administrator protects it.
            Connect-TestStore -Principal admin@contoso.com -Store $store | Out-Null
            Use-TestUser admin
            Protect-PimStore -Confirm:$false -WarningAction SilentlyContinue
            $info = Get-PimStore
            $info.IdentityMode | Should -Be 'Verified'
            $info.TrustAnchor | Should -Match ':[0-9A-F]{64}$'
            $protect = Get-PimAuditLog -Action ProtectStore
            $protect.Sequence | Should -Be ($labRecords + 1)
            $endorsed = ($protect.After | ConvertFrom-Json).Endorsed
            $endorsed.Principal | Should -Contain 'admin2@contoso.com'
            (Get-PimAuditLog | Where-Object Sequence -lt $protect.Sequence).IdentityMode | Sort-Object -Unique | Should -Be 'Lab'
            (Test-PimAuditLog).IsValid | Should -BeTrue
            # A library PimModule does not use checks it too: the Lab past chained, the Verified part sealed.
            $python = @('/usr/bin/python3', 'python3') | Where-Object { (Get-Command $_ -ErrorAction SilentlyContinue) -and ($(& $_ -c 'import jwcrypto' 2>$null; $LASTEXITCODE) -eq 0) } | Select-Object -First 1
            if ($python) {
                $file = Join-Path $TestDrive "protected-$([guid]::NewGuid()).jsonl"
                Export-PimAuditLog -Path $file
                $out = & $python (Join-Path $RepoRoot 'tests/thirdparty/verify_pim_log.py') $file 2>&1
                $LASTEXITCODE | Should -Be 0 -Because "$out"
            }
            elseif ($env:CI) { throw 'CI must have python3-jwcrypto (.ci/run installs it).' }
            # A store is protected once; and from now on a claim is not enough.
            (Get-Refusal { Protect-PimStore -Confirm:$false }).FullyQualifiedErrorId | Should -Be 'PimIdentityModeMismatch,PimModule.Cmdlets.ProtectPimStoreCommand'
            Use-TestUser user1
            (Get-Refusal { Connect-Verified $store user1@contoso.com }).FullyQualifiedErrorId | Should -Be 'PimCredentialNotFound,PimModule.Cmdlets.ConnectPimStoreCommand'
            (Get-Refusal { Connect-Verified $store admin@contoso.com -Extra @{ IdentityMode = 'Lab' } }).FullyQualifiedErrorId |
                Should -Be 'PimIdentityModeMismatch,PimModule.Cmdlets.ConnectPimStoreCommand'
        }

        It 'is not made Lab again by editing rows, nor given seals over its Lab past' {
            $script:Users = Join-Path $TestDrive "users-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
            $store = Connect-TestStore -Principal admin@contoso.com
            Use-TestUser admin
            Protect-PimStore -Confirm:$false -WarningAction SilentlyContinue
            New-PimRole -Name 'After the protection' | Out-Null
            # A seal slipped over a record of the Lab past does not verify.
            $envelope = (Invoke-Sql -Store $store -Sql 'SELECT envelope FROM seals ORDER BY to_sequence LIMIT 1') -join ''
            Invoke-Sql -Store $store -Sql "INSERT INTO seals (to_sequence, from_sequence, actor, key_id, envelope) VALUES (1, 0, 'admin@contoso.com', 'x', '$envelope')" | Out-Null
            (Test-PimAuditLog -WarningAction SilentlyContinue).IsValid | Should -BeFalse
            Invoke-Sql -Store $store -Sql 'DELETE FROM seals WHERE to_sequence = 1' | Out-Null
            (Test-PimAuditLog).IsValid | Should -BeTrue
            Disconnect-PimStore
            # The mode row says Lab, the seals and bindings are gone: the ProtectStore record still says Verified.
            Invoke-Sql -Store $store -Sql "UPDATE store_info SET value = 'Lab' WHERE key = 'identity_mode'; DELETE FROM seals; DELETE FROM credentials" | Out-Null
            $before = Get-RawFingerprint $store
            Use-TestUser newcomer
            $e = Get-Refusal { Connect-Verified $store admin@contoso.com -Extra @{ IdentityMode = 'Lab' } }
            $e.FullyQualifiedErrorId | Should -Be 'PimIdentityModeMismatch,PimModule.Cmdlets.ConnectPimStoreCommand'
            Get-RawFingerprint $store | Should -Be $before
        }
    }

    Describe 'Root rotation and a break-glass root' {
        It 'rotates the root (signed by the old key, which is then retired) and names a break-glass root who administers keys alone' {
            $store = New-VerifiedStore
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            $anchor = (Get-PimStore).TrustAnchor
            $newRoot = New-PimCredential -Principal admin@contoso.com -Path (Join-Path $TestDrive "root2-$([guid]::NewGuid()).pem")
            ($newRoot | Register-PimCredential -Principal admin@contoso.com -Root -WarningAction SilentlyContinue).IsRoot | Should -BeTrue
            # The old root key acts no more; the new one does, and the store is the same store to everyone.
            (Get-Refusal { Connect-Verified $store admin@contoso.com }).FullyQualifiedErrorId | Should -Be 'PimCredentialNotRegistered,PimModule.Cmdlets.ConnectPimStoreCommand'
            Connect-Verified $store admin@contoso.com -Extra @{ CredentialPath = $newRoot.Path }
            (Get-PimStore).TrustAnchor | Should -Be $anchor
            (Test-PimAuditLog).IsValid | Should -BeTrue
            # The last root key is not retired; a key holder is not made a root.
            $before = Get-RawFingerprint $store
            (Get-Refusal { Revoke-PimCredential -Thumbprint $newRoot.Thumbprint -Confirm:$false -ErrorAction Stop }).FullyQualifiedErrorId |
                Should -Be 'PimCredentialIsRoot,PimModule.Cmdlets.RevokePimCredentialCommand'
            $spare = New-PimCredential -Principal user1@contoso.com -Path (Join-Path $TestDrive "u1root-$([guid]::NewGuid()).pem")
            (Get-Refusal { $spare | Register-PimCredential -Principal user1@contoso.com -Root -ErrorAction Stop }).FullyQualifiedErrorId |
                Should -Be 'PimCredentialRebindRefused,PimModule.Cmdlets.RegisterPimCredentialCommand'
            Get-RawFingerprint $store | Should -Be $before
            # A break-glass root, with no role assignment, registers a key for a newcomer.
            $glass = New-PimCredential -Principal breakglass@contoso.com -Path (Join-Path $TestDrive "glass-$([guid]::NewGuid()).pem")
            $glass | Register-PimCredential -Principal breakglass@contoso.com -Root | Out-Null
            Connect-Verified $store breakglass@contoso.com -Extra @{ CredentialPath = $glass.Path }
            $newcomer = New-PimCredential -Principal user9@contoso.com -Path (Join-Path $TestDrive "u9-$([guid]::NewGuid()).pem")
            ($newcomer | Register-PimCredential -Principal user9@contoso.com).State | Should -Be 'Active'
            (Test-PimAuditLog).IsValid | Should -BeTrue
            # user1, who pinned the store before all this, connects as before.
            Use-TestUser user1
            Connect-Verified $store user1@contoso.com
            (Get-PimStore).TrustAnchor | Should -Be $anchor
        }

        It 'refuses a root key from an administrator who is not root-level' {
            $store = New-VerifiedStore
            Use-TestUser admin2
            $admin2 = New-PimCredential -Principal admin2@contoso.com
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            $admin2 | Register-PimCredential -Principal admin2@contoso.com | Out-Null
            New-PimActiveAssignment -Principal admin2@contoso.com -Role 'Privileged Role Administrator' -Permanent -Justification 'Second administrator' | Out-Null
            Use-TestUser admin2
            Connect-Verified $store admin2@contoso.com
            $mine = New-PimCredential -Principal admin2@contoso.com -Path (Join-Path $TestDrive "a2root-$([guid]::NewGuid()).pem")
            $before = Get-RawFingerprint $store
            (Get-Refusal { $mine | Register-PimCredential -Principal admin2@contoso.com -Root -ErrorAction Stop }).FullyQualifiedErrorId |
                Should -Be 'PimNotAuthorized,PimModule.Cmdlets.RegisterPimCredentialCommand'
            Get-RawFingerprint $store | Should -Be $before
        }
    }

    # Issue 30: snapshots of the verified state. A new user starts from the newest snapshot a root key reached from the
    # store's root sealed; a snapshot that does not count is its own error and the whole log is verified instead; a user
    # whose replay passes a snapshot compares its digest.
    Describe 'Snapshots of the verified state' {
        BeforeAll {
            function Copy-Keys([string] $From, [string] $To) {
                <# The same person on a new computer: their key folder, and nothing else (no pin, no checkpoint). #>
                $target = Join-Path (Join-Path $script:Users $To) 'PimModule'
                $null = New-Item -ItemType Directory -Path $target -Force
                Copy-Item (Join-Path $script:Users "$From/PimModule/keys") (Join-Path $target 'keys') -Recurse -Force
            }
            function Connect-Fresh([object] $Store, [string] $From, [string] $Principal) {
                <# $Principal's first connect from a new computer: returns the errors it wrote (it connects all the same). #>
                $name = "$From-new-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
                Copy-Keys $From $name
                Use-TestUser $name
                Connect-Errors $Store $Principal
            }
            function Connect-Errors([object] $Store, [string] $Principal) {
                <# Connect-PimStore as $Principal in the current folder; the non-terminating errors it wrote. #>
                $errors = $null
                if ($Store.Provider -eq 'PostgreSql') { Connect-PimStore -ConnectionString $Store.ConnectionString -Provider PostgreSql -Principal $Principal -IdentityMode Verified -ErrorVariable errors -ErrorAction SilentlyContinue }
                else { Connect-PimStore -Path $Store.Path -Principal $Principal -IdentityMode Verified -ErrorVariable errors -ErrorAction SilentlyContinue }
                , @($errors)
            }
            function Add-SecondAdministrator([object] $Store) {
                <# admin2, with a key of their own and a permanent Global Administrator assignment (a direct administrator, not a root); admin acts after. #>
                Use-TestUser admin2
                $key = New-PimCredential -Principal admin2@contoso.com
                Use-TestUser admin
                Connect-Verified $Store admin@contoso.com
                $key | Register-PimCredential -Principal admin2@contoso.com | Out-Null
                New-PimActiveAssignment -Principal admin2@contoso.com -Role 'Global Administrator' -Permanent -Justification 'Second administrator' | Out-Null
                $key
            }
            function New-ForgedEnvelope([string] $Envelope, [string] $KeyPath, [string] $Actor) {
                <# What a key holder does with a root's snapshot: the same payload, sealed with their own key. #>
                $payload = $Envelope.Split('.')[1]
                $key = [Security.Cryptography.ECDsa]::Create()
                $key.ImportFromPem((Get-Content -LiteralPath $KeyPath -Raw))
                $kid = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($key.ExportSubjectPublicKeyInfo()))
                $header = ConvertTo-Base64Url ([Text.Encoding]::UTF8.GetBytes('{"alg":"ES256","kid":"' + $kid + '","pim_actor":"' + $Actor + '","typ":"pim-snapshot+jws"}'))
                $signature = ConvertTo-Base64Url ($key.SignData([Text.Encoding]::ASCII.GetBytes("$header.$payload"), [Security.Cryptography.HashAlgorithmName]::SHA256))
                [pscustomobject]@{ Envelope = "$header.$payload.$signature"; Kid = $kid }
            }
        }

        It 'starts a new user from the root''s snapshot and verifies only the records after it' {
            $store = New-VerifiedStore
            $snapshot = New-PimSnapshot
            # It stands at the verified head; its CreateSnapshot record follows it.
            $snapshot.Sequence | Should -Be ((Get-PimAuditLog | Select-Object -Last 1).Sequence - 1)
            (Get-PimAuditLog | Select-Object -Last 1).Action | Should -Be 'CreateSnapshot'
            $snapshot.CreatedBy | Should -Be 'admin@contoso.com'
            $snapshot.StateDigest | Should -Match '^[0-9a-f]{64}$'
            # Again at the same head: the same snapshot, nothing written.
            $before = Get-RawFingerprint $store
            (New-PimSnapshot).Sequence | Should -Be $snapshot.Sequence
            Get-RawFingerprint $store | Should -Be $before
            (Get-PimAuditLog -Action CreateSnapshot).Count | Should -Be 1
            # After the snapshot: an active assignment the new user must see.
            New-PimActiveAssignment -Principal user1@contoso.com -Role 'Global Reader' -Duration 8h -Justification 'After the snapshot' | Out-Null
            (Get-PimStore).NewestSnapshot | Should -Be $snapshot.Sequence
            $errors = Connect-Fresh $store user1 user1@contoso.com
            $errors | Should -BeNullOrEmpty
            (Get-PimStore).VerifiedFromSnapshot | Should -Be $snapshot.Sequence
            (Test-PimAccess -Principal user1@contoso.com -Role 'Global Reader') | Should -BeTrue
            (Test-PimAccess -Principal user1@contoso.com -Role 'Security Reader') | Should -BeFalse
            (Get-PimAssignment -Principal user1@contoso.com -Role 'Security Reader').Type | Should -Be 'Eligible'
            $check = Test-PimAuditLog
            $check.IsValid | Should -BeTrue
            $check.SnapshotsCompared | Should -Be 1
            $since = Test-PimAuditLog -Since $snapshot
            $since.IsValid | Should -BeTrue
            $since.ReplayedFrom | Should -Be $snapshot.Sequence
            (Test-PimAuditLog -Since $snapshot.Sequence).ReplayedFrom | Should -Be $snapshot.Sequence
        }

        It 'refuses New-PimSnapshot to anyone but a root-level principal acting with a root key, and writes nothing' {
            $store = New-VerifiedStore
            $admin2 = Add-SecondAdministrator $store
            Use-TestUser admin2
            Connect-Verified $store admin2@contoso.com
            $before = Get-RawFingerprint $store
            $e = Get-Refusal { New-PimSnapshot -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimNotAuthorized,PimModule.Cmdlets.NewPimSnapshotCommand'
            $e.Exception.Message | Should -Match 'root-level principal'
            (Get-Refusal { Invoke-PimMaintenance -Snapshot -ErrorAction Stop }).FullyQualifiedErrorId | Should -Be 'PimNotAuthorized,PimModule.Cmdlets.InvokePimMaintenanceCommand'
            ((Invoke-Sql -Store $store -Sql 'SELECT COUNT(*) FROM snapshots') -join '') | Should -Be '0'
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            New-PimSnapshot -WhatIf | Should -BeNullOrEmpty
            ((Invoke-Sql -Store $store -Sql 'SELECT COUNT(*) FROM snapshots') -join '') | Should -Be '0'
            (Invoke-PimMaintenance -Snapshot).Snapshot.Sequence | Should -BeGreaterThan 0
        }

        It 'refuses a snapshot sealed by an administrator''s key that is not a root key: its own error, then the whole log' {
            $store = New-VerifiedStore
            $admin2 = Add-SecondAdministrator $store
            $snapshot = New-PimSnapshot
            # The administrator (not a root) seals the root's snapshot again with their own key, in the root's place.
            $envelope = (Invoke-Sql -Store $store -Sql "SELECT envelope FROM snapshots WHERE sequence = $($snapshot.Sequence)") -join ''
            $forged = New-ForgedEnvelope $envelope $admin2.Path 'admin2@contoso.com'
            Invoke-Sql -Store $store -Sql "UPDATE snapshots SET envelope = '$($forged.Envelope)', key_id = '$($forged.Kid)', actor = 'admin2@contoso.com'" | Out-Null
            $errors = Connect-Fresh $store user1 user1@contoso.com
            @($errors.FullyQualifiedErrorId) | Should -Be @('PimSnapshotInvalid,PimModule.Cmdlets.ConnectPimStoreCommand')
            $errors[0].Exception.Message | Should -Match 'not a root key reached from the store''s root'
            (Get-PimStore).VerifiedFromSnapshot | Should -BeNullOrEmpty
            (Get-PimAssignment -Principal user1@contoso.com -Role 'Security Reader').Type | Should -Be 'Eligible'
            $check = Test-PimAuditLog -WarningAction SilentlyContinue
            (Get-Refusal { Test-PimAuditLog -Since $snapshot -ErrorAction Stop }).FullyQualifiedErrorId | Should -Be 'PimSnapshotInvalid,PimModule.Cmdlets.TestPimAuditLogCommand'
        }

        It 'refuses a snapshot whose content, or the record it stands at, is not what the root sealed' {
            $store = New-VerifiedStore
            $snapshot = New-PimSnapshot
            # A byte of the content changed.
            $hex = if ($store.Provider -eq 'PostgreSql') { "decode('00', 'hex')" } else { "X'00'" }
            $concat = "data || $hex"   # (on SQLite the result is text: a value of another type, refused the same way)
            Invoke-Sql -Store $store -Sql "UPDATE snapshot_chunks SET data = $concat WHERE chunk = 0" | Out-Null
            $errors = Connect-Fresh $store user1 user1@contoso.com
            @($errors.FullyQualifiedErrorId) | Should -Be @('PimSnapshotInvalid,PimModule.Cmdlets.ConnectPimStoreCommand')
            $errors[0].Exception.Message | Should -Match 'not the content the root key sealed'
            (Get-PimStore).VerifiedFromSnapshot | Should -BeNullOrEmpty
            # The row moved to another record (the one before it).
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            Invoke-Sql -Store $store -Sql "DELETE FROM snapshot_chunks; DELETE FROM snapshots" | Out-Null
            $snapshot = New-PimSnapshot
            $prev = (Invoke-Sql -Store $store -Sql "SELECT hash FROM audit_log WHERE sequence = $($snapshot.Sequence - 1)") -join ''
            Invoke-Sql -Store $store -Sql "UPDATE snapshot_chunks SET sequence = sequence - 1; UPDATE snapshots SET sequence = sequence - 1, head_hash = '$prev'" | Out-Null
            $errors = Connect-Fresh $store user1 user1@contoso.com
            @($errors.FullyQualifiedErrorId) | Should -Be @('PimSnapshotInvalid,PimModule.Cmdlets.ConnectPimStoreCommand')
            (Get-PimStore).VerifiedFromSnapshot | Should -BeNullOrEmpty
            (Get-PimAssignment -Principal user1@contoso.com -Role 'Security Reader').Type | Should -Be 'Eligible'
        }

        It 'refuses a snapshot of a root key retired since, and takes one sealed after the rotation' {
            $store = New-VerifiedStore
            $old = New-PimSnapshot
            $newRoot = New-PimCredential -Principal admin@contoso.com -Path (Join-Path $TestDrive "root2-$([guid]::NewGuid()).pem")
            $newRoot | Register-PimCredential -Principal admin@contoso.com -Root -WarningAction SilentlyContinue | Out-Null
            $errors = Connect-Fresh $store user1 user1@contoso.com
            @($errors.FullyQualifiedErrorId) | Should -Be @('PimSnapshotInvalid,PimModule.Cmdlets.ConnectPimStoreCommand')
            (Get-PimStore).VerifiedFromSnapshot | Should -BeNullOrEmpty
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com -Extra @{ CredentialPath = $newRoot.Path }
            $new = New-PimSnapshot
            $new.Sequence | Should -BeGreaterThan $old.Sequence
            $new.KeyThumbprint | Should -Be $newRoot.Thumbprint
            $errors = Connect-Fresh $store user1 user1@contoso.com
            $errors | Should -BeNullOrEmpty
            (Get-PimStore).VerifiedFromSnapshot | Should -Be $new.Sequence
        }

        It 'reports PimSnapshotMismatch to a user whose replay passes a snapshot of a state the log does not make' {
            $store = New-VerifiedStore
            # user1 verified the log up to here.
            Use-TestUser user1
            Connect-Verified $store user1@contoso.com
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            New-PimActiveAssignment -Principal user2@contoso.com -Role 'Global Reader' -Permanent -Justification 'Before the snapshot' | Out-Null
            # The root's own checkpoint says user2's assignment ends: the snapshot seals that state.
            $checkpoint = Get-ChildItem (Join-Path $script:Users 'admin/PimModule/verified') -Filter '*.checkpoint' | Select-Object -First 1
            Invoke-Sql -Store $checkpoint.FullName -Sql "UPDATE verified_assignments SET end_ticks = 1 WHERE principal_key = 'user2@contoso.com'" | Out-Null
            $snapshot = New-PimSnapshot
            Use-TestUser user1
            $errors = Connect-Errors $store user1@contoso.com
            @($errors.FullyQualifiedErrorId) | Should -Be @('PimSnapshotMismatch,PimModule.Cmdlets.ConnectPimStoreCommand')
            $errors[0].Exception.Message | Should -Match "at record $($snapshot.Sequence)"
            # user1 goes on with their own replay: user2 holds the role.
            Test-PimAccess -Principal user2@contoso.com -Role 'Global Reader' | Should -BeTrue
            $check = Test-PimAuditLog -WarningAction SilentlyContinue
            $check.IsValid | Should -BeFalse
            ($check.Disagreements | Where-Object Kind -eq 'Snapshot').Problem | Should -Be 'Mismatch'
        }

        It 'archives the log up to a snapshot: the range leaves the store, a new user and a returning one start from the snapshot, and Test-PimAuditLog verifies across the archive' {
            $store = New-VerifiedStore
            # user1 verified the log up to here (their checkpoint will point into the archived range).
            Use-TestUser user1
            Connect-Verified $store user1@contoso.com
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            New-PimActiveAssignment -Principal user2@contoso.com -Role 'Global Reader' -Permanent -Justification 'Before the archive' | Out-Null
            $snapshot = New-PimSnapshot
            New-PimActiveAssignment -Principal user3@contoso.com -Role 'Global Reader' -Permanent -Justification 'After the snapshot' | Out-Null
            $archive = Join-Path $TestDrive "archive-$([guid]::NewGuid()).jsonl"
            Export-PimAuditLog -Path $archive -Until $snapshot -Remove -Confirm:$false
            $record = Get-PimAuditLog -Action ArchiveLog
            $after = $record.After | ConvertFrom-Json
            $after.Until | Should -Be $snapshot.Sequence
            $after.Sha256 | Should -Be ((Get-FileHash -LiteralPath $archive -Algorithm SHA256).Hash.ToLowerInvariant())
            $after.Removed | Should -BeGreaterThan 0
            # What stays of the range: the genesis and key transactions, and the one that ends at the snapshot.
            $left = [long]((Invoke-Sql -Store $store -Sql "SELECT COUNT(*) FROM audit_log WHERE sequence <= $($snapshot.Sequence)") -join '')
            $left | Should -Be ($snapshot.Sequence - $after.Removed)
            (Invoke-Sql -Store $store -Sql "SELECT action FROM audit_log WHERE sequence = 1") -join '' | Should -Be 'CreateStore'
            (Invoke-Sql -Store $store -Sql "SELECT COUNT(*) FROM audit_log WHERE sequence = $($snapshot.Sequence)") -join '' | Should -Be '1'
            # The root verifies: from the snapshot without the archive, from the genesis across it.
            $check = Test-PimAuditLog
            $check.IsValid | Should -BeTrue
            $check.ReplayedFrom | Should -Be $snapshot.Sequence
            $across = Test-PimAuditLog -ArchivePath $archive
            $across.IsValid | Should -BeTrue
            $across.ReplayedFrom | Should -BeNullOrEmpty
            # An archive changed by a byte is not the one the log names.
            $edited = Join-Path $TestDrive "edited-$([guid]::NewGuid()).jsonl"
            (Get-Content -LiteralPath $archive -Raw).Replace('Before the archive', 'Before the archivE') | Set-Content -LiteralPath $edited -NoNewline
            (Test-PimAuditLog -ArchivePath $edited -WarningAction SilentlyContinue).IsValid | Should -BeFalse
            # A new user, and user1 whose checkpoint points into the archived range, start from the snapshot.
            $errors = Connect-Fresh $store user1 user1@contoso.com
            $errors | Should -BeNullOrEmpty
            (Get-PimStore).VerifiedFromSnapshot | Should -Be $snapshot.Sequence
            Test-PimAccess -Principal user3@contoso.com -Role 'Global Reader' | Should -BeTrue
            Use-TestUser user1
            $errors = Connect-Errors $store user1@contoso.com
            $errors | Should -BeNullOrEmpty
            (Get-PimStore).VerifiedFromSnapshot | Should -Be $snapshot.Sequence
            Test-PimAccess -Principal user2@contoso.com -Role 'Global Reader' | Should -BeTrue
        }

        It 'refuses to archive to anyone but a root key, without a snapshot, or twice over the same range, and leaves the store as it was' {
            $store = New-VerifiedStore
            $admin2 = Add-SecondAdministrator $store
            $snapshot = New-PimSnapshot
            $file = Join-Path $TestDrive "refused-$([guid]::NewGuid()).jsonl"
            $before = Get-RawFingerprint $store
            (Get-Refusal { Export-PimAuditLog -Path $file -Remove -Confirm:$false -ErrorAction Stop }).FullyQualifiedErrorId | Should -Be 'PimInputValueInvalid,PimModule.Cmdlets.ExportPimAuditLogCommand'
            (Get-Refusal { Export-PimAuditLog -Path $file -Until 2 -Remove -Confirm:$false -ErrorAction Stop }).FullyQualifiedErrorId | Should -Be 'PimInputValueInvalid,PimModule.Cmdlets.ExportPimAuditLogCommand'
            Export-PimAuditLog -Path $file -Until $snapshot -Remove -WhatIf
            Test-Path -LiteralPath $file | Should -BeFalse
            Use-TestUser admin2
            Connect-Verified $store admin2@contoso.com
            $e = Get-Refusal { Export-PimAuditLog -Path $file -Until $snapshot -Remove -Confirm:$false -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimNotAuthorized,PimModule.Cmdlets.ExportPimAuditLogCommand'
            Test-Path -LiteralPath $file | Should -BeFalse
            Get-RawFingerprint $store | Should -Be $before
            # An administrator may export the range (no removal).
            Export-PimAuditLog -Path $file -Until $snapshot
            (Get-Content -LiteralPath $file -TotalCount 1 | ConvertFrom-Json).format | Should -Be 'pim-audit-archive'
            Get-RawFingerprint $store | Should -Be $before
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            Export-PimAuditLog -Path $file -Until $snapshot -Remove -Force -Confirm:$false
            $after = Get-RawFingerprint $store
            (Get-Refusal { Export-PimAuditLog -Path $file -Until $snapshot -Remove -Force -Confirm:$false -ErrorAction Stop }).FullyQualifiedErrorId | Should -Be 'PimInputValueInvalid,PimModule.Cmdlets.ExportPimAuditLogCommand'
            Get-RawFingerprint $store | Should -Be $after
        }

        It 'does not let records removed around the module before a snapshot pass for an archive: the snapshot does not count, and the log does not verify' {
            $store = New-VerifiedStore
            $snapshot = New-PimSnapshot
            # The attacker removes a record before the snapshot (a key's revocation, say), and the transaction's seal with it.
            Invoke-Sql -Store $store -Sql "DELETE FROM audit_log WHERE sequence = 3" | Out-Null
            $name = "user1-new-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
            Copy-Keys user1 $name
            Use-TestUser $name
            # The snapshot does not count, and the whole log (which it was meant to spare) does not verify: the connect is refused, saying both.
            $e = Get-Refusal { Connect-Verified $store user1@contoso.com }
            $e.FullyQualifiedErrorId | Should -Be 'PimStoreTampered,PimModule.Cmdlets.ConnectPimStoreCommand'
            $e.Exception.Message | Should -Match 'record 3 was removed|record\(s\) 3\.\.3 were removed|Record 4 follows record 2'
            $e.Exception.Message | Should -Match 'no root''s archive accounts for them'
        }

        It 'fails the log with an ArchiveLog record sealed by an administrator who is not root-level' {
            $store = New-VerifiedStore
            $admin2 = Add-SecondAdministrator $store
            $snapshot = New-PimSnapshot
            $storeId = (Get-PimStore).StoreId
            Add-ForgedTransaction -Store $store -KeyPath $admin2.Path -Actor 'admin2@contoso.com' -Records @(@{
                    Action = 'ArchiveLog'; TargetType = 'Store'; TargetId = $storeId; Principal = $null
                    After = '{"From":0,"Until":' + $snapshot.Sequence + ',"HeadHash":"' + $snapshot.HeadHash + '","Sha256":"00","Records":1,"Removed":1}' })
            Use-TestUser admin
            $e = Get-Refusal { Connect-Verified $store admin@contoso.com }
            $e.FullyQualifiedErrorId | Should -Be 'PimStoreTampered,PimModule.Cmdlets.ConnectPimStoreCommand'
            $e.Exception.Message | Should -Match 'archives the log, but admin2@contoso.com is not a root-level principal'
        }
    }

    Describe 'A store restored from a backup' {
        It 'is let in once an administrator confirms the restore, by nobody else, and the confirmation excuses nothing later' {
            $store = New-VerifiedStore
            Use-TestUser user1
            Connect-Verified $store user1@contoso.com
            Disconnect-PimStore
            $backup = New-TestStore
            if ($store.Provider -eq 'PostgreSql') {
                Invoke-Psql -ConnectionString $env:PIM_TEST_PG_ADMIN -Sql "DROP DATABASE $($backup.Database) WITH (FORCE)" | Out-Null
                Invoke-Psql -ConnectionString $env:PIM_TEST_PG_ADMIN -Sql "CREATE DATABASE $($backup.Database) TEMPLATE $($store.Database)" | Out-Null
            }
            else { Copy-Item -LiteralPath $store.Path -Destination $backup.Path }
            # Life goes on after the backup: the administrator writes, and user1 sees it.
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            1..3 | ForEach-Object { New-PimRole -Name "After the backup $_" | Out-Null }
            Use-TestUser user1
            Connect-Verified $store user1@contoso.com
            Disconnect-PimStore
            # The store is restored from the backup.
            if ($store.Provider -eq 'PostgreSql') {
                Invoke-Psql -ConnectionString $env:PIM_TEST_PG_ADMIN -Sql "DROP DATABASE $($store.Database) WITH (FORCE)" | Out-Null
                Invoke-Psql -ConnectionString $env:PIM_TEST_PG_ADMIN -Sql "CREATE DATABASE $($store.Database) TEMPLATE $($backup.Database)" | Out-Null
            }
            else { Copy-Item -LiteralPath $backup.Path -Destination $store.Path -Force }
            $before = Get-RawFingerprint $store
            (Get-Refusal { Connect-Verified $store user1@contoso.com }).FullyQualifiedErrorId | Should -Be 'PimStoreRolledBack,PimModule.Cmdlets.ConnectPimStoreCommand'
            # An ordinary user cannot confirm it; nor can the administrator without saying why.
            $p = if ($store.Provider -eq 'PostgreSql') { @{ ConnectionString = $store.ConnectionString; Provider = 'PostgreSql' } } else { @{ Path = $store.Path } }
            $e = Get-Refusal { Confirm-PimStoreRestore @p -Principal user1@contoso.com -Reason 'I say so' -Confirm:$false }
            $e.FullyQualifiedErrorId | Should -Be 'PimNotAuthorized,PimModule.Cmdlets.ConfirmPimStoreRestoreCommand'
            Get-RawFingerprint $store | Should -Be $before
            Use-TestUser admin
            (Get-Refusal { Connect-Verified $store admin@contoso.com }).FullyQualifiedErrorId | Should -Be 'PimStoreRolledBack,PimModule.Cmdlets.ConnectPimStoreCommand'
            Confirm-PimStoreRestore @p -Principal admin@contoso.com -Reason 'Restored from the backup after a disk failure' -WhatIf
            Get-RawFingerprint $store | Should -Be $before
            Confirm-PimStoreRestore @p -Principal admin@contoso.com -Reason 'Restored from the backup after a disk failure' -Confirm:$false
            (Get-PimAuditLog | Select-Object -Last 1).Action | Should -Be 'ConfirmRestore'
            (Test-PimAuditLog).IsValid | Should -BeTrue
            Disconnect-PimStore
            # user1 is let in again; then someone cuts off what user1 verified after the confirmation: refused.
            Use-TestUser user1
            Connect-Verified $store user1@contoso.com
            Request-PimActivation -Role 'Security Reader' -Justification 'After the restore' | Out-Null
            Disconnect-PimStore
            $cut = [long](Invoke-Sql -Store $store -Sql 'SELECT MAX(to_sequence) FROM seals WHERE to_sequence < (SELECT MAX(sequence) FROM audit_log)')
            $cutHash = (Invoke-Sql -Store $store -Sql "SELECT hash FROM audit_log WHERE sequence = $cut") -join ''
            Invoke-Sql -Store $store -Sql "DELETE FROM audit_log WHERE sequence > $cut; DELETE FROM seals WHERE to_sequence > $cut; UPDATE store_info SET value = '$cut' WHERE key = 'audit_head_sequence'; UPDATE store_info SET value = '$cutHash' WHERE key = 'audit_head_hash'" | Out-Null
            (Get-Refusal { Connect-Verified $store user1@contoso.com }).FullyQualifiedErrorId | Should -Be 'PimStoreRolledBack,PimModule.Cmdlets.ConnectPimStoreCommand'
        }
    }

    # Issue 14: nobody grants a role by writing to the store. Each test writes around the module with sqlite3/psql, then
    # asserts the answer, that nothing is believed (hidden, Unverified, refused) and that Test-PimAuditLog reports it.
    Describe 'Answers come from the verified log, never from a row as read' {
        BeforeAll {
            function Get-Disagreement {
                <# Test-PimAuditLog's disagreements of one kind and id (the log must still verify: only state rows disagree). #>
                param([string] $Kind, [string] $Id)
                $check = Test-PimAuditLog -WarningAction SilentlyContinue
                $check.IsValid | Should -BeFalse
                @($check.Disagreements | Where-Object { $_.Kind -eq $Kind -and $_.Id -eq $Id })
            }

            function Copy-AssignmentRow {
                <# An assignments row copied around the module, with another id and principal (and optionally other columns). #>
                param([object] $Store, [string] $FromId, [string] $NewId, [string] $Principal, [string] $Set = '')
                $cols = 'role_id, scope, type, member_type, start_utc, end_utc, justification, ticket_number, ticket_system, created_by, created_utc, request_id, eligible_id'
                Invoke-Sql -Store $Store -Sql "INSERT INTO assignments (assignment_id, principal, principal_key, $cols) SELECT '$NewId', '$Principal', '$($Principal.ToLowerInvariant())', $cols FROM assignments WHERE assignment_id = '$FromId'" | Out-Null
                if ($Set) { Invoke-Sql -Store $Store -Sql "UPDATE assignments SET $Set WHERE assignment_id = '$NewId'" | Out-Null }
            }
        }

        It 'does not believe a copy of an administrator''s assignment inserted under another name' {
            $store = New-VerifiedStore
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            $admin = Get-PimAssignment -Principal admin@contoso.com -Role 'Privileged Role Administrator'
            $forged = [guid]::NewGuid().ToString()
            Copy-AssignmentRow -Store $store -FromId $admin.AssignmentId -NewId $forged -Principal 'user1@contoso.com'
            # Seen as written: the row is there.
            ((Invoke-Sql -Store $store -Sql "SELECT COUNT(*) FROM assignments WHERE principal_key = 'user1@contoso.com' AND role_id = '$($admin.RoleId)'") -join '') | Should -Be '1'
            Test-PimAccess -Principal user1@contoso.com -Role 'Privileged Role Administrator' | Should -BeFalse
            $detail = Test-PimAccess -Principal user1@contoso.com -Role 'Privileged Role Administrator' -Detailed
            $detail.Reason | Should -Be 'Unverified'
            "$($detail.AssignmentId)" | Should -Be $forged
            @(Get-PimAssignment -Principal user1@contoso.com -Role 'Privileged Role Administrator').Count | Should -Be 0
            $shown = @(Get-PimAssignment -Principal user1@contoso.com -Role 'Privileged Role Administrator' -IncludeUnverified)
            $shown.Count | Should -Be 1
            $shown[0].Verified | Should -BeFalse
            (Get-PimAssignment -Principal admin@contoso.com -Role 'Privileged Role Administrator' -IncludeUnverified).Verified | Should -BeTrue
            (Get-Disagreement Assignment $forged)[0].Problem | Should -Be 'Unverified'
            # The alerts do not count it either: a permanent active privileged assignment would be RolesAssignedOutsidePim.
            @(Get-PimAlert | ForEach-Object AssignmentIds | ForEach-Object { "$_" }) | Should -Not -Contain $forged
            # Nor does it let user1 act as an administrator: refused inside the transaction, and nothing moves.
            Use-TestUser user1
            Connect-Verified $store user1@contoso.com
            $before = Get-RawFingerprint $store
            $e = Get-Refusal { New-PimActiveAssignment -Principal user1@contoso.com -Role 'Global Administrator' -Permanent -Justification 'mine' -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimNotAuthorized,PimModule.Cmdlets.NewPimActiveAssignmentCommand'
            Get-RawFingerprint $store | Should -Be $before
            # The administrators mailed about an activation (the default recipients) do not include the forged holder either.
            (Get-PimStore).IdentityMode | Should -Be 'Verified'
            Request-PimActivation -Role 'Security Reader' -Justification 'read' | Out-Null
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            $told = @(Get-PimNotification | Where-Object { $_.Event -eq 'Activated' -and $_.RecipientType -eq 'Admin' } | ForEach-Object Recipient)
            $told | Should -Contain 'admin@contoso.com'
            $told | Should -Not -Contain 'user1@contoso.com'
        }

        It 'does not believe a removed assignment put back under its old id' {
            $store = New-VerifiedStore
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            $a = New-PimActiveAssignment -Principal user1@contoso.com -Role 'Security Administrator' -Duration '30.00:00:00' -Justification 'project'
            Test-PimAccess -Principal user1@contoso.com -Role 'Security Administrator' | Should -BeTrue
            Invoke-Sql -Store $store -Sql "CREATE TABLE saved_row AS SELECT * FROM assignments WHERE assignment_id = '$($a.AssignmentId)'" | Out-Null
            Remove-PimAssignment -AssignmentId $a.AssignmentId -Confirm:$false | Out-Null
            Invoke-Sql -Store $store -Sql "INSERT INTO assignments SELECT * FROM saved_row; DROP TABLE saved_row" | Out-Null
            Test-PimAccess -Principal user1@contoso.com -Role 'Security Administrator' | Should -BeFalse
            (Test-PimAccess -Principal user1@contoso.com -Role 'Security Administrator' -Detailed).Reason | Should -Be 'Unverified'
            @(Get-PimAssignment -AssignmentId $a.AssignmentId).Count | Should -Be 0
            (Get-Disagreement Assignment "$($a.AssignmentId)")[0].Problem | Should -Be 'Unverified'
        }

        It 'does not believe an end date made later, nor a scope widened' {
            $store = New-VerifiedStore
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            $short = New-PimActiveAssignment -Principal user1@contoso.com -Role 'Security Administrator' -Duration '1.00:00:00' -Justification 'a day'
            $narrow = New-PimActiveAssignment -Principal user1@contoso.com -Role 'User Administrator' -Scope '/administrativeUnits/emea' -Permanent -Justification 'EMEA'
            Test-PimAccess -Principal user1@contoso.com -Role 'User Administrator' -Scope '/' | Should -BeFalse
            Invoke-Sql -Store $store -Sql "UPDATE assignments SET end_utc = NULL WHERE assignment_id = '$($short.AssignmentId)'; UPDATE assignments SET scope = '/' WHERE assignment_id = '$($narrow.AssignmentId)'" | Out-Null
            # A week from now the day-long assignment has ended, whatever the row says; the widened one never covered '/'.
            $later = Test-PimAccess -Principal user1@contoso.com -Role 'Security Administrator' -AsOf ([datetime]::UtcNow.AddDays(7)) -Detailed
            $later.HasAccess | Should -BeFalse
            $later.Reason | Should -Be 'Unverified'
            $wide = Test-PimAccess -Principal user1@contoso.com -Role 'User Administrator' -Scope '/' -Detailed
            $wide.HasAccess | Should -BeFalse
            $wide.Reason | Should -Be 'Unverified'
            (Get-Disagreement Assignment "$($short.AssignmentId)")[0].Problem | Should -Be 'Different'
            (Get-Disagreement Assignment "$($narrow.AssignmentId)")[0].Problem | Should -Be 'Different'
            @(Get-PimAssignment -Principal user1@contoso.com -IncludeUnverified | Where-Object { -not $_.Verified }).Count | Should -Be 2
        }

        It 'does not let a key whose revocation row was deleted act again, in a session open before or a new one' {
            $store = New-VerifiedStore
            Use-TestUser user1
            Connect-Verified $store user1@contoso.com   # user1's session, open while the key is revoked
            Invoke-AsAdministratorElsewhere -Store $store -Command "Revoke-PimCredential -Thumbprint $($store.User1Key.Thumbprint) -Confirm:`$false"
            # The revocation undone around the module: the row is active again.
            Invoke-Sql -Store $store -Sql "UPDATE credentials SET state = 'Active', revoked_by = NULL, revoked_utc = NULL WHERE thumbprint = '$($store.User1Key.Thumbprint)'" | Out-Null
            $before = Get-RawFingerprint $store
            $e = Get-Refusal { Request-PimActivation -Role 'Security Reader' -Justification 'After the revocation' -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Match '^PimCredentialNotRegistered,'
            Get-RawFingerprint $store | Should -Be $before
            $e = Get-Refusal { Connect-Verified $store user1@contoso.com }
            $e.FullyQualifiedErrorId | Should -Be 'PimCredentialNotRegistered,PimModule.Cmdlets.ConnectPimStoreCommand'
            Get-RawFingerprint $store | Should -Be $before
        }

        It 'does not believe a request set to Provisioned with an active row beside it' {
            $store = New-VerifiedStore
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            Set-PimRoleSetting -Role 'Security Reader' -RequireApproval $true -Approvers admin@contoso.com
            Use-TestUser user1
            Connect-Verified $store user1@contoso.com
            $q = Request-PimActivation -Role 'Security Reader' -Justification 'please'
            $q.Status | Should -Be 'PendingApproval'
            $eligible = Get-PimAssignment -Principal user1@contoso.com -Role 'Security Reader'
            $forged = [guid]::NewGuid().ToString()
            Copy-AssignmentRow -Store $store -FromId $eligible.AssignmentId -NewId $forged -Principal 'user1@contoso.com' -Set "type = 'Active', member_type = 'Activated', request_id = '$($q.RequestId)', eligible_id = '$($eligible.AssignmentId)'"
            Invoke-Sql -Store $store -Sql "UPDATE requests SET status = 'Provisioned', assignment_id = '$forged', approved_by = 'admin@contoso.com' WHERE request_id = '$($q.RequestId)'" | Out-Null
            Test-PimAccess -Principal user1@contoso.com -Role 'Security Reader' | Should -BeFalse
            (Test-PimAccess -Principal user1@contoso.com -Role 'Security Reader' -Detailed).Reason | Should -Be 'Unverified'
            @(Get-PimRequest -RequestId $q.RequestId -ErrorAction SilentlyContinue).Count | Should -Be 0
            (Get-Disagreement Request "$($q.RequestId)")[0].Problem | Should -Be 'Different'
            (Get-Disagreement Assignment $forged)[0].Problem | Should -Be 'Unverified'
        }

        It 'sees through a verified row edited while a session is open, at its next call' {
            $store = New-VerifiedStore
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            $a = New-PimActiveAssignment -Principal user1@contoso.com -Role 'Security Administrator' -Permanent -Justification 'ops'
            Test-PimAccess -Principal user1@contoso.com -Role 'Security Administrator' | Should -BeTrue
            $ga = (Get-PimRole -Name 'Global Administrator').Id
            Invoke-Sql -Store $store -Sql "UPDATE assignments SET role_id = '$ga' WHERE assignment_id = '$($a.AssignmentId)'" | Out-Null
            Test-PimAccess -Principal user1@contoso.com -Role 'Global Administrator' | Should -BeFalse
            (Test-PimAccess -Principal user1@contoso.com -Role 'Global Administrator' -Detailed).Reason | Should -Be 'Unverified'
            @(Get-PimAssignment -Role 'Global Administrator' | Where-Object Principal -eq 'user1@contoso.com').Count | Should -Be 0
            (Get-Disagreement Assignment "$($a.AssignmentId)")[0].Problem | Should -Be 'Different'
        }

        It 'sends nothing when the mail setting was changed around the module, nor a message written into the outbox' {
            $store = New-VerifiedStore
            $sink = Start-SmtpSink
            $trap = Start-SmtpSink
            try {
                Use-TestUser admin
                Connect-Verified $store admin@contoso.com
                Set-PimMailSetting -SmtpServer 127.0.0.1 -Port $sink.Port -From pim@contoso.com
                New-PimEligibleAssignment -Principal user7@contoso.com -Role 'Security Reader' -Permanent -Justification 'Mail me' | Out-Null
                # The attacker points the sender at their own server.
                Invoke-Sql -Store $store -Sql "UPDATE store_info SET value = '$($trap.Port)' WHERE key = 'mail.port'" | Out-Null
                $before = (Invoke-Sql -Store $store -Sql "SELECT status || coalesce(claim_token, '') FROM notifications ORDER BY notification_id") -join ','
                $e = Get-Refusal { Send-PimNotification -ErrorAction Stop }
                $e.FullyQualifiedErrorId | Should -Be 'PimStoreTampered,PimModule.Cmdlets.SendPimNotificationCommand'
                (Invoke-Sql -Store $store -Sql "SELECT status || coalesce(claim_token, '') FROM notifications ORDER BY notification_id") -join ',' | Should -Be $before
                @(Get-SmtpSinkMessage $trap).Count | Should -Be 0
                @(Get-SmtpSinkMessage $sink).Count | Should -Be 0
                (Get-Disagreement MailSetting mail).Count | Should -Be 1
                # Put back; a message written into the outbox around the module is not sent, the module's are.
                Set-PimMailSetting -SmtpServer 127.0.0.1 -Port $sink.Port -From pim@contoso.com
                $cols = 'created_utc, event, recipient_type, recipient, recipient_key, subject, body, role_id, principal, request_id, assignment_id, critical, status, attempts, next_attempt_utc'
                $forged = [guid]::NewGuid().ToString()
                Invoke-Sql -Store $store -Sql "INSERT INTO notifications (notification_id, $cols) SELECT '$forged', created_utc, event, recipient_type, 'victim@contoso.com', 'victim@contoso.com', 'Your password expired', 'Log in at http://evil.example', role_id, principal, request_id, assignment_id, critical, status, attempts, next_attempt_utc FROM notifications WHERE status = 'Pending' LIMIT 1" | Out-Null
                Send-PimNotification -WarningAction SilentlyContinue | Out-Null
                $messages = @(Get-SmtpSinkMessage $sink)
                $messages.Count | Should -BeGreaterThan 0
                $messages | ForEach-Object { "$($_.To)" | Should -Not -Match 'victim' }
                (Get-PimNotification | Where-Object NotificationId -eq $forged).Status | Should -Be 'Failed'
                @(Get-SmtpSinkMessage $trap).Count | Should -Be 0
            }
            finally { Stop-SmtpSink $sink -RemoveFolder; Stop-SmtpSink $trap -RemoveFolder }
        }

        It 'counts for nothing an administrator''s change sealed by a principal who is not one' {
            $store = New-VerifiedStore
            Use-TestUser user1
            $keyPath = Join-Path $env:XDG_DATA_HOME 'PimModule/keys/user1@contoso.com.pem'
            $ga = '62e90394-69f5-4237-9190-012177145e10'
            $id = [guid]::NewGuid().ToString()
            $now = [datetime]::UtcNow.ToString('o')
            $after = '{"AssignmentId":"' + $id + '","Principal":"user1@contoso.com","RoleId":"' + $ga + '","Scope":"/","Type":"Active","MemberType":"Direct","StartDateTime":"' + $now + '","EndDateTime":null,"Justification":"mine","TicketNumber":null,"TicketSystem":null}'
            # user1 writes the row and a record of it, chained and sealed with user1's own (registered) key.
            Add-ForgedTransaction -Store $store -KeyPath $keyPath -Actor 'user1@contoso.com' -Records @(@{ Action = 'AdminAssign'; TargetType = 'Assignment'; TargetId = $id; Principal = 'user1@contoso.com'; After = $after })
            $ticks = [datetime]::UtcNow.AddMinutes(-1).Ticks
            Invoke-Sql -Store $store -Sql "INSERT INTO assignments (assignment_id, principal, principal_key, role_id, scope, type, member_type, start_utc, end_utc, justification, created_by, created_utc) VALUES ('$id', 'user1@contoso.com', 'user1@contoso.com', '$ga', '/', 'Active', 'Direct', $ticks, NULL, 'mine', 'user1@contoso.com', $ticks)" | Out-Null
            Connect-Verified $store user1@contoso.com
            Test-PimAccess -Principal user1@contoso.com -Role 'Global Administrator' | Should -BeFalse
            $check = Test-PimAuditLog -WarningAction SilentlyContinue
            $check.IsValid | Should -BeFalse
            ($check.Disagreements | Where-Object Kind -eq 'Record').Problem | Should -Be 'NotEntitled'
            ($check.Disagreements | Where-Object Kind -eq 'Record').Detail | Should -Match 'not an administrator'
            $before = Get-RawFingerprint $store
            $e = Get-Refusal { New-PimRole -Name 'By a forged admin' -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimNotAuthorized,PimModule.Cmdlets.NewPimRoleCommand'
            Get-RawFingerprint $store | Should -Be $before
        }

        It 'copies a Verified store with its log and seals: the copy verifies and believes no row written around the module' {
            $store = New-VerifiedStore
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            $admin = Get-PimAssignment -Principal admin@contoso.com -Role 'Privileged Role Administrator'
            $forged = [guid]::NewGuid().ToString()
            Copy-AssignmentRow -Store $store -FromId $admin.AssignmentId -NewId $forged -Principal 'user1@contoso.com'
            $target = New-TestStore -Name 'copy'
            if ($target.Provider -eq 'PostgreSql') { Copy-PimStore -DestinationConnectionString $target.ConnectionString -DestinationProvider PostgreSql -Confirm:$false | Out-Null }
            else { Copy-PimStore -DestinationPath $target.Path -Confirm:$false | Out-Null }
            ((Invoke-Sql -Store $target -Sql 'SELECT COUNT(*) FROM seals') -join '') | Should -Be ((Invoke-Sql -Store $store -Sql 'SELECT COUNT(*) FROM seals') -join '')
            Use-TestUser user1
            Connect-Verified $target user1@contoso.com   # a new location: verified from its genesis, pinned anew
            (Get-PimStore).IdentityMode | Should -Be 'Verified'
            (Get-PimStore).StoreId | Should -Be (Invoke-Sql -Store $store -Sql "SELECT value FROM store_info WHERE key = 'store_id'")
            Test-PimAccess -Principal user1@contoso.com -Role 'Privileged Role Administrator' | Should -BeFalse
            Test-PimAccess -Principal admin@contoso.com -Role 'Privileged Role Administrator' | Should -BeTrue
            (Get-Disagreement Assignment $forged)[0].Problem | Should -Be 'Unverified'
        }

        It 'does not take another principal''s row for theirs when its principal_key was edited' {
            $store = New-VerifiedStore
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            $admin = Get-PimAssignment -Principal admin@contoso.com -Role 'Privileged Role Administrator'
            # The row stays the administrator's (principal, digest as verified); only the lookup column now says user1.
            Invoke-Sql -Store $store -Sql "UPDATE assignments SET principal_key = 'user1@contoso.com' WHERE assignment_id = '$($admin.AssignmentId)'" | Out-Null
            Test-PimAccess -Principal user1@contoso.com -Role 'Privileged Role Administrator' | Should -BeFalse
            @(Get-PimAssignment -Principal user1@contoso.com -Role 'Privileged Role Administrator' -IncludeUnverified).Count | Should -Be 0
            Use-TestUser user1
            Connect-Verified $store user1@contoso.com
            $before = Get-RawFingerprint $store
            $e = Get-Refusal { New-PimRole -Name 'Not an administrator' -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimNotAuthorized,PimModule.Cmdlets.NewPimRoleCommand'
            Get-RawFingerprint $store | Should -Be $before
        }

        It 'refuses, in an open session, a log cut back to before a change it verified, even with the recorded head removed' {
            $store = New-VerifiedStore
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            $ga = New-PimActiveAssignment -Principal user1@contoso.com -Role 'Global Administrator' -Permanent -Justification 'temporary'
            Use-TestUser user1
            Connect-Verified $store user1@contoso.com   # user1's session, open from here on
            $cut = [long](Invoke-Sql -Store $store -Sql 'SELECT MAX(sequence) FROM audit_log')
            Invoke-Sql -Store $store -Sql "CREATE TABLE saved_ga AS SELECT * FROM assignments WHERE assignment_id = '$($ga.AssignmentId)'" | Out-Null
            # The administrator removes the grant, in another session ...
            Invoke-AsAdministratorElsewhere -Store $store -Command "Remove-PimAssignment -AssignmentId $($ga.AssignmentId) -Confirm:`$false"
            Test-PimAccess -Principal user1@contoso.com -Role 'Global Administrator' | Should -BeFalse   # user1's session sees the removal
            # ... and the attacker cuts the log back to before it, removes the recorded head and puts the row back.
            Invoke-Sql -Store $store -Sql "DELETE FROM audit_log WHERE sequence > $cut; DELETE FROM seals WHERE to_sequence > $cut; DELETE FROM store_info WHERE key IN ('audit_head_sequence', 'audit_head_hash'); INSERT INTO assignments SELECT * FROM saved_ga; DROP TABLE saved_ga" | Out-Null
            $e = Get-Refusal { Test-PimAccess -Principal user1@contoso.com -Role 'Global Administrator' -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Match '^PimStore(Tampered|RolledBack),'
            # With the head put back at the cut, the open session refuses it as a rollback.
            $cutHash = (Invoke-Sql -Store $store -Sql "SELECT hash FROM audit_log WHERE sequence = $cut") -join ''
            Invoke-Sql -Store $store -Sql "INSERT INTO store_info (key, value) VALUES ('audit_head_sequence', '$cut'), ('audit_head_hash', '$cutHash')" | Out-Null
            $e = Get-Refusal { Test-PimAccess -Principal user1@contoso.com -Role 'Global Administrator' -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimStoreRolledBack,PimModule.Cmdlets.TestPimAccessCommand'
            $e = Get-Refusal { Connect-Verified $store user1@contoso.com }
            $e.FullyQualifiedErrorId | Should -Be 'PimStoreRolledBack,PimModule.Cmdlets.ConnectPimStoreCommand'
        }

        It 'lets an administrator remove a verified assignment whose row was edited around the module' {
            $store = New-VerifiedStore
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            $a = New-PimActiveAssignment -Principal user1@contoso.com -Role 'Security Administrator' -Permanent -Justification 'ops'
            Invoke-Sql -Store $store -Sql "UPDATE assignments SET justification = 'hidden' WHERE assignment_id = '$($a.AssignmentId)'" | Out-Null
            @(Get-PimAssignment -AssignmentId $a.AssignmentId).Count | Should -Be 0
            Remove-PimAssignment -AssignmentId $a.AssignmentId -Confirm:$false | Out-Null
            Invoke-Sql -Store $store -Sql "INSERT INTO assignments (assignment_id, principal, principal_key, role_id, scope, type, member_type, start_utc, end_utc, justification, created_by, created_utc) SELECT '$($a.AssignmentId)', 'user1@contoso.com', 'user1@contoso.com', role_id, '/', 'Active', 'Direct', 0, NULL, 'ops', 'admin@contoso.com', 0 FROM roles WHERE name = 'Security Administrator'" | Out-Null
            Test-PimAccess -Principal user1@contoso.com -Role 'Security Administrator' | Should -BeFalse
            (Test-PimAuditLog -WarningAction SilentlyContinue).Disagreements | Where-Object Id -eq "$($a.AssignmentId)" | ForEach-Object Problem | Should -Be 'Unverified'
        }

        It 'resolves built-in role names as the module ships them, whatever the roles table says' {
            $store = New-VerifiedStore
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            Invoke-Sql -Store $store -Sql "UPDATE roles SET name = 'Reports Reader X', name_key = 'reports reader x' WHERE name = 'Reports Reader'; UPDATE roles SET name = 'Reports Reader', name_key = 'reports reader' WHERE name = 'Global Administrator'" | Out-Null
            $a = New-PimEligibleAssignment -Principal user1@contoso.com -Role 'Reports Reader' -Permanent -Justification 'reports'
            $a.RoleId | Should -Be (Get-PimRole -Name 'Reports Reader').Id
            "$($a.RoleId)" | Should -Not -Be '62e90394-69f5-4237-9190-012177145e10'
            (Get-PimRole -Id '62e90394-69f5-4237-9190-012177145e10').Name | Should -Be 'Global Administrator'
        }

        It 'revokes a key whose credentials row was deleted around the module' {
            $store = New-VerifiedStore
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            Invoke-Sql -Store $store -Sql "DELETE FROM credentials WHERE thumbprint = '$($store.User1Key.Thumbprint)'" | Out-Null
            (Get-PimCredential -Principal user1@contoso.com).State | Should -Be 'Active'   # as the verified log binds it
            (Revoke-PimCredential -Thumbprint $store.User1Key.Thumbprint -Confirm:$false -PassThru).State | Should -Be 'Revoked'
            Use-TestUser user1
            $e = Get-Refusal { Connect-Verified $store user1@contoso.com }
            $e.FullyQualifiedErrorId | Should -Be 'PimCredentialNotRegistered,PimModule.Cmdlets.ConnectPimStoreCommand'
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            (Test-PimAuditLog -WarningAction SilentlyContinue).Disagreements.Kind | Should -Not -Contain 'Record'
        }

        It 'refuses a role''s settings whose rows do not say what the last sealed record said' {
            $store = New-VerifiedStore
            Use-TestUser admin
            $keyPath = Join-Path $env:XDG_DATA_HOME 'PimModule/keys/admin@contoso.com.pem'
            $sr = '5d6b6bb7-de71-4623-b4af-96380a352509'
            # A settings record as an earlier PimModule wrote it (no rules beside what they say), sealed by the administrator,
            # that the store's rule rows do not match.
            Add-ForgedTransaction -Store $store -KeyPath $keyPath -Actor 'admin@contoso.com' -Records @(@{ Action = 'UpdateRoleSetting'; TargetType = 'RoleSetting'; TargetId = $sr; After = '{"RequireApproval":"True"}' })
            Connect-Verified $store admin@contoso.com
            $before = Get-RawFingerprint $store
            $e = Get-Refusal { Get-PimRoleSetting -Role 'Security Reader' -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimStoreTampered,PimModule.Cmdlets.GetPimRoleSettingCommand'
            Use-TestUser user1
            Connect-Verified $store user1@contoso.com
            $e = Get-Refusal { Request-PimActivation -Role 'Security Reader' -Justification 'read' -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimStoreTampered,PimModule.Cmdlets.RequestPimActivationCommand'
            Get-RawFingerprint $store | Should -Be $before
        }

        It 'counts for nothing an expiry sealed before the request was due' {
            $store = New-VerifiedStore
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            Set-PimRoleSetting -Role 'Security Reader' -RequireApproval $true -Approvers admin@contoso.com
            Use-TestUser user1
            Connect-Verified $store user1@contoso.com
            $q = Request-PimActivation -Role 'Security Reader' -Justification 'please'
            $keyPath = Join-Path $env:XDG_DATA_HOME 'PimModule/keys/user1@contoso.com.pem'
            Add-ForgedTransaction -Store $store -KeyPath $keyPath -Actor 'user1@contoso.com' -Records @(@{ Action = 'ExpireRequest'; TargetType = 'Request'; TargetId = "$($q.RequestId)"; Principal = 'user1@contoso.com'; After = '{"Status":"Expired"}' })
            Invoke-Sql -Store $store -Sql "UPDATE requests SET status = 'Expired' WHERE request_id = '$($q.RequestId)'" | Out-Null
            $check = Test-PimAuditLog -WarningAction SilentlyContinue
            $check.IsValid | Should -BeFalse
            ($check.Disagreements | Where-Object Kind -eq 'Record').Detail | Should -Match 'not due'
            # The request is still pending as the log has it: the administrator approves it.
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            Invoke-Sql -Store $store -Sql "UPDATE requests SET status = 'PendingApproval' WHERE request_id = '$($q.RequestId)'" | Out-Null
            (Approve-PimRequest -RequestId $q.RequestId -Justification 'ok' -Confirm:$false).Status | Should -Be 'Provisioned'
            Test-PimAccess -Principal user1@contoso.com -Role 'Security Reader' | Should -BeTrue
        }
    }

    Describe 'What an approver reads is what the requester sealed (issue 27, finding 6)' {
        It 'counts for nothing a request whose justification or ticket was rewritten around the module: the approver never reads it, the log check names it' -ForEach @(
            @{ Column = 'justification'; Value = 'Approved by the CISO, see mail' }
            @{ Column = 'ticket_number'; Value = 'CHG-0000' }
        ) {
            $store = New-VerifiedStore
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            Set-PimRoleSetting -Role 'Security Reader' -RequireApproval $true -Approvers admin@contoso.com -RequireTicket $true
            Use-TestUser user1
            Connect-Verified $store user1@contoso.com
            $q = Request-PimActivation -Role 'Security Reader' -Justification 'read the alerts' -TicketNumber 'INC-1'
            Invoke-Sql -Store $store -Sql "UPDATE requests SET $Column = '$Value' WHERE request_id = '$($q.RequestId)'" | Out-Null
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            # The forged text reaches no approver: the request counts for nothing (it is not pending anyone's approval).
            @(Get-PimRequest -PendingMyApproval) | Should -HaveCount 0
            Get-PimRequest -PendingMyApproval | Out-String -Width 200 | Should -Not -Match ([regex]::Escape($Value))
            $check = Test-PimAuditLog -WarningAction SilentlyContinue
            $check.IsValid | Should -BeFalse
            ($check.Disagreements | Where-Object Kind -eq 'Request').Id | Should -Be "$($q.RequestId)"
            # Put back as sealed, it counts again and the administrator decides it.
            $original = if ($Column -eq 'justification') { 'read the alerts' } else { 'INC-1' }
            Invoke-Sql -Store $store -Sql "UPDATE requests SET $Column = '$original' WHERE request_id = '$($q.RequestId)'" | Out-Null
            (Get-PimRequest -PendingMyApproval).RequestId | Should -Be $q.RequestId
            (Test-PimAuditLog -WarningAction SilentlyContinue).IsValid | Should -BeTrue
        }
    }

    Describe 'Approval stages in a Verified store: a quorum of distinct, entitled approvers' {
        BeforeAll {
            function New-QuorumStore {
                <# Security Reader needs -Required of -Listed (a1 and a2 with their own keys); user1 asked to activate it; a1 approved. #>
                param([int] $Required = 2, [string[]] $Listed = @('a1@contoso.com', 'a2@contoso.com'))
                $store = New-VerifiedStore
                foreach ($who in 'a1', 'a2') {
                    Use-TestUser $who
                    $key = New-PimCredential -Principal "$who@contoso.com"
                    Use-TestUser admin
                    Connect-Verified $store admin@contoso.com
                    $key | Register-PimCredential -Principal "$who@contoso.com" | Out-Null
                }
                Set-PimRoleSetting -Role 'Security Reader' -RequireApproval $true -ApprovalStages (New-PimApprovalStage -Approvers $Listed -RequiredApprovals $Required)
                Use-TestUser user1
                Connect-Verified $store user1@contoso.com
                $q = Request-PimActivation -Role 'Security Reader' -Justification 'please'
                Use-TestUser a1
                Connect-Verified $store a1@contoso.com
                (Approve-PimRequest -RequestId $q.RequestId -Justification 'one' -Confirm:$false).Status | Should -Be 'PendingApproval'
                $store | Add-Member -NotePropertyName Request -NotePropertyValue $q -PassThru
            }
        }

        It 'provisions with two distinct approvals, refuses the same approver twice, and verifies' {
            $store = New-QuorumStore
            $before = Get-RawFingerprint $store
            $e = Get-Refusal { Approve-PimRequest -RequestId $store.Request.RequestId -Justification 'again' -Confirm:$false -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimAlreadyDecided,PimModule.Cmdlets.ApprovePimRequestCommand'
            Get-RawFingerprint $store | Should -Be $before
            Use-TestUser a2
            Connect-Verified $store a2@contoso.com
            $done = Approve-PimRequest -RequestId $store.Request.RequestId -Justification 'two' -Confirm:$false
            $done.Status | Should -Be 'Provisioned'
            $done.Approvals.Approver | Should -Be @('a1@contoso.com', 'a2@contoso.com')
            Test-PimAccess -Principal user1@contoso.com -Role 'Security Reader' | Should -BeTrue
            (Test-PimAuditLog).IsValid | Should -BeTrue
        }

        It 'counts one approver once: a decision row copied under another key, or forged in the next approver''s name, is no one''s' {
            # Review finding F1: rows whose key is not their approver's counted as that approver's decisions.
            $store = New-QuorumStore -Required 3 -Listed a1@contoso.com, a2@contoso.com, a3@contoso.com
            $id = "$($store.Request.RequestId)"
            Invoke-Sql -Store $store -Sql "INSERT INTO request_approvals (request_id, approver_key, approver, stage, decision, justification, decided_utc) SELECT request_id, 'zz-forged', approver, stage, decision, justification, decided_utc FROM request_approvals WHERE request_id = '$id'" | Out-Null
            foreach ($k in 'z1', 'z2') {
                Invoke-Sql -Store $store -Sql "INSERT INTO request_approvals (request_id, approver_key, approver, stage, decision, justification, decided_utc) VALUES ('$id', '$k', 'a2@contoso.com', 1, 'Approve', NULL, 1)" | Out-Null
            }
            Use-TestUser a2
            Connect-Verified $store a2@contoso.com
            $after = Approve-PimRequest -RequestId $store.Request.RequestId -Justification 'two' -Confirm:$false
            $after.Status | Should -Be 'PendingApproval'      # two distinct approvals of a quorum of 3
            $after.Approvals.Approver | Should -Be @('a1@contoso.com', 'a2@contoso.com')
            Test-PimAccess -Principal user1@contoso.com -Role 'Security Reader' | Should -BeFalse
            (Test-PimAuditLog -WarningAction SilentlyContinue).Disagreements | Where-Object Problem -eq 'NotEntitled' | Should -BeNullOrEmpty
        }

        It 'counts for nothing a decision row written around the module, or a stage moved by SQL' {
            $store = New-QuorumStore
            $id = "$($store.Request.RequestId)"
            $at = [datetime]::UtcNow.Ticks
            Invoke-Sql -Store $store -Sql "INSERT INTO request_approvals (request_id, approver_key, approver, stage, decision, justification, decided_utc) VALUES ('$id', 'a2@contoso.com', 'a2@contoso.com', 1, 'Approve', NULL, $at)" | Out-Null
            $q = Get-PimRequest -RequestId $store.Request.RequestId
            $q.Status | Should -Be 'PendingApproval'
            $q.Approvals.Approver | Should -Be @('a1@contoso.com')
            @($q.PendingApprovers) | Should -Be @('a2@contoso.com')
            Test-PimAccess -Principal user1@contoso.com -Role 'Security Reader' | Should -BeFalse
            # A request row moved to a stage by SQL is not the request the log has: it is not believed at all.
            Invoke-Sql -Store $store -Sql "UPDATE requests SET stage = 2 WHERE request_id = '$id'" | Out-Null
            $e = Get-Refusal { Get-PimRequest -RequestId $store.Request.RequestId -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -BeLike 'PimRequestNotFound,*'
            Invoke-Sql -Store $store -Sql "UPDATE requests SET stage = 1 WHERE request_id = '$id'" | Out-Null
            # a2's own approval replaces the forged row and reaches the quorum.
            Use-TestUser a2
            Connect-Verified $store a2@contoso.com
            (Approve-PimRequest -RequestId $store.Request.RequestId -Justification 'two' -Confirm:$false).Status | Should -Be 'Provisioned'
            Test-PimAccess -Principal user1@contoso.com -Role 'Security Reader' | Should -BeTrue
        }
    }

    Describe 'Graph interop in a Verified store: ids and policy ids come from the verified log' {
        BeforeAll {
            $script:GraphData = Join-Path $PSScriptRoot '../data/graph' | Resolve-Path | ForEach-Object Path
            function Save-GraphPolicyWithApprover([string] $UserId) {
                <# Graph's expanded policy example, with one single-user approver (as a tenant admin would set it). #>
                $doc = Get-Content -Raw (Join-Path $GraphData 'rolemanagementpolicyassignments-list-expand-policy-rules.json') | ConvertFrom-Json -AsHashtable -Depth 64
                $rule = $doc.value[0].policy.rules | Where-Object id -EQ 'Approval_EndUser_Assignment'
                $rule.setting.isApprovalRequired = $true
                $rule.setting.approvalStages[0].primaryApprovers = @(@{ '@odata.type' = '#microsoft.graph.singleUser'; userId = $UserId })
                $path = Join-Path $TestDrive ("policy-{0}.json" -f [guid]::NewGuid().ToString('N'))
                $doc | ConvertTo-Json -Depth 64 | Set-Content $path
                $path
            }
        }

        It 'does not believe a directory object changed or inserted around the module' {
            $store = New-VerifiedStore
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            $users = Join-Path $TestDrive 'approver.json'
            '{"value": [{"id": "10a08e2e-3ea2-4ce0-80cb-d5fdd4b05ea6", "userPrincipalName": "approver@contoso.com", "displayName": "Approver"}]}' | Set-Content $users
            Import-PimDirectoryObject -Path $users
            # The attacker, with write access to the store, makes the approver's id theirs and adds an id of their own.
            Invoke-Sql -Store $store -Sql "UPDATE directory_objects SET user_principal_name = 'user1@contoso.com', principal_key = 'user1@contoso.com' WHERE id = '10a08e2e-3ea2-4ce0-80cb-d5fdd4b05ea6'; INSERT INTO directory_objects (id, user_principal_name, principal_key, display_name, imported_by, imported_utc) VALUES ('14f2746d-7d6f-4ac6-acd8-8cac318b041b', 'mallory@contoso.com', 'mallory@contoso.com', 'x', 'admin@contoso.com', 0)" | Out-Null
            (Get-PimDirectoryObject -Id 10a08e2e-3ea2-4ce0-80cb-d5fdd4b05ea6).UserPrincipalName | Should -Be 'approver@contoso.com'
            @(Get-PimDirectoryObject).Count | Should -Be 1
            # A tenant's policy naming the approver by id makes the real approver one, never the attacker.
            $s = Import-PimRoleSetting -Path (Save-GraphPolicyWithApprover '10a08e2e-3ea2-4ce0-80cb-d5fdd4b05ea6') -PassThru
            @($s.Approvers) | Should -Be @('approver@contoso.com')
            (New-PimEligibleAssignment -Principal 10a08e2e-3ea2-4ce0-80cb-d5fdd4b05ea6 -Role 'Security Reader' -Permanent).Principal | Should -Be 'approver@contoso.com'
            $before = Get-RawFingerprint $store
            $e = Get-Refusal { New-PimEligibleAssignment -Principal 14f2746d-7d6f-4ac6-acd8-8cac318b041b -Role 'Global Administrator' -Permanent -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimDirectoryObjectNotFound,PimModule.Cmdlets.NewPimEligibleAssignmentCommand'
            Get-RawFingerprint $store | Should -Be $before
        }

        It 'does not let a non-administrator''s sealed import of directory objects count' {
            $store = New-VerifiedStore
            Use-TestUser user1
            Connect-Verified $store user1@contoso.com
            '{"value": [{"id": "14f2746d-7d6f-4ac6-acd8-8cac318b041b", "userPrincipalName": "user1@contoso.com"}]}' | Set-Content (Join-Path $TestDrive 'mine.json')
            $before = Get-RawFingerprint $store
            (Get-Refusal { Import-PimDirectoryObject -Path (Join-Path $TestDrive 'mine.json') }).FullyQualifiedErrorId | Should -Be 'PimNotAuthorized,PimModule.Cmdlets.ImportPimDirectoryObjectCommand'
            Get-RawFingerprint $store | Should -Be $before
        }

        It 'does not count a directory object a non-administrator sealed with their own key' {
            $store = New-VerifiedStore
            $user1Key = Join-Path $script:Users 'user1/PimModule/keys/user1@contoso.com.pem'
            $id = '14f2746d-7d6f-4ac6-acd8-8cac318b041b'
            Add-ForgedTransaction -Store $store -KeyPath $user1Key -Actor user1@contoso.com -Records @(
                [pscustomobject]@{ Action = 'ImportDirectoryObject'; TargetType = 'DirectoryObject'; TargetId = $id; Principal = 'user1@contoso.com'
                    After = '{"Id":"' + $id + '","UserPrincipalName":"user1@contoso.com","DisplayName":"Approver"}' })
            Invoke-Sql -Store $store -Sql "INSERT INTO directory_objects (id, user_principal_name, principal_key, display_name, imported_by, imported_utc) VALUES ('$id', 'user1@contoso.com', 'user1@contoso.com', 'Approver', 'user1@contoso.com', 0)" | Out-Null
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            Get-PimDirectoryObject | Should -BeNullOrEmpty
            $e = Get-Refusal { Set-PimRoleSetting -Role 'Security Reader' -Approvers $id -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimDirectoryObjectNotFound,PimModule.Cmdlets.SetPimRoleSettingCommand'
            @((Test-PimAuditLog -WarningAction SilentlyContinue).Disagreements | Where-Object Problem -EQ 'NotEntitled').Count | Should -BeGreaterThan 0
        }

        It 'exports the Graph policy id an administrator sealed, whatever the rule row says' {
            $store = New-VerifiedStore
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            Import-PimRoleSetting -Path (Join-Path $GraphData 'rolemanagementpolicyassignments-list-expand-policy-rules.json')
            $sealed = 'DirectoryRole_cab01047-8ad9-4792-8e42-569340767f1b_70c808b5-0d35-4863-a0ba-07888e99d448'
            # Pointing the PATCH requests at another tenant policy (the rule row that keeps the id) counts for nothing.
            Invoke-Sql -Store $store -Sql "UPDATE policy_rules SET value_json = replace(value_json, '70c808b5-0d35-4863-a0ba-07888e99d448', '00000000-0000-0000-0000-000000000bad') WHERE rule_id = 'GraphIdentity_PimModule'" | Out-Null
            $file = Join-Path $TestDrive 'ga.json'
            Export-PimRoleSetting -Role 'Global Administrator' -Format Graph -Path $file
            $e = Get-Content -Raw $file | ConvertFrom-Json
            $e.roleManagementPolicies[0].id | Should -Be $sealed
            $e.batchRequests[0].requests | ForEach-Object { $_.url } | Where-Object { $_ -notlike "/policies/roleManagementPolicies/$sealed/rules/*" } | Should -BeNullOrEmpty
        }

        # Issue 28, finding 8 (third hostile pass): one tenant policy id is one role's, for the writer and the verified log alike.
        It 'refuses a policy id another role holds (its placeholder too), and Reset-PimRoleSetting clears a kept id' {
            $store = New-VerifiedStore
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            $doc = Get-Content -Raw (Join-Path $GraphData 'rolemanagementpolicyassignments-list-expand-policy-rules.json') | ConvertFrom-Json -AsHashtable -Depth 64
            $doc.value[0].policyId = $doc.value[0].policy.id = 'PimModule_5d6b6bb7-de71-4623-b4af-96380a352509'   # Security Reader's placeholder
            $taken = Join-Path $TestDrive 'taken.json'
            $doc | ConvertTo-Json -Depth 64 | Set-Content $taken
            $before = Get-RawFingerprint $store
            $e = Get-Refusal { Import-PimRoleSetting -Path $taken -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimGraphPolicyConflict,PimModule.Cmdlets.ImportPimRoleSettingCommand'
            $e.Exception.Message | Should -Match 'Security Reader'
            Get-RawFingerprint $store | Should -Be $before
            # Reset forgets the tenant id Global Administrator keeps: its export has its own placeholder again.
            Import-PimRoleSetting -Path (Join-Path $GraphData 'rolemanagementpolicyassignments-list-expand-policy-rules.json')
            Reset-PimRoleSetting -Role 'Global Administrator' -Confirm:$false
            $file = Join-Path $TestDrive 'ga-reset.json'
            Export-PimRoleSetting -Role 'Global Administrator', 'Security Reader' -Format Graph -Path $file -WarningAction SilentlyContinue
            @((Get-Content -Raw $file | ConvertFrom-Json).roleManagementPolicies.id) | Should -Be @('PimModule_62e90394-69f5-4237-9190-012177145e10', 'PimModule_5d6b6bb7-de71-4623-b4af-96380a352509')
            (Test-PimAuditLog -WarningAction SilentlyContinue).IsValid | Should -BeTrue
        }

        It 'counts for nothing an administrator''s sealed record that gives a role another role''s policy id' {
            $store = New-VerifiedStore
            Use-TestUser admin
            $keyPath = Join-Path $env:XDG_DATA_HOME 'PimModule/keys/admin@contoso.com.pem'
            $ga = '62e90394-69f5-4237-9190-012177145e10'
            $placeholder = 'PimModule_5d6b6bb7-de71-4623-b4af-96380a352509'
            # The record the finding's import wrote, sealed by an administrator around the writer's check.
            $identity = @{ policy = @{ id = $placeholder; scopeId = '/'; scopeType = 'DirectoryRole' }; assignment = @{ id = "${placeholder}_$ga"; policyId = $placeholder; scopeId = '/'; scopeType = 'DirectoryRole'; roleDefinitionId = $ga } } | ConvertTo-Json -Compress -Depth 8
            $after = @{ '$Rules' = (@{ 'GraphIdentity_PimModule' = $identity } | ConvertTo-Json -Compress) } | ConvertTo-Json -Compress
            Add-ForgedTransaction -Store $store -KeyPath $keyPath -Actor 'admin@contoso.com' -Records @(@{ Action = 'ImportRoleSetting'; TargetType = 'RoleSetting'; TargetId = $ga; After = $after })
            Connect-Verified $store admin@contoso.com
            $check = Test-PimAuditLog -WarningAction SilentlyContinue
            @($check.Disagreements | Where-Object { $_.Problem -eq 'NotEntitled' -and $_.Detail -match [regex]::Escape($placeholder) }).Count | Should -Be 1
            # The verified state never gave Global Administrator the id: both roles export, and Security Reader's own file imports.
            $file = Join-Path $TestDrive 'both.json'
            Export-PimRoleSetting -Role 'Global Administrator', 'Security Reader' -Format Graph -Path $file -WarningAction SilentlyContinue
            @((Get-Content -Raw $file | ConvertFrom-Json).roleManagementPolicies.id) | Should -Be @("PimModule_$ga", $placeholder)
            $sr = Join-Path $TestDrive 'sr.json'
            Export-PimRoleSetting -Role 'Security Reader' -Format Graph -Path $sr -WarningAction SilentlyContinue
            Import-PimRoleSetting -Path $sr
        }
    }

    Describe 'MFA secrets in a Verified store' {
        It 'encrypts each MFA secret to its principal''s own key: a code works for them, and a copy works for nobody else' {
            $store = New-VerifiedStore
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement Mfa
            Use-TestUser user2
            $user2Key = New-PimCredential -Principal user2@contoso.com
            Use-TestUser admin
            $user2Key | Register-PimCredential -Principal user2@contoso.com | Out-Null
            New-PimEligibleAssignment -Principal user2@contoso.com -Role 'Security Reader' -Permanent -Justification 'JIT' | Out-Null
            Use-TestUser user1
            Connect-Verified $store user1@contoso.com
            $mfa = Register-PimMfaMethod
            $text = (Invoke-Sql -Store $store -Sql "SELECT secret_protected FROM mfa_methods WHERE principal_key = 'user1@contoso.com'") -join ''
            $text | Should -BeLike 'kv:*'
            $text | Should -Match "^kv:$($store.User1Key.Thumbprint) k1:[A-Za-z0-9+/=]+$"   # one entry: user1's key, nobody else's
            (Request-PimActivation -Role 'Security Reader' -Justification 'With my own MFA' -MfaCode (Get-TotpCode $mfa.Secret)).Status | Should -Be 'Provisioned'
            # user2 copies user1's secret onto their own MFA row, behind the module's back.
            Use-TestUser user2
            Connect-Verified $store user2@contoso.com
            Register-PimMfaMethod | Out-Null
            Invoke-Sql -Store $store -Sql "UPDATE mfa_methods SET secret_protected = '$text', failed_count = 0 WHERE principal_key = 'user2@contoso.com'" | Out-Null
            $e = Get-Refusal { Request-PimActivation -Role 'Security Reader' -Justification 'With a stolen secret' -MfaCode (Get-TotpCode $mfa.Secret) -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimMfaSecretInvalid,PimModule.Cmdlets.RequestPimActivationCommand'
            Get-PimAssignment -Principal user2@contoso.com -Type Active | Should -BeNullOrEmpty
        }
    }

    Describe 'The SMTP password in a Verified store' {
        It 'is encrypted to the mailer''s own keys: the mailer sends, another administrator cannot read it and claims nothing' {
            $store = New-VerifiedStore
            Use-TestUser mailer
            $mailerKey = New-PimCredential -Principal mailer@contoso.com
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            $mailerKey | Register-PimCredential -Principal mailer@contoso.com | Out-Null
            $password = 'Pa55-' + [guid]::NewGuid().ToString('N')
            $sink = Start-SmtpSink
            try {
                $login = [pscredential]::new('smtpuser', (ConvertTo-SecureString $password -AsPlainText -Force))
                Set-PimMailSetting -SmtpServer 127.0.0.1 -Port $sink.Port -From pim@contoso.com -Credential $login -Mailer mailer@contoso.com -AllowInsecureAuthentication
                (Get-PimMailSetting).Mailer | Should -Be 'mailer@contoso.com'
                $text = (Invoke-Sql -Store $store -Sql "SELECT value FROM store_info WHERE key = 'mail.password'") -join ''
                $text | Should -Match "^kv:$($mailerKey.Thumbprint) k1:[A-Za-z0-9+/=]+$"   # the mailer's key only
                New-PimEligibleAssignment -Principal user7@contoso.com -Role 'Security Reader' -Permanent -Justification 'Mail me' | Out-Null
                $pending = (Invoke-Sql -Store $store -Sql "SELECT COUNT(*) FROM notifications WHERE status = 'Pending'") -join ''
                [int]$pending | Should -BeGreaterThan 0
                $before = (Invoke-Sql -Store $store -Sql "SELECT status || coalesce(claim_token, '') FROM notifications ORDER BY notification_id") -join ','
                $e = Get-Refusal { Send-PimNotification -ErrorAction Stop }
                $e.FullyQualifiedErrorId | Should -Be 'PimSecretUnreadable,PimModule.Cmdlets.SendPimNotificationCommand'
                "$($e.Exception.Message)" | Should -Not -Match ([regex]::Escape($password))
                (Invoke-Sql -Store $store -Sql "SELECT status || coalesce(claim_token, '') FROM notifications ORDER BY notification_id") -join ',' | Should -Be $before
                Use-TestUser mailer
                Connect-Verified $store mailer@contoso.com
                Send-PimNotification | Out-Null
                $messages = @(Get-SmtpSinkMessage $sink)
                $messages.Count | Should -BeGreaterThan 0
                $messages | ForEach-Object { $_.User | Should -Be 'smtpuser' }
            }
            finally { Stop-SmtpSink $sink -RemoveFolder }
        }
    }

    Describe 'Credential refusals' {
        It 'refuses an ordinary user registering a key for another principal, or revoking another''s key' {
            $store = New-VerifiedStore
            Use-TestUser user1
            Connect-Verified $store user1@contoso.com
            $before = Get-RawFingerprint $store
            $other = New-PimCredential -Principal user2@contoso.com -Path (Join-Path $TestDrive "u2-$([guid]::NewGuid()).pem")
            $e = Get-Refusal { $other | Register-PimCredential -Principal user2@contoso.com -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimNotAuthorized,PimModule.Cmdlets.RegisterPimCredentialCommand'
            $adminKey = (Get-PimCredential -Principal admin@contoso.com).Thumbprint
            $e = Get-Refusal { Revoke-PimCredential -Thumbprint $adminKey -Confirm:$false -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimNotAuthorized,PimModule.Cmdlets.RevokePimCredentialCommand'
            Get-RawFingerprint $store | Should -Be $before
        }

        It 'refuses revoking the root key and binding a revoked key again' {
            $store = New-VerifiedStore
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            $root = (Get-PimStore).TrustAnchor.Split(':')[1]
            $before = Get-RawFingerprint $store
            $e = Get-Refusal { Revoke-PimCredential -Thumbprint $root -Confirm:$false -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimCredentialIsRoot,PimModule.Cmdlets.RevokePimCredentialCommand'
            Get-RawFingerprint $store | Should -Be $before
            Revoke-PimCredential -Thumbprint $store.User1Key.Thumbprint -Confirm:$false
            $before = Get-RawFingerprint $store
            $e = Get-Refusal { $store.User1Key | Register-PimCredential -Principal user1@contoso.com -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimCredentialRevoked,PimModule.Cmdlets.RegisterPimCredentialCommand'
            Get-RawFingerprint $store | Should -Be $before
        }

        It 'registers a public key given as PEM text, and refuses one with a character no PEM has' {
            $store = New-VerifiedStore
            Use-TestUser admin
            Connect-Verified $store admin@contoso.com
            $key = New-PimCredential -Principal user5@contoso.com -Path (Join-Path $TestDrive "pem-$([guid]::NewGuid()).pem")
            (Register-PimCredential -Principal user5@contoso.com -PublicKey ([string]$key.PublicKey)).State | Should -Be 'Active'
            $other = New-PimCredential -Principal user6@contoso.com -Path (Join-Path $TestDrive "pem-$([guid]::NewGuid()).pem")
            $before = Get-RawFingerprint $store
            $e = Get-Refusal { Register-PimCredential -Principal user6@contoso.com -PublicKey ($other.PublicKey.Insert(30, [string][char]0x202E)) -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimCredentialInvalid,PimModule.Cmdlets.RegisterPimCredentialCommand'
            Get-RawFingerprint $store | Should -Be $before
        }

        It 'has no credentials in a Lab store' {
            Connect-TestStore -Principal admin@contoso.com | Out-Null
            $key = New-PimCredential -Principal user1@contoso.com -Path (Join-Path $TestDrive "lab-$([guid]::NewGuid()).pem")
            $e = Get-Refusal { $key | Register-PimCredential -Principal user1@contoso.com -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimIdentityModeMismatch,PimModule.Cmdlets.RegisterPimCredentialCommand'
        }

        It 'refuses a malformed trust anchor, two keys at once, and a wrong passphrase, and changes nothing' {
            $store = New-VerifiedStore
            $before = Get-RawFingerprint $store
            Use-TestUser user1
            $e = Get-Refusal { Connect-Verified $store user1@contoso.com -Extra @{ TrustAnchor = "not-an-anchor`n" } }
            $e.FullyQualifiedErrorId | Should -Match '^PimInput(ValueInvalid|Invalid),PimModule.Cmdlets.ConnectPimStoreCommand$'
            $pass = ConvertTo-SecureString 'right passphrase' -AsPlainText -Force
            $file = Join-Path $TestDrive "pp-$([guid]::NewGuid()).pem"
            New-PimCredential -Principal user1@contoso.com -Path $file -Passphrase $pass | Out-Null
            $cert = [Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=x', [Security.Cryptography.ECDsa]::Create(), [Security.Cryptography.HashAlgorithmName]::SHA256).CreateSelfSigned([DateTimeOffset]::UtcNow, [DateTimeOffset]::UtcNow.AddDays(1))
            $e = Get-Refusal { Connect-Verified $store user1@contoso.com -Extra @{ CredentialPath = $file; Certificate = $cert } }
            $e.FullyQualifiedErrorId | Should -Be 'PimInputValueInvalid,PimModule.Cmdlets.ConnectPimStoreCommand'
            $wrong = ConvertTo-SecureString 'wrong passphrase' -AsPlainText -Force
            $e = Get-Refusal { Connect-Verified $store user1@contoso.com -Extra @{ CredentialPath = $file; CredentialPassphrase = $wrong } }
            $e.FullyQualifiedErrorId | Should -Be 'PimCredentialPassphraseInvalid,PimModule.Cmdlets.ConnectPimStoreCommand'
            "$($e.Exception.Message)" | Should -Not -Match 'wrong passphrase'
            Get-RawFingerprint $store | Should -Be $before
        }

        It 'writes an export readable by its owner only, and does not overwrite a file' {
            $store = New-VerifiedStore
            $file = Join-Path $TestDrive "export-$([guid]::NewGuid()).jsonl"
            Export-PimAuditLog -Path $file
            if (-not $IsWindows) { [IO.File]::GetUnixFileMode($file) | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite') }
            $length = (Get-Item $file).Length
            $e = Get-Refusal { Export-PimAuditLog -Path $file -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimFileExists,PimModule.Cmdlets.ExportPimAuditLogCommand'
            (Get-Item $file).Length | Should -Be $length
        }
    }
}

Describe 'Third hostile pass, finding 3: a piped Scope that is present and null is refused, never widened to /' -Tag Hostile {
    BeforeAll {
        function New-ScopeStore {
            $store = Connect-TestStore -Principal admin@contoso.com
            New-PimEligibleAssignment -Principal user1@contoso.com -Role 'Security Reader' -Scope '/administrativeUnits/emea' -Duration 30d | Out-Null
            $store
        }
    }

    It 'refuses <Name> piped to <Cmdlet> (PimScopeInvalid), and writes nothing' -ForEach @(
        @{ Name = 'JSON "Scope": null'; Cmdlet = 'New-PimEligibleAssignment'
           Rows = { '{"Principal":"user2@contoso.com","Role":"Security Reader","Scope":null,"Duration":"30d"}' | ConvertFrom-Json } }
        @{ Name = 'Select-Object of a Scope column the object lacks'; Cmdlet = 'New-PimEligibleAssignment'
           Rows = { [pscustomobject]@{ Principal = 'user2@contoso.com'; Role = 'Security Reader'; Duration = '30d' } | Select-Object Principal, Role, Duration, Scope } }
        @{ Name = 'JSON "DirectoryScopeId": null'; Cmdlet = 'New-PimActiveAssignment'
           Rows = { '{"Principal":"user2@contoso.com","Role":"Security Reader","DirectoryScopeId":null,"Duration":"30d","Justification":"x"}' | ConvertFrom-Json } }
    ) {
        $null = New-ScopeStore
        $before = Get-StoreFingerprint
        $rows = & $Rows
        $out = $rows | & $Cmdlet -ErrorVariable errs -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        @($errs).Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be "PimScopeInvalid,PimModule.Cmdlets.$($Cmdlet -replace '-', '')Command"
        $errs[0].Exception.Message | Should -Match 'null'
        Get-StoreFingerprint | Should -Be $before
        @(Get-PimAssignment -Principal user2@contoso.com).Count | Should -Be 0
    }

    It 'still takes a Scope that is left out as the whole directory' {
        $null = New-ScopeStore
        $a = [pscustomobject]@{ Principal = 'user3@contoso.com'; Role = 'Security Reader'; Duration = '30d' } | New-PimEligibleAssignment
        $a.Scope | Should -Be '/'
    }

    It 'refuses a null Scope piped to Request-PimActivation and Test-PimAccess' {
        $store = New-ScopeStore
        $null = Connect-TestStore -Store $store -Principal user1@contoso.com
        $before = Get-StoreFingerprint
        $e = Get-Refusal { '{"Role":"Security Reader","Scope":null}' | ConvertFrom-Json | Request-PimActivation -Justification 'x' -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'PimScopeInvalid,PimModule.Cmdlets.RequestPimActivationCommand'
        Get-StoreFingerprint | Should -Be $before
        $e = Get-Refusal { '{"Principal":"user1@contoso.com","Role":"Security Reader","Scope":null}' | ConvertFrom-Json | Test-PimAccess -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'PimScopeInvalid,PimModule.Cmdlets.TestPimAccessCommand'
    }

    It 'refuses a Graph assignment whose directoryScopeId is null (Import-PimAssignment)' {
        $null = New-ScopeStore
        '{"value": [{"id": "10a08e2e-3ea2-4ce0-80cb-d5fdd4b05ea6", "userPrincipalName": "user4@contoso.com", "displayName": "User Four"}]}' | Set-Content (Join-Path $TestDrive 'u4.json')
        Import-PimDirectoryObject -Path (Join-Path $TestDrive 'u4.json') | Out-Null
        $file = Join-Path $TestDrive "null-scope-$([guid]::NewGuid().ToString('N')).json"
        @'
{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#roleManagement/directory/roleEligibilitySchedules",
 "value": [{"principalId": "10a08e2e-3ea2-4ce0-80cb-d5fdd4b05ea6", "roleDefinitionId": "5d6b6bb7-de71-4623-b4af-96380a352509", "directoryScopeId": null,
            "memberType": "Direct", "status": "Provisioned",
            "scheduleInfo": {"startDateTime": "2026-01-01T00:00:00Z", "expiration": {"type": "noExpiration"}}}]}
'@ | Set-Content $file
        $before = Get-StoreFingerprint
        $e = Get-Refusal { Import-PimAssignment -Path $file -Confirm:$false -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'PimScopeInvalid,PimModule.Cmdlets.ImportPimAssignmentCommand'
        Get-StoreFingerprint | Should -Be $before
    }
}

Describe 'Third hostile pass, finding 10: -Role binds a role object from the pipeline; input that did not bind writes nothing' -Tag Hostile {
    It 'New-PimAccessReview, Test-PimAccess and Export-PimAssignment take Get-PimRole''s object' {
        $null = Connect-TestStore -Principal admin@contoso.com
        New-PimEligibleAssignment -Principal user1@contoso.com -Role 'Security Reader' -Duration 30d | Out-Null
        New-PimEligibleAssignment -Principal user1@contoso.com -Role 'Global Reader' -Duration 30d | Out-Null
        '{"value": [{"id": "10a08e2e-3ea2-4ce0-80cb-d5fdd4b05ea6", "userPrincipalName": "user1@contoso.com", "displayName": "User One"}]}' | Set-Content (Join-Path $TestDrive 'u1.json')
        Import-PimDirectoryObject -Path (Join-Path $TestDrive 'u1.json') | Out-Null
        $review = Get-PimRole 'Security Reader' | New-PimAccessReview -Reviewer admin@contoso.com -ErrorAction Stop
        $review.Role | Should -Be 'Security Reader'
        Get-PimRole 'Security Reader' | Test-PimAccess -Principal user1@contoso.com -ErrorAction Stop | Should -BeFalse
        $file = Join-Path $TestDrive "sr-$([guid]::NewGuid().ToString('N')).json"
        Get-PimRole 'Security Reader' | Export-PimAssignment -Path $file -ErrorAction Stop
        $doc = Get-Content $file -Raw | ConvertFrom-Json
        @($doc.roleEligibilityScheduleRequests).Count | Should -Be 1
        $doc.roleEligibilityScheduleRequests[0].roleDefinitionId | Should -Be '5d6b6bb7-de71-4623-b4af-96380a352509'
    }

    It 'Export-PimAssignment and Export-PimRoleSetting write no file when the piped input did not bind' {
        $null = Connect-TestStore -Principal admin@contoso.com
        New-PimEligibleAssignment -Principal user1@contoso.com -Role 'Security Reader' -Duration 30d | Out-Null
        $before = Get-StoreFingerprint
        foreach ($cmd in 'Export-PimAssignment', 'Export-PimRoleSetting') {
            $file = Join-Path $TestDrive "nothing-$([guid]::NewGuid().ToString('N')).json"
            [pscustomobject]@{ Nothing = 1 } | & $cmd -Path $file -ErrorVariable errs -ErrorAction SilentlyContinue
            @($errs | ForEach-Object FullyQualifiedErrorId) | Should -Contain "InputObjectNotBound,PimModule.Cmdlets.$($cmd -replace '-', '')Command"
            Test-Path $file | Should -BeFalse -Because "$cmd must not export every role after a binding error"
        }
        Get-StoreFingerprint | Should -Be $before
    }
}

Describe 'Third hostile pass, finding 11: what was silently accepted is refused by name' -Tag Hostile {
    It 'refuses Set-PimRoleSetting -ApprovalStages @() (PimApprovalStagesInvalid), and changes nothing' {
        $null = Connect-TestStore -Principal admin@contoso.com
        $before = Get-StoreFingerprint
        $e = Get-Refusal { Set-PimRoleSetting -Role 'Security Reader' -ApprovalStages @() -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'PimApprovalStagesInvalid,PimModule.Cmdlets.SetPimRoleSettingCommand'
        $e.Exception.Message | Should -Match 'ApprovalStages'
        Get-StoreFingerprint | Should -Be $before
    }

    It 'refuses two notification rows for one event and recipient in Invoke-PimConfiguration, naming both rows' {
        $null = Connect-TestStore -Principal admin@contoso.com
        $file = Join-Path $TestDrive "twice-$([guid]::NewGuid().ToString('N')).json"
        @'
{"Policies": {"Security Reader": {"Notifications": [
  {"Event": "EligibleAssigned", "Recipient": "Admin", "AdditionalRecipients": ["a@contoso.com"]},
  {"Event": "EligibleAssigned", "Recipient": "Admin", "AdditionalRecipients": ["b@contoso.com"]}]}}}
'@ | Set-Content $file
        $before = Get-StoreFingerprint
        $settings = (Get-PimRoleSetting 'Security Reader' | ConvertTo-Json -Depth 6)
        $e = Get-Refusal { Invoke-PimConfiguration -Path $file -Confirm:$false -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'PimConfigurationInvalid,PimModule.Cmdlets.InvokePimConfigurationCommand'
        $e.Exception.Message | Should -Match 'Notifications\[1\].*Notifications\[0\]'
        Get-StoreFingerprint | Should -Be $before
        (Get-PimRoleSetting 'Security Reader' | ConvertTo-Json -Depth 6) | Should -Be $settings
    }

    It 'refuses Set-PimAlertSetting -<Knob> on <Type>, which does not use it (PimAlertSettingInvalid)' -ForEach @(
        @{ Type = 'NoMfaOnRoleActivation'; Knob = 'Threshold'; Value = 3 }
        @{ Type = 'RedundantAssignment'; Knob = 'Percentage'; Value = 50 }
        @{ Type = 'TooManyGlobalAdminsAssignedToTenant'; Knob = 'Window'; Value = '30d' }
    ) {
        $null = Connect-TestStore -Principal admin@contoso.com
        $before = Get-StoreFingerprint
        $stored = Get-PimAlertSetting | ConvertTo-Json
        $p = @{ AlertType = $Type; $Knob = $Value }
        $e = Get-Refusal { Set-PimAlertSetting @p -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'PimAlertSettingInvalid,PimModule.Cmdlets.SetPimAlertSettingCommand'
        $e.Exception.Message | Should -Match "$Type does not use -$Knob"
        Get-StoreFingerprint | Should -Be $before
        Get-PimAlertSetting | ConvertTo-Json | Should -Be $stored
    }

    It 'shows no knob an alert type does not use, also one a store already holds, so a backup restores' {
        $store = Connect-TestStore -Principal admin@contoso.com
        $null = Invoke-Sql -Store $store -Sql "INSERT INTO store_info (key, value) VALUES ('alert.NoMfaOnRoleActivation.threshold', '7')"
        (Get-PimAlertSetting | Where-Object AlertType -eq 'NoMfaOnRoleActivation').Threshold | Should -BeNullOrEmpty
        Get-PimAlertSetting | ForEach-Object {
            $setting = @{ AlertType = $_.AlertType; Enabled = $_.Enabled }
            foreach ($name in 'Threshold', 'Percentage', 'Window') { if ($null -ne $_.$name) { $setting[$name] = $_.$name } }
            Set-PimAlertSetting @setting -ErrorAction Stop
        }
    }

    It 'refuses a CSV row whose Role and RoleId name different roles (PimInputColumnsConflict), naming the row' {
        $null = Connect-TestStore -Principal admin@contoso.com
        $ga = (Get-PimRole 'Global Administrator').Id
        $csv = Join-Path $TestDrive "conflict-$([guid]::NewGuid().ToString('N')).csv"
        @(
            [pscustomobject]@{ Principal = 'user1@contoso.com'; Role = 'Security Reader'; RoleId = '5d6b6bb7-de71-4623-b4af-96380a352509'; Duration = '30d' }
            [pscustomobject]@{ Principal = 'user2@contoso.com'; Role = 'Security Reader'; RoleId = $ga; Duration = '30d' }
        ) | Export-Csv $csv
        $before = Get-StoreFingerprint
        $out = Import-Csv $csv | New-PimEligibleAssignment -WhatIf:$false -ErrorVariable errs -ErrorAction SilentlyContinue
        @($out).Count | Should -Be 1
        $out.Principal | Should -Be 'user1@contoso.com'
        @($errs).Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'PimInputColumnsConflict,PimModule.Cmdlets.NewPimEligibleAssignmentCommand'
        $errs[0].Exception.Message | Should -Match 'Row 2.*Global Administrator'
        @(Get-PimAssignment -Principal user2@contoso.com).Count | Should -Be 0
        # the same row for Set-PimRoleSetting: an edited Role beside its RoleId
        $rs = Join-Path $TestDrive "rs-$([guid]::NewGuid().ToString('N')).csv"
        Get-PimRoleSetting 'Security Reader' | Select-Object Role, RoleId, RequireTicket | ForEach-Object { $_.Role = 'Global Administrator'; $_.RequireTicket = $true; $_ } | Export-Csv $rs
        $before = Get-StoreFingerprint
        $e = Get-Refusal { Import-Csv $rs | Set-PimRoleSetting -Confirm:$false -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'PimInputColumnsConflict,PimModule.Cmdlets.SetPimRoleSettingCommand'
        Get-StoreFingerprint | Should -Be $before
        (Get-PimRoleSetting 'Global Administrator').RequireTicket | Should -BeFalse
        # and for New-PimAccessReview: a Get-PimAccessReview row whose Role was edited beside its RoleId
        $rv = Join-Path $TestDrive "rv-$([guid]::NewGuid().ToString('N')).csv"
        New-PimAccessReview -Role 'Security Reader' -Reviewer admin@contoso.com -Duration 7d | Select-Object Role, RoleId, Reviewers |
            ForEach-Object { $_.Role = 'Global Administrator'; $_ } | Export-Csv $rv
        $before = Get-StoreFingerprint
        $e = Get-Refusal { Import-Csv $rv | New-PimAccessReview -Confirm:$false -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'PimInputColumnsConflict,PimModule.Cmdlets.NewPimAccessReviewCommand'
        Get-StoreFingerprint | Should -Be $before
    }
}

Describe 'Third hostile pass, finding 12: reviewers through CSV, a reviewed role, a name that is not a wildcard' -Tag Hostile {
    It 'writes an access review''s Reviewers as one CSV column that New-PimAccessReview reads back' {
        $null = Connect-TestStore -Principal admin@contoso.com
        $r = New-PimAccessReview -Role 'Security Reader' -Reviewer admin@contoso.com, user9@contoso.com -Duration 7d
        $csv = Join-Path $TestDrive "reviews-$([guid]::NewGuid().ToString('N')).csv"
        $r | Export-Csv $csv
        $row = Import-Csv $csv
        $row.Reviewers | Should -Be 'admin@contoso.com;user9@contoso.com'
        $again = Import-Csv $csv | New-PimAccessReview -ErrorAction Stop
        @($again.Reviewers) | Should -Be @('admin@contoso.com', 'user9@contoso.com')
        $again.SelfReview | Should -BeFalse
    }

    It 'refuses to remove a custom role with an open access review (PimRoleInUse), naming the review' {
        $null = Connect-TestStore -Principal admin@contoso.com
        New-PimRole -Name 'Reviewed Custom Role' | Out-Null
        $review = New-PimAccessReview -Role 'Reviewed Custom Role' -Reviewer admin@contoso.com -Duration 7d
        $before = Get-StoreFingerprint
        $e = Get-Refusal { Remove-PimRole -Role 'Reviewed Custom Role' -Confirm:$false -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'PimRoleInUse,PimModule.Cmdlets.RemovePimRoleCommand'
        $e.Exception.Message | Should -Match $review.ReviewId
        $e.ErrorDetails.RecommendedAction | Should -Match 'Complete-PimAccessReview'
        Get-StoreFingerprint | Should -Be $before
        Get-PimRole 'Reviewed Custom Role' | Should -Not -BeNullOrEmpty
        Complete-PimAccessReview -ReviewId $review.ReviewId -Confirm:$false | Out-Null
        Remove-PimRole -Role 'Reviewed Custom Role' -Confirm:$false
        Get-PimRole 'Reviewed Custom Role' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'takes a name that is not a valid wildcard literally in Get-PimDirectoryObject, as role names are (no raw exception)' {
        $null = Connect-TestStore -Principal admin@contoso.com
        '{"value": [{"id": "10a08e2e-3ea2-4ce0-80cb-d5fdd4b05ea6", "userPrincipalName": "user1@contoso.com", "displayName": "Team [EMEA"}]}' | Set-Content (Join-Path $TestDrive 'w.json')
        Import-PimDirectoryObject -Path (Join-Path $TestDrive 'w.json') | Out-Null
        $out = Get-PimDirectoryObject '[' -ErrorVariable errs -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        @($errs).Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'PimDirectoryObjectNotFound,PimModule.Cmdlets.GetPimDirectoryObjectCommand'
        (Get-PimDirectoryObject 'Team [EMEA').UserPrincipalName | Should -Be 'user1@contoso.com'
        (Get-PimDirectoryObject 'user1*').UserPrincipalName | Should -Be 'user1@contoso.com'
    }
}

Describe 'Third hostile pass, finding 1: several windows of one person raise no false rollback alarm' -Tag Hostile {
    BeforeAll {
        function Get-VerifiedConnect([object] $Store) { $Store.ConnectArguments -replace '-IdentityMode Lab', '-IdentityMode Verified' }

        function New-OnePersonStore {
            <# A Verified store made by admin@contoso.com in their own home (XDG_DATA_HOME): the person whose windows write. #>
            $store = New-TestStore
            $home1 = Join-Path $TestDrive ("one-person-{0}" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
            $null = New-Item -ItemType Directory -Path $home1 -Force
            $out = Invoke-FreshPwsh -Environment @{ XDG_DATA_HOME = $home1 } -Script @"
Import-Module '$ModulePath'
Connect-PimStore $(Get-VerifiedConnect $store) -Principal admin@contoso.com
(Get-PimStore).IdentityMode
"@
            $out | Should -Contain 'Verified'
            $store | Add-Member -NotePropertyName Home -NotePropertyValue $home1 -PassThru
        }

        function Start-Window {
            <#
            One pwsh window of admin@contoso.com (the store's person, their home): -Rounds times it connects and writes
            -Writes custom roles, reading between writes. Prints OK per write and ERR:<id> per error.
            #>
            param([object] $Store, [string] $Name, [int] $Rounds = 1, [int] $Writes = 10)
            $script = Join-Path $TestDrive "window-$Name-$([guid]::NewGuid().ToString('N').Substring(0, 6)).ps1"
            Set-Content -Path $script -Value @"
`$ErrorActionPreference = 'Continue'
Import-Module '$ModulePath'
foreach (`$round in 1..$Rounds) {
    try { Connect-PimStore $(Get-VerifiedConnect $Store) -Principal admin@contoso.com -ErrorAction Stop }
    catch { 'ERR:' + `$_.FullyQualifiedErrorId; continue }
    foreach (`$i in 1..$Writes) {
        try { New-PimRole -Name "Window $Name round `$round write `$i" -Description 'one person, two windows' -ErrorAction Stop | Out-Null; 'OK' }
        catch { 'ERR:' + `$_.FullyQualifiedErrorId + ' ' + `$_.Exception.Message }
        # Reads between the writes (each verifies what the other window wrote since).
        try { `$null = Get-PimAssignment -ErrorAction Stop; `$null = Test-PimAccess -Principal admin@contoso.com -Role 'Privileged Role Administrator' -ErrorAction Stop; `$null = Get-PimRequest -ErrorAction Stop }
        catch { 'ERR:' + `$_.FullyQualifiedErrorId + ' ' + `$_.Exception.Message }
    }
    Disconnect-PimStore
}
"@
            $saved = $env:XDG_DATA_HOME
            $env:XDG_DATA_HOME = $Store.Home
            try {
                $process = Start-Process -FilePath ([Environment]::ProcessPath) -PassThru -RedirectStandardOutput "$script.out" -RedirectStandardError "$script.err" `
                    -ArgumentList @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', $script)
            }
            finally { $env:XDG_DATA_HOME = $saved }
            [pscustomobject]@{ Process = $process; Output = "$script.out" }
        }

        function Wait-Window([object[]] $Windows) {
            <# Waits for every window; returns the lines they printed. #>
            foreach ($w in $Windows) { if (-not $w.Process.WaitForExit(300000)) { $w.Process.Kill(); throw 'A window did not finish in 5 minutes.' } }
            foreach ($w in $Windows) { @(Get-Content -LiteralPath $w.Output) }
        }
    }

    AfterEach { Remove-Item Env:XDG_DATA_HOME -ErrorAction SilentlyContinue }

    It 'lets two windows of the same person write at once on a Verified store, every write landing, with no PimStoreRolledBack' {
        $store = New-OnePersonStore
        # No checkpoint yet: both windows make it at once.
        Remove-Item -LiteralPath (Join-Path $store.Home 'PimModule/verified') -Recurse -Force
        $lines = Wait-Window @((Start-Window $store 'A' -Rounds 4 -Writes 10), (Start-Window $store 'B' -Rounds 4 -Writes 10))
        @($lines | Where-Object { $_ -like 'ERR:*' }) | Should -BeNullOrEmpty
        @($lines | Where-Object { $_ -eq 'OK' }).Count | Should -Be 80
        # Every write landed, and the log verifies; a third session of the same person connects without an alarm.
        $env:XDG_DATA_HOME = $store.Home
        $at = if ($store.Provider -eq 'PostgreSql') { @{ ConnectionString = $store.ConnectionString; Provider = 'PostgreSql' } } else { @{ Path = $store.Path } }
        Connect-PimStore @at -Principal admin@contoso.com -IdentityMode Verified
        @(Get-PimRole -Name 'Window *').Count | Should -Be 80
        (Test-PimAuditLog).IsValid | Should -BeTrue
    }

    It 'still refuses a real rollback to each of that person''s windows after they wrote at once' {
        $store = New-OnePersonStore
        $lines = Wait-Window @((Start-Window $store 'A' -Rounds 1 -Writes 10), (Start-Window $store 'B' -Rounds 1 -Writes 10))
        @($lines | Where-Object { $_ -like 'ERR:*' }) | Should -BeNullOrEmpty
        @($lines | Where-Object { $_ -eq 'OK' }).Count | Should -Be 20
        # The tail both windows verified is cut off, at the end of a sealed transaction.
        $cut = [long](Invoke-Sql -Store $store -Sql 'SELECT MAX(to_sequence) FROM seals WHERE to_sequence <= (SELECT MAX(sequence) FROM audit_log) - 4')
        $cutHash = (Invoke-Sql -Store $store -Sql "SELECT hash FROM audit_log WHERE sequence = $cut") -join ''
        Invoke-Sql -Store $store -Sql "DELETE FROM audit_log WHERE sequence > $cut; DELETE FROM seals WHERE to_sequence > $cut; UPDATE store_info SET value = '$cut' WHERE key = 'audit_head_sequence'; UPDATE store_info SET value = '$cutHash' WHERE key = 'audit_head_hash'" | Out-Null
        $before = Get-RawFingerprint $store
        $lines = Wait-Window @((Start-Window $store 'C' -Rounds 1 -Writes 1), (Start-Window $store 'D' -Rounds 1 -Writes 1))
        $lines | Should -Be @('ERR:PimStoreRolledBack,PimModule.Cmdlets.ConnectPimStoreCommand', 'ERR:PimStoreRolledBack,PimModule.Cmdlets.ConnectPimStoreCommand')
        Get-RawFingerprint $store | Should -Be $before
    }
}

Describe 'Third hostile pass, finding 6: a store removed while open is never silently made again' -Tag Hostile {
    BeforeEach {
        $env:XDG_DATA_HOME = Join-Path $TestDrive ("removed-{0}" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path $env:XDG_DATA_HOME -Force
    }
    AfterEach { Remove-Item Env:XDG_DATA_HOME -ErrorAction SilentlyContinue }

    It 'refuses to reconnect to a Verified store this user pinned once its files are removed, and makes nothing there' {
        if ($OnPostgres) { Set-ItResult -Skipped -Because 'about SQLite files (a dropped PostgreSQL store: "does not make a new store where a trust anchor or a pin expects one")' }
        $path = New-TestStorePath -Name removed
        Connect-PimStore -Path $path -Principal admin@contoso.com -IdentityMode Verified -WarningAction SilentlyContinue
        New-PimRole -Name 'Before the removal' | Out-Null
        Remove-Item -Path "$path*" -Force   # the store's files, while this session has it open
        $e = Get-Refusal { Connect-PimStore -Path $path -Principal admin@contoso.com }
        $e.FullyQualifiedErrorId | Should -Be 'PimStoreRolledBack,PimModule.Cmdlets.ConnectPimStoreCommand'
        $e.TargetObject | Should -Be $path
        $e.ErrorDetails.RecommendedAction | Should -Match 'known-stores'
        @(Get-ChildItem -Path "$path*" -Force) | Should -BeNullOrEmpty -Because 'nothing is made where the store was'
        { Get-PimRole -Name 'Before the removal' } | Should -Throw -ErrorId 'PimNotConnected,PimModule.Cmdlets.GetPimRoleCommand'
    }

    It 'makes a working store in one step where a Lab store it had open was removed' {
        if ($OnPostgres) { Set-ItResult -Skipped -Because 'about SQLite files' }
        $path = New-TestStorePath -Name removed-lab
        Connect-PimStore -Path $path -Principal admin@contoso.com -IdentityMode Lab -WarningAction SilentlyContinue
        New-PimRole -Name 'Before the removal' | Out-Null
        Remove-Item -Path "$path*" -Force
        Connect-PimStore -Path $path -Principal admin@contoso.com -IdentityMode Lab -WarningAction SilentlyContinue
        (Get-PimStore).RoleCount | Should -BeGreaterThan 60
        (Get-Item -LiteralPath $path).Length | Should -BeGreaterThan 0
        @(Get-PimRole -Name 'Before the removal' -ErrorAction SilentlyContinue) | Should -BeNullOrEmpty
        New-PimRole -Name 'After the removal' | Out-Null
        (Test-PimAuditLog).IsValid | Should -BeTrue
    }
}

Describe 'Third hostile pass, finding 7: a path that is not a file is refused before anything is opened' -Tag Hostile {
    BeforeAll {
        function New-TestDevice {
            <# A character device of our own (the null device's numbers) under $TestDrive: what /dev/null is, and nothing shared if a write replaced it. #>
            $device = Join-Path $TestDrive ("device-{0}" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
            & mknod -m 666 $device c 1 3
            if ($LASTEXITCODE -ne 0) { throw "mknod failed for $device" }
            $device
        }
        function Test-Device([string] $Path) { ((& stat -c '%F' $Path) -join '') -eq 'character special file' }
    }

    BeforeEach {
        if ($IsWindows -or [Environment]::UserName -ne 'root') { Set-ItResult -Skipped -Because 'a device is made with mknod, as root (the tests run as root in CI)'; return }
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        $script:Fingerprint = Get-StoreFingerprint
        $script:Device = New-TestDevice
        $script:Folder = Join-Path $TestDrive ("folder-{0}" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path $script:Folder
    }

    It 'refuses <Cmdlet> to a device and to a folder, even with -Force, and leaves both as they were' -ForEach @(
        @{ Cmdlet = 'Export-PimAuditLog'; Write = { param($p) Export-PimAuditLog -Path $p -Force } }
        @{ Cmdlet = 'Export-PimReport'; Write = { param($p) Export-PimReport -Path $p -Force } }
        @{ Cmdlet = 'Export-PimRoleSetting'; Write = { param($p) Export-PimRoleSetting -Role 'Security Reader' -Path $p } }
        @{ Cmdlet = 'Export-PimAssignment'; Write = { param($p) Export-PimAssignment -Path $p -WarningAction SilentlyContinue -ErrorAction SilentlyContinue } }
        @{ Cmdlet = 'Export-PimCredential'; Write = { param($p)
            $k = New-PimCredential -Principal user8@contoso.com -Path (Join-Path $TestDrive "k-$([guid]::NewGuid()).pem")
            Export-PimCredential -Principal user8@contoso.com -CredentialPath $k.Path -Path $p -Force } }
    ) {
        foreach ($target in $script:Device, $script:Folder) {
            $e = Get-Refusal { & $Write $target }
            $e.FullyQualifiedErrorId | Should -Be "PimFilePathInvalid,PimModule.Cmdlets.$($Cmdlet -replace '-', '')Command"
            $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $e.TargetObject | Should -Be $target
        }
        Test-Device $script:Device | Should -BeTrue -Because 'a device is never replaced by an export'
        @(Get-ChildItem -LiteralPath $script:Folder -Force) | Should -BeNullOrEmpty
        @(Get-ChildItem -Path $TestDrive -Filter '.*.tmp' -Force) | Should -BeNullOrEmpty
        Get-StoreFingerprint | Should -Be $script:Fingerprint
    }

    It 'refuses Copy-PimStore and Connect-PimStore to a device or a folder before SQLite opens it (no -journal beside it)' {
        if ($OnPostgres) { Set-ItResult -Skipped -Because 'about SQLite files'; return }
        foreach ($target in $script:Device, $script:Folder) {
            (Get-Refusal { Copy-PimStore -DestinationPath $target -Confirm:$false }).FullyQualifiedErrorId | Should -Be 'PimFilePathInvalid,PimModule.Cmdlets.CopyPimStoreCommand'
            @(Get-ChildItem -Path "$target-*" -Force) | Should -BeNullOrEmpty -Because 'SQLite made nothing beside it'
        }
        Get-StoreFingerprint | Should -Be $script:Fingerprint
        foreach ($target in $script:Device, $script:Folder) {
            $e = Get-Refusal { Connect-PimStore -Path $target -IdentityMode Lab }
            $e.FullyQualifiedErrorId | Should -Be 'PimFilePathInvalid,PimModule.Cmdlets.ConnectPimStoreCommand'
            $e.TargetObject | Should -Be $target
            @(Get-ChildItem -Path "$target-*" -Force) | Should -BeNullOrEmpty
        }
        Test-Device $script:Device | Should -BeTrue
    }

    It 'refuses New-PimCredential -Path at a folder, a device or under a file by name, and makes a missing folder 0700' {
        $file = Join-Path $TestDrive "a-file-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
        Set-Content -LiteralPath $file -Value 'not a folder'
        foreach ($case in @(@{ Path = $script:Folder; Id = 'PimFilePathInvalid' }, @{ Path = $script:Device; Id = 'PimFilePathInvalid' }, @{ Path = (Join-Path $file 'k.pem'); Id = 'PimFileNotWritable' })) {
            $e = Get-Refusal { New-PimCredential -Principal user9@contoso.com -Path $case.Path }
            $e.FullyQualifiedErrorId | Should -Be "$($case.Id),PimModule.Cmdlets.NewPimCredentialCommand"
            $e.Exception | Should -BeOfType ([PimModule.PimException])
        }
        Get-Content -LiteralPath $file | Should -Be 'not a folder'
        Test-Device $script:Device | Should -BeTrue
        $top = Join-Path $TestDrive "keys-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
        $key = New-PimCredential -Principal user9@contoso.com -Path (Join-Path $top 'deeper/user9.pem')
        $key.Path | Should -Exist
        [IO.File]::GetUnixFileMode($top) | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite, UserExecute')
        [IO.File]::GetUnixFileMode((Join-Path $top 'deeper')) | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite, UserExecute')
        Get-StoreFingerprint | Should -Be $script:Fingerprint
    }
}

Describe 'Third hostile pass, finding 8: one tenant policy id is one role''s' -Tag Hostile {
    BeforeAll {
        $script:GraphData = Join-Path $PSScriptRoot '../data/graph' | Resolve-Path | ForEach-Object Path
        $script:SR = '5d6b6bb7-de71-4623-b4af-96380a352509'
        $script:GAId = '62e90394-69f5-4237-9190-012177145e10'
        $script:GATenant = 'DirectoryRole_cab01047-8ad9-4792-8e42-569340767f1b_70c808b5-0d35-4863-a0ba-07888e99d448'

        function Save-PolicyFor {
            <# Graph's expanded policy example, its policy id made -PolicyId and its policy assignment given to -RoleId (Global Administrator). #>
            param([Parameter(Mandatory)] [string] $PolicyId, [string] $RoleId = $GAId)
            $doc = Get-Content -Raw (Join-Path $GraphData 'rolemanagementpolicyassignments-list-expand-policy-rules.json') | ConvertFrom-Json -AsHashtable -Depth 64
            $a = $doc.value[0]
            $a.policyId = $PolicyId; $a.policy.id = $PolicyId; $a.roleDefinitionId = $RoleId
            $path = Join-Path $TestDrive ("policy-{0}.json" -f [guid]::NewGuid().ToString('N'))
            $doc | ConvertTo-Json -Depth 64 | Set-Content $path
            $path
        }

        function Export-GraphFile([string[]] $Role) {
            <# Export-PimRoleSetting -Format Graph of -Role to a new file; returns its path. #>
            $path = Join-Path $TestDrive ("export-{0}.json" -f [guid]::NewGuid().ToString('N'))
            Export-PimRoleSetting -Role $Role -Format Graph -Path $path -WarningAction SilentlyContinue
            $path
        }

        function Assert-BothExportAndSecurityReaderImports {
            <# What the finding broke: a Graph export of both roles, and Security Reader's own file imported again. #>
            $both = Get-Content -Raw (Export-GraphFile 'Global Administrator', 'Security Reader') | ConvertFrom-Json
            @($both.roleManagementPolicies.id | Sort-Object -Unique).Count | Should -Be 2
            Import-PimRoleSetting -Path (Export-GraphFile 'Security Reader')
            ((Get-Content -Raw (Export-GraphFile 'Security Reader') | ConvertFrom-Json).roleManagementPolicies[0].id) | Should -Be "PimModule_$SR"
        }
    }

    BeforeEach { $null = Connect-TestStore -Principal 'admin@contoso.com' }

    It 'refuses to give Global Administrator <Case>: PimGraphPolicyConflict naming the id and its holder, store unchanged' -ForEach @(
        @{ Case = 'Security Reader''s placeholder id'; Id = 'PimModule_5d6b6bb7-de71-4623-b4af-96380a352509'; Holder = 'Security Reader' }
        @{ Case = 'that placeholder in other letters'; Id = 'PIMMODULE_5D6B6BB7-DE71-4623-B4AF-96380A352509'; Holder = 'Security Reader' }
        @{ Case = 'that placeholder without hyphens'; Id = 'PimModule_5d6b6bb7de714623b4af96380a352509'; Holder = 'Security Reader' }
        @{ Case = 'the placeholder of a role not in this store'; Id = 'PimModule_0c2d58b4-4a0e-4a43-9d3a-6b4b0b3e6f11'; Holder = '0c2d58b4-4a0e-4a43-9d3a-6b4b0b3e6f11' }
        @{ Case = 'the tenant id Security Reader keeps'; Id = 'tenant-sr-policy'; Holder = 'Security Reader'; Keep = $true }
        @{ Case = 'that tenant id in other letters'; Id = 'TENANT-SR-POLICY'; Holder = 'Security Reader'; Keep = $true }
    ) {
        if ($Keep) { Import-PimRoleSetting -Path (Save-PolicyFor 'tenant-sr-policy' $SR) }
        $fp = Get-StoreFingerprint
        $e = Get-Refusal { Import-PimRoleSetting -Path (Save-PolicyFor $Id) -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'PimGraphPolicyConflict,PimModule.Cmdlets.ImportPimRoleSettingCommand'
        $e.CategoryInfo.Category | Should -Be 'ResourceExists'
        $e.TargetObject | Should -Be $Id
        $e.Exception.Message | Should -Match ([regex]::Escape($Id))
        $e.Exception.Message | Should -Match ([regex]::Escape($Holder))
        Get-StoreFingerprint | Should -Be $fp
        if (-not $Keep) { Assert-BothExportAndSecurityReaderImports }
    }

    It 'refuses one file that gives two roles one policy id in two letter cases' {
        $doc = Get-Content -Raw (Save-PolicyFor 'tenant-p1') | ConvertFrom-Json -AsHashtable -Depth 64
        $other = $doc.value[0] | ConvertTo-Json -Depth 64 | ConvertFrom-Json -AsHashtable -Depth 64
        $other.policyId = 'TENANT-P1'; $other.policy.id = 'TENANT-P1'; $other.roleDefinitionId = $SR
        $doc.value = @($doc.value[0], $other)
        $path = Join-Path $TestDrive 'two-cases.json'
        $doc | ConvertTo-Json -Depth 64 | Set-Content $path
        $fp = Get-StoreFingerprint
        $e = Get-Refusal { Import-PimRoleSetting -Path $path -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'PimSettingFileInvalid,PimModule.Cmdlets.ImportPimRoleSettingCommand'
        $e.Exception.Message | Should -Match 'two roles'
        Get-StoreFingerprint | Should -Be $fp
    }

    It 'clears the tenant policy id a role keeps with Reset-PimRoleSetting' {
        Import-PimRoleSetting -Path (Join-Path $GraphData 'rolemanagementpolicyassignments-list-expand-policy-rules.json')
        (Get-Content -Raw (Export-GraphFile 'Global Administrator') | ConvertFrom-Json).roleManagementPolicies[0].id | Should -Be $GATenant
        Reset-PimRoleSetting -Role 'Global Administrator' -Confirm:$false
        (Get-Content -Raw (Export-GraphFile 'Global Administrator') | ConvertFrom-Json).roleManagementPolicies[0].id | Should -Be "PimModule_$GAId"
        # Free again: the tenant's policy imports onto its role as before.
        Import-PimRoleSetting -Path (Join-Path $GraphData 'rolemanagementpolicyassignments-list-expand-policy-rules.json')
        (Get-Content -Raw (Export-GraphFile 'Global Administrator') | ConvertFrom-Json).roleManagementPolicies[0].id | Should -Be $GATenant
    }

    It 'mends with Reset-PimRoleSetting a store where one role took another''s placeholder around the module' {
        # What the finding's import left (Global Administrator keeping Security Reader's placeholder), made around the
        # module: Security Reader's kept placeholder moved onto Global Administrator.
        Import-PimRoleSetting -Path (Export-GraphFile 'Security Reader')
        Invoke-Sql -Store $global:PimTestStore -Sql "UPDATE policy_rules SET role_id = '$GAId' WHERE rule_id = 'GraphIdentity_PimModule'" | Out-Null
        $e = Get-Refusal { Export-PimRoleSetting -Role 'Global Administrator', 'Security Reader' -Format Graph -Path (Join-Path $TestDrive 'x.json') -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'PimStoreTampered,PimModule.Cmdlets.ExportPimRoleSettingCommand'
        $e.ErrorDetails.RecommendedAction | Should -Match 'Reset-PimRoleSetting'
        $fp = Get-StoreFingerprint
        $e = Get-Refusal { Import-PimRoleSetting -Path (Save-PolicyFor "PimModule_$SR" $SR) -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'PimGraphPolicyConflict,PimModule.Cmdlets.ImportPimRoleSettingCommand'
        $e.Exception.Message | Should -Match 'Global Administrator'
        Get-StoreFingerprint | Should -Be $fp
        Reset-PimRoleSetting -Role 'Global Administrator' -Confirm:$false
        Assert-BothExportAndSecurityReaderImports
    }
}

Describe 'Third hostile pass, finding 9: a Graph member of the wrong kind is refused, never skipped' -Tag Hostile, ProviderNeutral {
    BeforeAll {
        $script:GraphData = Join-Path $PSScriptRoot '../data/graph' | Resolve-Path | ForEach-Object Path
        $script:Restricted = '071cc716-8147-4397-a5ba-b2105951cc0b'

        function New-EligibleResponse {
            <# A roleEligibilitySchedules response of one time-bound direct assignment (ends in 30 days), as Graph returns it. #>
            $start = [datetime]::UtcNow.AddMinutes(-5).ToString('yyyy-MM-ddTHH:mm:ssZ')
            $end = [datetime]::UtcNow.AddDays(30).ToString('yyyy-MM-ddTHH:mm:ssZ')
            [ordered]@{
                '@odata.context' = 'https://graph.microsoft.com/v1.0/$metadata#roleManagement/directory/roleEligibilitySchedules'
                value = @([ordered]@{
                        id = '77f71919-62f3-4d0c-9f88-0a0391b665cd'; principalId = $Restricted; roleDefinitionId = '8424c6f0-a189-499e-bbd0-26c1753c96d4'
                        directoryScopeId = '/'; appScopeId = $null; status = 'Provisioned'; memberType = 'Direct'; justification = 'from the tenant'
                        ticketInfo = [ordered]@{ ticketNumber = 'INC-1'; ticketSystem = 'ServiceNow' }
                        scheduleInfo = [ordered]@{ startDateTime = $start; recurrence = $null; expiration = [ordered]@{ type = 'afterDateTime'; endDateTime = $end; duration = $null } }
                    })
            }
        }

        function Save-Doc($Doc) {
            $path = Join-Path $TestDrive ("doc-{0}.json" -f [guid]::NewGuid().ToString('N'))
            $Doc | ConvertTo-Json -Depth 64 | Set-Content $path
            $path
        }
    }

    BeforeEach {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        '{"value": [{"id": "071cc716-8147-4397-a5ba-b2105951cc0b", "userPrincipalName": "restricted@contoso.com"}]}' | Set-Content (Join-Path $TestDrive 'users.json')
        Import-PimDirectoryObject -Path (Join-Path $TestDrive 'users.json')
    }

    It 'imports the well-formed item as the tenant has it: time-bound, with its ticket' {
        $a = Import-PimAssignment -Path (Save-Doc (New-EligibleResponse))
        $a.Principal | Should -Be 'restricted@contoso.com'
        $a.EndDateTime | Should -Not -BeNullOrEmpty
        $a.TicketNumber | Should -Be 'INC-1'
    }

    It 'refuses <Member> given as <Kind> (Import-PimAssignment): PimSettingFileInvalid naming it and the item, nothing written' -ForEach @(
        @{ Member = 'scheduleInfo'; Kind = 'text'; Change = { param($d) $d.value[0].scheduleInfo = '2030-01-01T00:00:00Z' } }
        @{ Member = 'scheduleInfo'; Kind = 'a list'; Change = { param($d) $d.value[0].scheduleInfo = @($d.value[0].scheduleInfo, 1) } }
        @{ Member = 'scheduleInfo'; Kind = 'a number'; Change = { param($d) $d.value[0].scheduleInfo = 30 } }
        @{ Member = 'expiration'; Kind = 'text'; Change = { param($d) $d.value[0].scheduleInfo.expiration = 'afterDateTime' } }
        @{ Member = 'expiration'; Kind = 'a list'; Change = { param($d) $d.value[0].scheduleInfo.expiration = @($d.value[0].scheduleInfo.expiration, 1) } }
        @{ Member = 'recurrence'; Kind = 'a list'; Change = { param($d) $d.value[0].scheduleInfo.recurrence = @(@{ pattern = @{ type = 'weekly' } }, 1) } }
        @{ Member = 'recurrence'; Kind = 'text'; Change = { param($d) $d.value[0].scheduleInfo.recurrence = 'weekly' } }
        @{ Member = 'ticketInfo'; Kind = 'text'; Change = { param($d) $d.value[0].ticketInfo = 'INC-1' } }
        @{ Member = 'ticketInfo'; Kind = 'a list'; Change = { param($d) $d.value[0].ticketInfo = @('INC-1', 'ServiceNow') } }
        @{ Member = 'startDateTime'; Kind = 'an object'; Change = { param($d) $d.value[0].scheduleInfo.startDateTime = @{ at = 'now' } } }
        @{ Member = 'endDateTime'; Kind = 'a number'; Change = { param($d) $d.value[0].scheduleInfo.expiration.endDateTime = 20300101 } }
        @{ Member = 'type'; Kind = 'an object'; Change = { param($d) $d.value[0].scheduleInfo.expiration.type = @{ name = 'afterDateTime' } } }
        @{ Member = 'duration'; Kind = 'a number'; Change = { param($d) $e = $d.value[0].scheduleInfo.expiration; $e.type = 'afterDuration'; $e.endDateTime = $null; $e.duration = 5 } }
        @{ Member = 'ticketNumber'; Kind = 'a number'; Change = { param($d) $d.value[0].ticketInfo.ticketNumber = 1 } }
        @{ Member = 'principalId'; Kind = 'a number'; Change = { param($d) $d.value[0].principalId = 7 } }
        @{ Member = 'directoryScopeId'; Kind = 'a list'; Change = { param($d) $d.value[0].directoryScopeId = @('/', '/x') } }
        @{ Member = 'justification'; Kind = 'an object'; Change = { param($d) $d.value[0].justification = @{ text = 'x' } } }
        @{ Member = 'memberType'; Kind = 'a list'; Change = { param($d) $d.value[0].memberType = @('Direct') } }
        @{ Member = 'status'; Kind = 'a boolean'; Change = { param($d) $d.value[0].status = $true } }
        @{ Member = 'appScopeId'; Kind = 'an object'; Change = { param($d) $d.value[0].appScopeId = @{ id = '/' } } }
        @{ Member = 'value'; Kind = 'an object'; Item = 'doc-'; Change = { param($d) $d.value = $d.value[0] } }
        @{ Member = 'item 1'; Kind = 'text'; Item = 'item 1 of'; Change = { param($d) $d.value = @('77f71919-62f3-4d0c-9f88-0a0391b665cd') } }
        @{ Member = 'roleEligibilityScheduleRequests'; Kind = 'an object'; Item = 'doc-'; Change = { param($d) $d.Remove('value'); $d.roleEligibilityScheduleRequests = @{ principalId = $Restricted } } }
    ) {
        $doc = New-EligibleResponse
        & $Change $doc
        $fp = Get-StoreFingerprint
        $e = Get-Refusal { Import-PimAssignment -Path (Save-Doc $doc) -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'PimSettingFileInvalid,PimModule.Cmdlets.ImportPimAssignmentCommand'
        $e.Exception.Message | Should -Match ([regex]::Escape($Member))
        $e.Exception.Message | Should -Match ([regex]::Escape($Kind))
        $e.Exception.Message | Should -Match ([regex]::Escape($(if ($Item) { $Item } else { 'item 1 of' })))
        Get-StoreFingerprint | Should -Be $fp
        Get-PimAssignment -Principal 'restricted@contoso.com' -State All | Should -BeNullOrEmpty
    }

    It 'refuses <Member> given as <Kind> (Import-PimRoleSetting): PimSettingFileInvalid naming it and where, nothing written' -ForEach @(
        @{ Member = 'value'; Kind = 'an object'; Change = { param($d) $d.value = $d.value[0] } }
        @{ Member = 'value[0]'; Kind = 'text'; Change = { param($d) $d.value = @('DirectoryRole_x') } }
        @{ Member = 'policy'; Kind = 'text'; Change = { param($d) $d.value[0].policy = 'DirectoryRole_x' } }
        @{ Member = 'rules'; Kind = 'text'; Change = { param($d) $d.value[0].policy.rules = 'Expiration_Admin_Eligibility' } }
        @{ Member = 'rule'; Kind = 'text'; Change = { param($d) $d.value[0].policy.rules[0] = 'Expiration_Admin_Eligibility' } }
        @{ Member = 'enforcedSettings'; Kind = 'text'; Change = { param($d) $d.value[0].policy.rules[0].target.enforcedSettings = 'x' } }
        @{ Member = 'targetObjects'; Kind = 'an object'; Change = { param($d) $d.value[0].policy.rules[0].target.targetObjects = @{ id = 'x' } } }
        @{ Member = 'scopeId'; Kind = 'a list'; Change = { param($d) $d.value[0].scopeId = @('/administrativeUnits/x') } }
        @{ Member = 'scopeType'; Kind = 'a number'; Change = { param($d) $d.value[0].scopeType = 1 } }
        @{ Member = 'roleDefinitionId'; Kind = 'a number'; Change = { param($d) $d.value[0].roleDefinitionId = 62 } }
        @{ Member = 'scopeId'; Kind = 'an object'; Change = { param($d) $d.value[0].policy.scopeId = @{ id = '/x' } } }
    ) {
        $doc = Get-Content -Raw (Join-Path $GraphData 'rolemanagementpolicyassignments-list-expand-policy-rules.json') | ConvertFrom-Json -AsHashtable -Depth 64
        & $Change $doc
        $fp = Get-StoreFingerprint
        $e = Get-Refusal { Import-PimRoleSetting -Path (Save-Doc $doc) -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'PimSettingFileInvalid,PimModule.Cmdlets.ImportPimRoleSettingCommand'
        $e.Exception.Message | Should -Match ([regex]::Escape($Member))
        $e.Exception.Message | Should -Match ([regex]::Escape($Kind))
        $e.Exception.Message | Should -Match 'doc-'
        Get-StoreFingerprint | Should -Be $fp
        (Get-PimRoleSetting -Role 'Global Administrator').IsDefault | Should -BeTrue
    }
}

# Third hostile pass, finding 2 (issue 28): on PostgreSQL a login with nothing but CONNECT took the module's advisory write
# lock (SELECT pg_advisory_lock(<its key>)) and held every writer back, about 6 minutes a command with the retries. Writes
# and migrations now take LOCK TABLE pim_write_lock IN EXCLUSIVE MODE, which only a login that may change the store can
# take, wait for it at most 10 s (lock_timeout, no retry), and are then refused with PimStoreBusy naming the holder.
Describe 'Third hostile pass, finding 2: on PostgreSQL only a writer can hold writes back, for 10 s, and is named' -Tag Hostile {
    BeforeAll {
        $script:PsqlSessions = [Collections.Generic.List[object]]::new()

        function Start-PsqlSession {
            <#
            Another window: psql as -Username on the store's database runs -Sql and stays in it (a pg_sleep), with the
            application name -Application. Returns the backend's pid once pg_locks shows it holding -LockType (advisory, or
            the relation -Relation); throws with psql's own words when it never does.
            #>
            param([Parameter(Mandatory)] $Store, [Parameter(Mandatory)] [string] $Username, [Parameter(Mandatory)] [string] $Sql,
                [Parameter(Mandatory)] [string] $Application, [string] $Relation)
            $a = Get-PsqlArgument (Get-PgTestConnection -Database $Store.Database -Username $Username)
            $psql = (Get-Command psql -ErrorAction Stop).Source
            $start = [Diagnostics.ProcessStartInfo]::new($psql)
            foreach ($x in $a.Arguments) { $start.ArgumentList.Add($x) }
            $start.ArgumentList.Add('-c'); $start.ArgumentList.Add($Sql)
            $start.Environment['PGAPPNAME'] = $Application
            $start.UseShellExecute = $false; $start.RedirectStandardOutput = $true; $start.RedirectStandardError = $true
            $p = [Diagnostics.Process]::Start($start)
            $session = [pscustomobject]@{ Process = $p; Err = $p.StandardError.ReadToEndAsync(); Out = $p.StandardOutput.ReadToEndAsync(); Store = $Store; Application = $Application }
            $script:PsqlSessions.Add($session)
            $held = if ($Relation) { "l.locktype = 'relation' AND l.relation = to_regclass('$Relation')" } else { "l.locktype = 'advisory'" }
            $deadline = [datetime]::UtcNow.AddSeconds(20)
            do {
                $backend = Invoke-Psql -ConnectionString $Store.AdminConnectionString -Sql ("SELECT a.pid FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid " +
                    "WHERE a.application_name = '$Application' AND l.granted AND $held LIMIT 1") | Where-Object { $_ -match '^\d+$' } | Select-Object -First 1
                if ($backend) { return [int]$backend }
                Start-Sleep -Milliseconds 200
            } while (-not $p.HasExited -and [datetime]::UtcNow -lt $deadline)
            throw "The psql session ($Username) never held its lock: $($session.Err.GetAwaiter().GetResult())"
        }

        function Stop-PsqlSession {
            foreach ($s in @($script:PsqlSessions)) {
                try { $null = Invoke-Psql -ConnectionString $s.Store.AdminConnectionString -Sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '$($s.Application)'" } catch { }
                if (-not $s.Process.WaitForExit(10000)) { $s.Process.Kill() }
            }
            $script:PsqlSessions.Clear()
        }

        function Invoke-PsqlAs([Parameter(Mandatory)] $Store, [Parameter(Mandatory)] [string] $Username, [Parameter(Mandatory)] [string] $Sql) {
            <# psql as -Username on the store's database: its output, or 'ERROR: …' (what the server said) when it is refused. #>
            try { Invoke-Psql -ConnectionString (Get-PgTestConnection -Database $Store.Database -Username $Username) -Sql $Sql }
            catch { "$_" }
        }

        if ($OnPostgres) {
            # A login with nothing but CONNECT (every login has it on a new database): the attacker of the finding.
            $null = Invoke-Psql -ConnectionString $env:PIM_TEST_PG_ADMIN -Sql ("DO `$do`$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pim_test_nobody') " +
                "THEN CREATE ROLE pim_test_nobody LOGIN; END IF; END `$do`$")
        }
        # The advisory lock keys the module used before (writes; migrations).
        $script:OldWriteKey = 0x50494D57; $script:OldMigrationKey = 0x50494D4D
    }
    AfterEach { Stop-PsqlSession }

    It 'lets a write through while a login with nothing but CONNECT holds the old advisory lock keys' {
        if (-not $OnPostgres) { Set-ItResult -Skipped -Because 'PostgreSQL only (a SQLite store is a file: its write lock is SQLite''s own)' }
        $store = Connect-TestStore -Principal 'admin@contoso.com'
        $app = 'pim-nobody-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $backend = Start-PsqlSession -Store $store -Username pim_test_nobody -Application $app `
            -Sql "SELECT pg_advisory_lock($OldWriteKey); SELECT pg_advisory_lock($OldMigrationKey); SELECT pg_sleep(25)"
        $sw = [Diagnostics.Stopwatch]::StartNew()
        (New-PimRole -Name 'Written while nobody holds the old lock').Name | Should -Be 'Written while nobody holds the old lock'
        $sw.Stop()
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 8 -Because 'nothing a login without write privileges holds makes a writer wait'
        # ... and the session still held the old keys while the write went through; it cannot take the new lock either.
        (Invoke-Psql -ConnectionString $store.AdminConnectionString -Sql "SELECT COUNT(*) FROM pg_locks WHERE pid = $backend AND locktype = 'advisory' AND granted") | Should -Be '2'
        (Invoke-PsqlAs $store pim_test_nobody 'BEGIN; LOCK TABLE pim_write_lock IN EXCLUSIVE MODE; COMMIT') | Should -Match 'permission denied for table pim_write_lock'
        (Test-PimAuditLog).IsValid | Should -BeTrue
    }

    It 'does not let a reader login (SELECT only) take the write lock, and never makes reads wait on it' {
        if (-not $OnPostgres) { Set-ItResult -Skipped -Because 'PostgreSQL only (a SQLite store is a file: its write lock is SQLite''s own)' }
        $store = Connect-TestStore -Principal 'admin@contoso.com'
        New-PimRole -Name 'Before the reader' | Out-Null
        $before = Get-StoreFingerprint
        (Invoke-PsqlAs $store pim_test_reader 'SELECT COUNT(*) > 0 FROM audit_log') | Should -Be 't'
        foreach ($take in 'LOCK TABLE pim_write_lock IN EXCLUSIVE MODE', 'LOCK TABLE pim_write_lock IN ROW SHARE MODE',
            'SELECT * FROM pim_write_lock FOR UPDATE', 'SELECT * FROM pim_write_lock FOR KEY SHARE') {
            (Invoke-PsqlAs $store pim_test_reader "BEGIN; $take; COMMIT") | Should -Match 'permission denied for table pim_write_lock' -Because $take
        }
        # A writer holds the lock: the reader, and the module's own reads, go on at once.
        $app = 'pim-holder-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $null = Start-PsqlSession -Store $store -Username pim_test_writer -Application $app -Relation pim_write_lock `
            -Sql 'BEGIN; LOCK TABLE pim_write_lock IN EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT'
        $sw = [Diagnostics.Stopwatch]::StartNew()
        (Invoke-PsqlAs $store pim_test_reader 'SET lock_timeout = 5000; SELECT COUNT(*) > 0 FROM audit_log') | Should -Be 't'
        (Get-PimRole -Name 'Before the reader').Name | Should -Be 'Before the reader'
        Get-StoreFingerprint | Should -Be $before
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 5
    }

    It 'refuses a write after 10 s with PimStoreBusy naming the writer session that holds the lock, and writes nothing' {
        if (-not $OnPostgres) { Set-ItResult -Skipped -Because 'PostgreSQL only (a SQLite store is a file: its write lock is SQLite''s own)' }
        $store = Connect-TestStore -Principal 'admin@contoso.com'
        $before = Get-StoreFingerprint
        $app = 'pim-holder-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $backend = Start-PsqlSession -Store $store -Username pim_test_writer -Application $app -Relation pim_write_lock `
            -Sql 'BEGIN; LOCK TABLE pim_write_lock IN EXCLUSIVE MODE; SELECT pg_sleep(90); COMMIT'
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $e = Get-Refusal { New-PimRole -Name 'Held back' -ErrorAction Stop }
        $sw.Stop()
        $e.FullyQualifiedErrorId | Should -Be 'PimStoreBusy,PimModule.Cmdlets.NewPimRoleCommand'
        $e.CategoryInfo.Category | Should -Be 'ResourceBusy'
        "$($e.TargetObject)" | Should -Be (Get-PimStore).Location
        $sw.Elapsed.TotalSeconds | Should -BeGreaterThan 9 -Because 'a change waits 10 s for the write lock'
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 16 -Because 'and is then refused, with no retry'
        $e.Exception.Message | Should -Match "session $backend, login 'pim_test_writer', application '$app', in a transaction since \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ"
        $e.Exception.Message | Should -Match 'write lock'
        $e.ErrorDetails.RecommendedAction | Should -Match 'pg_terminate_backend'
        Get-StoreFingerprint | Should -Be $before
        @(Get-PimRole -Name 'Held back' -ErrorAction SilentlyContinue).Count | Should -Be 0
        # Once the holder lets go, the same change goes through.
        Stop-PsqlSession
        (New-PimRole -Name 'Held back').Name | Should -Be 'Held back'
    }

    It 'refuses the first connection (the migration that creates the store) the same way while a writer holds the lock' {
        if (-not $OnPostgres) { Set-ItResult -Skipped -Because 'PostgreSQL only (a SQLite store is a file: its write lock is SQLite''s own)' }
        $store = New-TestStore
        $app = 'pim-holder-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $backend = Start-PsqlSession -Store $store -Username pim_test_writer -Application $app -Relation pim_write_lock `
            -Sql 'BEGIN; LOCK TABLE pim_write_lock IN EXCLUSIVE MODE; SELECT pg_sleep(90); COMMIT'
        $e = Get-Refusal { Connect-TestStore -Store $store -Principal 'admin@contoso.com' }
        $e.FullyQualifiedErrorId | Should -Be 'PimStoreBusy,PimModule.Cmdlets.ConnectPimStoreCommand'
        $e.Exception.Message | Should -Match "session $backend, login 'pim_test_writer', application '$app'"
        (Invoke-Psql -ConnectionString $store.AdminConnectionString -Sql 'SELECT COUNT(*) FROM store_info') | Should -Be '0'
        Stop-PsqlSession
        $null = Connect-TestStore -Store $store -Principal 'admin@contoso.com'
        (Get-PimStore).Principal | Should -Be 'admin@contoso.com'
    }

    It 'upgrades a store from before the write lock table only through its owner, who makes the table theirs' {
        if (-not $OnPostgres) { Set-ItResult -Skipped -Because 'PostgreSQL only (a SQLite store is a file: its write lock is SQLite''s own)' }
        $store = Connect-TestStore -Principal 'admin@contoso.com'
        New-PimRole -Name 'Made at schema 12' | Out-Null
        Disconnect-PimStore
        # As a store of schema version 12 is (without what 13, the write lock, 14, snapshots, and 15, groups, made).
        $null = Invoke-Sql $store 'DROP TABLE pim_write_lock; DROP TABLE snapshot_chunks; DROP TABLE snapshots; DROP INDEX ix_audit_keys; DROP TABLE group_members; DROP TABLE groups; DELETE FROM schema_version WHERE version >= 13'
        $e = Get-Refusal { Connect-TestStore -Store $store -Principal 'admin@contoso.com' }
        $e.FullyQualifiedErrorId | Should -Be 'PimStoreNotWritable,PimModule.Cmdlets.ConnectPimStoreCommand'
        $e.Exception.Message | Should -Match 'pim_write_lock'
        (Invoke-Psql -ConnectionString $store.AdminConnectionString -Sql "SELECT to_regclass('pim_write_lock') IS NULL, MAX(version) FROM schema_version") | Should -Be 't|12'
        # The owner migrates (an administrator acting as the owner role); the table is the tables' owner's, and the writer goes on.
        Connect-PimStore -ConnectionString ((Get-PgTestConnection -Database $store.Database -Role pim_test_owner) + ';Pooling=false') -Provider PostgreSql -Principal 'admin@contoso.com'
        Disconnect-PimStore
        (Invoke-Psql -ConnectionString $store.AdminConnectionString -Sql "SELECT relowner::regrole FROM pg_class WHERE oid = to_regclass('pim_write_lock')") | Should -Be 'pim_test_owner'
        $null = Connect-TestStore -Store $store -Principal 'admin@contoso.com'
        (New-PimRole -Name 'Made at schema 13').Name | Should -Be 'Made at schema 13'
        (Invoke-PsqlAs $store pim_test_reader 'BEGIN; LOCK TABLE pim_write_lock IN EXCLUSIVE MODE; COMMIT') | Should -Match 'permission denied'
    }

    It 'refuses to write under a write lock table that someone other than the tables'' owner owns, and writes nothing' {
        if (-not $OnPostgres) { Set-ItResult -Skipped -Because 'PostgreSQL only (a SQLite store is a file: its write lock is SQLite''s own)' }
        $store = Connect-TestStore -Principal 'admin@contoso.com'
        $before = Get-StoreFingerprint
        # Where PUBLIC may create tables in the schema (PostgreSQL 13 and 14), a login could make pim_write_lock its own.
        $null = Invoke-Sql $store 'ALTER TABLE pim_write_lock OWNER TO pim_test_nobody'
        $null = Connect-TestStore -Store $store -Principal 'admin@contoso.com'
        $e = Get-Refusal { New-PimRole -Name 'Under a lock of nobody' -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'PimStoreInvalid,PimModule.Cmdlets.NewPimRoleCommand'
        $e.Exception.Message | Should -Match "belongs to 'pim_test_nobody'"
        Get-StoreFingerprint | Should -Be $before
    }
}

Describe 'Third hostile pass, finding 13: who may read what' -Tag Hostile {
    # Reads follow Entra's: everyone their own; approvers what is pending their approval and what they decided; reviewers
    # the reviews they review; the holders of an active assignment at '/' of a role that reads PIM (Privileged Role
    # Administrator, Global Administrator, Security Administrator, Security Operator, Security Reader, Global Reader)
    # everything. Each principal reads in its own fresh pwsh; docs/security.md, "Who may read what", has the table.
    BeforeAll {
        $script:ReadStore = Connect-TestStore -Principal 'admin@contoso.com'
        Set-PimRoleSetting -Role 'Helpdesk Administrator' -ActivationRequirement None -RequireJustification $true -RequireApproval $true -Approvers 'user2@contoso.com'
        Set-PimRoleSetting -Role 'User Administrator' -ActivationRequirement None -RequireJustification $true -RequireApproval $true -Approvers 'user6@contoso.com'
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None -RequireJustification $false -RequireApproval $false
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Helpdesk Administrator' -Duration 30d | Out-Null
        New-PimEligibleAssignment -Principal 'user3@contoso.com' -Role 'User Administrator' -Duration 30d | Out-Null
        New-PimActiveAssignment -Principal 'user4@contoso.com' -Role 'Security Reader' -Duration 30d -Justification 'reads PIM' | Out-Null
        New-PimEligibleAssignment -Principal 'user5@contoso.com' -Role 'Security Reader' -Duration 30d | Out-Null
        Connect-TestStore -Store $ReadStore -Principal 'user1@contoso.com' | Out-Null
        $script:User1Request = (Request-PimActivation -Role 'Helpdesk Administrator' -Justification 'user1 reason' -Duration 1h).RequestId
        Connect-TestStore -Store $ReadStore -Principal 'user3@contoso.com' | Out-Null
        $script:User3Request = (Request-PimActivation -Role 'User Administrator' -Justification 'user3 private reason' -Duration 1h).RequestId
        Connect-TestStore -Store $ReadStore -Principal 'admin@contoso.com' | Out-Null
        $script:Review = New-PimAccessReview -Role 'User Administrator' -AssignmentType Eligible -Reviewer 'user2@contoso.com'

        function Read-As([string] $Principal) {
            <# Every read cmdlet, as -Principal in a fresh pwsh: one 'name=value' line each (a refusal: its error id). #>
            $dir = Join-Path $TestDrive "reads-$([guid]::NewGuid().ToString('N'))"
            $null = New-Item -ItemType Directory -Path $dir
            $lines = Invoke-InputAttack -Principal $Principal -Script @"
function Seen([scriptblock] `$b) { try { ((@(& `$b) | Sort-Object -Unique) -join ',') } catch { 'ERR:' + (`$_.FullyQualifiedErrorId -split ',')[0] } }
`$me = '$Principal'
'Get-PimAssignment=' + (Seen { Get-PimAssignment -State All | ForEach-Object Principal })
'Get-PimAssignment -Principal=' + (Seen { Get-PimAssignment -Principal 'user3@contoso.com' -State All | ForEach-Object Principal })
'Get-PimRequest=' + (Seen { Get-PimRequest | ForEach-Object Principal })
'Get-PimRequest -RequestId=' + (Attempt { Get-PimRequest -RequestId '$User3Request' | Out-Null })
'Get-PimNotification=' + (Seen { Get-PimNotification | ForEach-Object Recipient })
'Get-PimNotification -Recipient=' + (Seen { Get-PimNotification -Recipient 'user3@contoso.com' | ForEach-Object Recipient })
'Get-PimAuditLog (others)=' + (@(Get-PimAuditLog | Where-Object { `$_.Actor -ne `$me -and `$_.Principal -ne `$me }).Count -gt 0)
'Get-PimAlert=' + (@(Get-PimAlert).Count -gt 0)
'Get-PimAccessReview=' + @(Get-PimAccessReview).Count
'Get-PimAccessReview -ReviewId=' + (Attempt { Get-PimAccessReview -ReviewId '$($Review.ReviewId)' | Out-Null })
'Get-PimAccessReviewItem=' + (Seen { Get-PimAccessReviewItem | ForEach-Object Principal })
'Export-PimReport=' + (Attempt { Export-PimReport -Path (Join-Path '$dir' 'report.html') }) + '/' + (Test-Path (Join-Path '$dir' 'report.html'))
'Export-PimAuditLog=' + (Attempt { Export-PimAuditLog -Path (Join-Path '$dir' 'log.jsonl') | Out-Null }) + '/' + (Test-Path (Join-Path '$dir' 'log.jsonl'))
'Test-PimAuditLog=' + (Test-PimAuditLog).IsValid
'Test-PimAccess self=' + (Attempt { Test-PimAccess -Principal `$me -Role 'Security Reader' | Out-Null })
'Test-PimAccess other=' + (Attempt { Test-PimAccess -Principal 'user3@contoso.com' -Role 'User Administrator' -Detailed | Out-Null })
'Test-PimAccess other, yes or no=' + (Test-PimAccess -Principal 'user4@contoso.com' -Role 'Security Reader')
"@
            $seen = @{}
            foreach ($l in $lines) { if ("$l" -match '^([^=]+)=(.*)$') { $seen[$Matches[1]] = $Matches[2] } }
            $seen
        }
    }

    BeforeDiscovery {
        $everyone = 'admin@contoso.com,user1@contoso.com,user3@contoso.com,user4@contoso.com,user5@contoso.com'
        $all = @{
            'Get-PimAssignment' = $everyone; 'Get-PimAssignment -Principal' = 'user3@contoso.com'
            'Get-PimNotification' = 'admin@contoso.com,user1@contoso.com,user2@contoso.com,user3@contoso.com,user4@contoso.com,user5@contoso.com,user6@contoso.com'
            'Get-PimRequest' = $everyone; 'Get-PimRequest -RequestId' = 'ok'
            'Get-PimNotification -Recipient' = 'user3@contoso.com'; 'Get-PimAuditLog (others)' = 'True'; 'Get-PimAlert' = 'True'
            'Get-PimAccessReview' = '1'; 'Get-PimAccessReview -ReviewId' = 'ok'; 'Get-PimAccessReviewItem' = 'user3@contoso.com'
            'Export-PimReport' = 'ok/True'; 'Export-PimAuditLog' = 'ok/True'; 'Test-PimAuditLog' = 'True'
            'Test-PimAccess self' = 'ok'; 'Test-PimAccess other' = 'ok'; 'Test-PimAccess other, yes or no' = 'True'
        }
        function Own([string] $Me, [hashtable] $Over = @{}) {
            $t = @{
                'Get-PimAssignment' = $Me; 'Get-PimAssignment -Principal' = ''
                'Get-PimRequest' = $Me; 'Get-PimRequest -RequestId' = 'ERR:PimRequestNotFound'
                'Get-PimNotification' = $Me; 'Get-PimNotification -Recipient' = ''; 'Get-PimAuditLog (others)' = 'False'; 'Get-PimAlert' = 'False'
                'Get-PimAccessReview' = '0'; 'Get-PimAccessReview -ReviewId' = 'ERR:PimAccessReviewNotFound'; 'Get-PimAccessReviewItem' = ''
                'Export-PimReport' = 'ERR:PimNotAuthorized/False'; 'Export-PimAuditLog' = 'ERR:PimNotAuthorized/False'; 'Test-PimAuditLog' = 'True'
                'Test-PimAccess self' = 'ok'; 'Test-PimAccess other' = 'ERR:PimNotAuthorized'; 'Test-PimAccess other, yes or no' = 'True'
            }
            foreach ($k in $Over.Keys) { $t[$k] = $Over[$k] }
            $t
        }
        $script:Readers = @(
            @{ Who = 'a principal with no role (user1)'; Principal = 'user1@contoso.com'; Expect = (Own 'user1@contoso.com') }
            @{ Who = 'an approver without an administrative role (user2)'; Principal = 'user2@contoso.com'
               Expect = (Own 'user2@contoso.com' @{ 'Get-PimAssignment' = ''; 'Get-PimRequest' = 'user1@contoso.com'
                         'Get-PimAccessReview' = '1'; 'Get-PimAccessReview -ReviewId' = 'ok'; 'Get-PimAccessReviewItem' = 'user3@contoso.com' }) }
            @{ Who = 'an eligible, not active, Security Reader (user5)'; Principal = 'user5@contoso.com'; Expect = (Own 'user5@contoso.com') }
            @{ Who = 'an active Security Reader (user4)'; Principal = 'user4@contoso.com'; Expect = $all }
            @{ Who = 'a Global Administrator (admin)'; Principal = 'admin@contoso.com'; Expect = $all }
        )
    }

    It 'lets <Who> read what Entra lets them read, and nothing more' -ForEach $Readers {
        $before = Get-StoreFingerprint
        $seen = Read-As $Principal
        $Expect.Keys.Count | Should -Be 17
        @($Expect.Keys | Sort-Object | ForEach-Object { "$_=$($seen[$_])" }) | Should -Be @($Expect.Keys | Sort-Object | ForEach-Object { "$_=$($Expect[$_])" })
        Connect-TestStore -Store $ReadStore -Principal 'admin@contoso.com' | Out-Null
        Get-StoreFingerprint | Should -Be $before
    }

    It 'counts for nothing, in a Verified store, a reader''s assignment written around the module' {
        $store = New-TestStore
        $script:Users = Join-Path $TestDrive "readers-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        function As([string] $Name) { $env:XDG_DATA_HOME = Join-Path $script:Users $Name; $null = New-Item -ItemType Directory -Path $env:XDG_DATA_HOME -Force }
        function Connect-As([string] $Principal) {
            if ($store.Provider -eq 'PostgreSql') { Connect-PimStore -ConnectionString $store.ConnectionString -Provider PostgreSql -Principal $Principal -IdentityMode Verified }
            else { Connect-PimStore -Path $store.Path -Principal $Principal -IdentityMode Verified }
        }
        $saved = $env:XDG_DATA_HOME
        try {
            As admin; Connect-As admin@contoso.com
            As user1; $key = New-PimCredential -Principal user1@contoso.com
            As admin; $key | Register-PimCredential -Principal user1@contoso.com | Out-Null
            Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None -RequireJustification $false
            New-PimEligibleAssignment -Principal user1@contoso.com -Role 'Security Reader' -Permanent -Justification 'JIT' | Out-Null
            New-PimEligibleAssignment -Principal user3@contoso.com -Role 'User Administrator' -Duration 30d -Justification 'user3 private' | Out-Null
            # user1 gives themselves an active Security Reader assignment at '/' around the module.
            $id = [guid]::NewGuid().ToString(); $ticks = [datetime]::UtcNow.AddMinutes(-1).Ticks
            Invoke-Sql -Store $store -Sql "INSERT INTO assignments (assignment_id, principal, principal_key, role_id, scope, type, member_type, start_utc, end_utc, justification, created_by, created_utc) VALUES ('$id', 'user1@contoso.com', 'user1@contoso.com', '5d6b6bb7-de71-4623-b4af-96380a352509', '/', 'Active', 'Direct', $ticks, NULL, 'mine', 'user1@contoso.com', $ticks)" | Out-Null
            As user1; Connect-As user1@contoso.com
            $before = Get-RawFingerprint $store
            @(Get-PimNotification | ForEach-Object Recipient | Sort-Object -Unique) | Should -Be @('user1@contoso.com')
            @(Get-PimAssignment -Principal user3@contoso.com).Count | Should -Be 0
            @(Get-PimAlert).Count | Should -Be 0
            $file = Join-Path $TestDrive "verified-report-$id.html"
            $e = Get-Refusal { Export-PimReport -Path $file -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimNotAuthorized,PimModule.Cmdlets.ExportPimReportCommand'
            $e.CategoryInfo.Category | Should -Be 'PermissionDenied'
            $e.TargetObject | Should -Be 'user1@contoso.com'
            Test-Path $file | Should -BeFalse
            $e = Get-Refusal { Test-PimAccess -Principal user3@contoso.com -Role 'User Administrator' -Detailed -ErrorAction Stop }
            $e.FullyQualifiedErrorId | Should -Be 'PimNotAuthorized,PimModule.Cmdlets.TestPimAccessCommand'
            Get-RawFingerprint $store | Should -Be $before
            # Activated through the module, the same principal reads everything.
            Invoke-Sql -Store $store -Sql "DELETE FROM assignments WHERE assignment_id = '$id'" | Out-Null
            Request-PimActivation -Role 'Security Reader' -Duration 1h | Out-Null
            @(Get-PimNotification -Recipient user3@contoso.com).Count | Should -BeGreaterThan 0
            (Test-PimAccess -Principal user3@contoso.com -Role 'User Administrator' -Detailed).Reason | Should -Be 'EligibleOnly'
        }
        finally { $env:XDG_DATA_HOME = $saved }
    }

    It 'keeps what an approver decided readable to them, and an eligible reader reads everything once activated' {
        Connect-TestStore -Store $ReadStore -Principal 'user2@contoso.com' | Out-Null
        Approve-PimRequest -RequestId $User1Request -Justification 'fine' | Out-Null
        (Get-PimRequest -RequestId $User1Request).Status | Should -Not -Be 'PendingApproval'
        @(Get-PimRequest | ForEach-Object Principal | Sort-Object -Unique) -join ',' | Should -Be 'user1@contoso.com'
        @(Get-PimAuditLog -Principal 'user1@contoso.com' | Where-Object Actor -eq 'user2@contoso.com').Count | Should -BeGreaterThan 0
        Connect-TestStore -Store $ReadStore -Principal 'user5@contoso.com' | Out-Null
        @(Get-PimNotification -Recipient 'user3@contoso.com').Count | Should -Be 0
        Request-PimActivation -Role 'Security Reader' -Duration 1h | Out-Null
        @(Get-PimNotification -Recipient 'user3@contoso.com').Count | Should -BeGreaterThan 0
        (Get-PimRequest -RequestId $User3Request).Justification | Should -Be 'user3 private reason'
        Connect-TestStore -Store $ReadStore -Principal 'admin@contoso.com' | Out-Null
    }
}

Describe 'Third hostile pass, finding 4: a stored enum value that PimModule never writes is refused, never re-read' -Tag Hostile {
    # Each enum column, set to a number ('0': Enum.Parse read it as the first value) and to a name PimModule never writes
    # ('x': a raw System.ArgumentException), behind the module's back. The reading command refuses by name — PimStoreCorrupt
    # in a Lab store, PimStoreTampered in a Verified one — with the row's key as TargetObject, and nothing moves.
    BeforeDiscovery {
        $script:StoredEnumCases = foreach ($mode in 'Lab', 'Verified') {
            foreach ($c in @(
                    @{ Table = 'assignments'; Column = 'type'; Key = 'assignment_id'; Read = { Get-PimAssignment -State All } }
                    @{ Table = 'assignments'; Column = 'member_type'; Key = 'assignment_id'; Read = { Get-PimAssignment -State All } }
                    @{ Table = 'requests'; Column = 'action'; Key = 'request_id'; Read = { Get-PimRequest } }
                    @{ Table = 'requests'; Column = 'status'; Key = 'request_id'; Read = { Get-PimRequest } }
                    @{ Table = 'requests'; Column = 'assignment_type'; Key = 'request_id'; Read = { Get-PimRequest } }
                    @{ Table = 'notifications'; Column = 'recipient_type'; Key = 'notification_id'; Read = { Get-PimNotification } }
                    @{ Table = 'notifications'; Column = 'status'; Key = 'notification_id'; Read = { Get-PimNotification } }
                    @{ Table = 'access_reviews'; Column = 'assignment_type'; Key = 'review_id'; Read = { Get-PimAccessReview } }
                    @{ Table = 'access_reviews'; Column = 'recurrence'; Key = 'review_id'; Read = { Get-PimAccessReview } }
                    @{ Table = 'access_reviews'; Column = 'default_decision'; Key = 'review_id'; Read = { Get-PimAccessReview } }
                    @{ Table = 'access_review_items'; Column = 'assignment_type'; Key = 'item_id'; Read = { Get-PimAccessReview | Get-PimAccessReviewItem } }
                    @{ Table = 'access_review_items'; Column = 'recommendation'; Key = 'item_id'; Read = { Get-PimAccessReview | Get-PimAccessReviewItem } }
                    @{ Table = 'access_review_items'; Column = 'decision'; Key = 'item_id'; Read = { Get-PimAccessReview | Get-PimAccessReviewItem } })) {
                foreach ($value in '0', 'x') { $c + @{ Mode = $mode; Value = $value; Id = if ($mode -eq 'Verified') { 'PimStoreTampered' } else { 'PimStoreCorrupt' } } }
            }
        }
    }

    BeforeAll {
        $script:EnumUsers = Join-Path $TestDrive "enum-users-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $script:EnumStores = @{}
        function Connect-EnumStore([string] $Mode) { Connect-ModeStore -Store $script:EnumStores[$Mode] -Folder (Join-Path $script:EnumUsers "$Mode-admin") -Mode $Mode }
        foreach ($mode in 'Lab', 'Verified') {
            $script:EnumStores[$mode] = New-TestStore
            Connect-EnumStore $mode
            # One row of each table: an assignment (and its request and notifications), a review of it with one item.
            New-PimEligibleAssignment -Principal user1@contoso.com -Role 'Security Reader' -Permanent -Justification 'JIT' | Out-Null
            New-PimAccessReview -Role 'Security Reader' -Reviewer admin@contoso.com -Duration 7d | Out-Null
            Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None
            Set-PimAlertSetting -AlertType RepeatedMfaFailures -Threshold 7 -Enabled $true
        }
    }

    It '<Mode> store: store_info.value of <Key> = ''<Value>'' makes Get-PimAlertSetting refuse with <Id>, not read as another number or as off' -TestCases @(
        foreach ($mode in 'Lab', 'Verified') {
            foreach ($case in @(@{ Key = 'alert.RepeatedMfaFailures.threshold'; Value = '0x7' }, @{ Key = 'alert.RepeatedMfaFailures.threshold'; Value = ' 7' },
                    @{ Key = 'alert.RepeatedMfaFailures.enabled'; Value = 'true' }, @{ Key = 'alert.RepeatedMfaFailures.enabled'; Value = 'x' })) {
                $case + @{ Mode = $mode; Id = if ($mode -eq 'Verified') { 'PimStoreTampered' } else { 'PimStoreCorrupt' } }
            }
        }) {
        $store = $script:EnumStores[$Mode]
        Connect-EnumStore $Mode
        $original = @(Invoke-Sql -Store $store -Sql "SELECT value FROM store_info WHERE key = '$Key'")[0]
        $original | Should -Not -BeNullOrEmpty
        Invoke-Sql -Store $store -Sql "UPDATE store_info SET value = '$Value' WHERE key = '$Key'" | Out-Null
        try {
            $e = Get-Refusal { Get-PimAlertSetting -ErrorAction Stop | Out-Null }
            $e.FullyQualifiedErrorId | Should -BeLike "$Id,*"
            "$($e.TargetObject)" | Should -Be $Key
        }
        finally { Invoke-Sql -Store $store -Sql "UPDATE store_info SET value = '$original' WHERE key = '$Key'" | Out-Null }
        (Get-PimAlertSetting | Where-Object AlertType -eq RepeatedMfaFailures).Threshold | Should -Be 7
    }

    It '<_> store: a role''s stored rule whose JSON does not read is refused in a Lab store, and the sealed settings answer in a Verified one' -TestCases @('Lab', 'Verified') {
        $store = $script:EnumStores[$_]
        Connect-EnumStore $_
        $role = (Get-PimRole 'Security Reader').Id.ToString()
        $rule = @(Invoke-Sql -Store $store -Sql "SELECT rule_id FROM policy_rules WHERE role_id = '$role' AND rule_id LIKE 'Enablement_EndUser%' ORDER BY rule_id LIMIT 1")[0]
        if (-not $rule) { $rule = @(Invoke-Sql -Store $store -Sql "SELECT rule_id FROM policy_rules WHERE role_id = '$role' ORDER BY rule_id LIMIT 1")[0] }
        $rule | Should -Not -BeNullOrEmpty
        $original = @(Invoke-Sql -Store $store -Sql "SELECT value_json FROM policy_rules WHERE role_id = '$role' AND rule_id = '$rule'") -join "`n"
        Invoke-Sql -Store $store -Sql "UPDATE policy_rules SET value_json = 'x' WHERE role_id = '$role' AND rule_id = '$rule'" | Out-Null
        try {
            $e = Get-Refusal { $script:Setting = Get-PimRoleSetting -Role 'Security Reader' -ErrorAction Stop }
            if ($_ -eq 'Lab') {
                $e.FullyQualifiedErrorId | Should -BeLike 'PimStoreCorrupt,*'
                "$($e.TargetObject)" | Should -Be $role
                $e.Exception.Message | Should -BeLike '*policy_rules.value_json*'
            }
            else {
                $e | Should -BeNullOrEmpty -Because 'a Verified store answers from the settings an administrator sealed'
                $script:Setting.ActivationRequirement | Should -Be 'None'
            }
        }
        finally { Invoke-Sql -Store $store -Sql "UPDATE policy_rules SET value_json = '$($original.Replace("'", "''"))' WHERE role_id = '$role' AND rule_id = '$rule'" | Out-Null }
        (Get-PimRoleSetting -Role 'Security Reader').ActivationRequirement | Should -Be 'None'
    }

    It '<Mode> store: <Table>.<Column> = ''<Value>'' makes <Read> refuse with <Id>' -TestCases $StoredEnumCases {
        $store = $script:EnumStores[$Mode]
        Connect-EnumStore $Mode
        $row = @(Invoke-Sql -Store $store -Sql "SELECT $Key || '|' || $Column FROM $Table ORDER BY $Key LIMIT 1")[0]
        $row | Should -Not -BeNullOrEmpty -Because "the setup wrote a row into $Table"
        $rowKey, $original = $row -split '\|', 2
        $before = Get-StoreFingerprint
        Invoke-Sql -Store $store -Sql "UPDATE $Table SET $Column = '$Value' WHERE $Key = '$rowKey'" | Out-Null
        try {
            $e = Get-Refusal { & $Read -ErrorAction Stop | Out-Null }
            $e | Should -Not -BeNullOrEmpty -Because "'$Value' is not a value PimModule writes into $Table.$Column"
            $e.FullyQualifiedErrorId | Should -BeLike "$Id,*"
            $e.Exception | Should -Not -BeOfType [System.ArgumentException]
            "$($e.TargetObject)" | Should -Be $rowKey
            $e.Exception.Message | Should -BeLike "*$Table.$Column*"
        }
        finally { Invoke-Sql -Store $store -Sql "UPDATE $Table SET $Column = '$original' WHERE $Key = '$rowKey'" | Out-Null }
        Get-StoreFingerprint | Should -Be $before
        { & $Read -ErrorAction Stop | Out-Null } | Should -Not -Throw -Because 'the value PimModule wrote is read again'
    }

    It 'Verified store: Test-PimAuditLog reports an assignment whose type reads as nothing (''<_>'') as Different, and checks the rest' -TestCases @('0', 'x') {
        $store = $script:EnumStores['Verified']
        Connect-EnumStore 'Verified'
        $rowKey, $original = (@(Invoke-Sql -Store $store -Sql "SELECT assignment_id || '|' || type FROM assignments ORDER BY assignment_id LIMIT 1")[0]) -split '\|', 2
        Invoke-Sql -Store $store -Sql "UPDATE assignments SET type = '$_' WHERE assignment_id = '$rowKey'" | Out-Null
        try {
            $check = Test-PimAuditLog
            $check.IsValid | Should -BeFalse
            $d = @($check.Disagreements | Where-Object Id -eq $rowKey)
            $d.Count | Should -Be 1 -Because 'the row is reported once (not also as Missing)'
            $d[0].Problem | Should -Be 'Different'
            $d[0].Detail | Should -BeLike '*assignments.type*'
        }
        finally { Invoke-Sql -Store $store -Sql "UPDATE assignments SET type = '$original' WHERE assignment_id = '$rowKey'" | Out-Null }
        $after = Test-PimAuditLog
        $after.IsValid | Should -BeTrue -Because "the type PimModule wrote is back: $($after.Reason) $($after.Disagreements)"
    }

    It '<_> store: an id Dapper converts (requests.role_id = ''x'') is refused by name, not a raw System.Data.DataException' -TestCases @('Lab', 'Verified') {
        $store = $script:EnumStores[$_]
        Connect-EnumStore $_
        $rowKey, $original = (@(Invoke-Sql -Store $store -Sql "SELECT request_id || '|' || role_id FROM requests ORDER BY request_id LIMIT 1")[0]) -split '\|', 2
        $before = Get-StoreFingerprint
        Invoke-Sql -Store $store -Sql "UPDATE requests SET role_id = 'x' WHERE request_id = '$rowKey'" | Out-Null
        try {
            $e = Get-Refusal { Get-PimRequest -ErrorAction Stop | Out-Null }
            $e.FullyQualifiedErrorId | Should -BeLike "$(if ($_ -eq 'Verified') { 'PimStoreTampered' } else { 'PimStoreCorrupt' }),*"
            $e.Exception.Message | Should -BeLike '*role_id*'
        }
        finally { Invoke-Sql -Store $store -Sql "UPDATE requests SET role_id = '$original' WHERE request_id = '$rowKey'" | Out-Null }
        Get-StoreFingerprint | Should -Be $before
    }
}

Describe 'Third hostile pass, finding 4 (review F7): a stored time out of range or a value of another type is refused by name, never a raw exception' -Tag Hostile {
    # One edit behind the module's back per case: ticks outside DateTime's range (a raw ArgumentOutOfRangeException
    # before), TEXT/BLOB/REAL in an INTEGER column (SQLite keeps each value's own type: a raw Dapper
    # InvalidOperationException before), an id that is not GUID text (a raw FormatException before). The reading command
    # refuses with PimStoreCorrupt in a Lab store and PimStoreTampered in a Verified one, naming table and column (and
    # the row where it is known), and nothing moves.
    BeforeDiscovery {
        $onPg = $env:PIM_TEST_PROVIDER -eq 'PostgreSql'
        $access = { Test-PimAccess -Principal user3@contoso.com -Role 'Reports Reader' -Detailed }
        $reviewItems = { Get-PimAccessReview | Get-PimAccessReviewItem }
        $script:StoredTimeCases = @(
            foreach ($read in @({ Get-PimAssignment -State All }, { Get-PimAlert }, $access, { Export-PimReport -Path (Join-Path $TestDrive 'f7.html') -Force })) {
                @{ Table = 'assignments'; Column = 'start_utc'; Value = '-1'; Read = $read; Row = $true }
                @{ Table = 'assignments'; Column = 'end_utc'; Value = '9223372036854775807'; Read = $read; Row = $true }
            }
            @{ Table = 'access_reviews'; Column = 'start_utc'; Value = '-1'; Read = { Get-PimAccessReview }; Row = $true }
            @{ Table = 'access_reviews'; Column = 'end_utc'; Value = '9223372036854775807'; Read = $reviewItems; Row = $true }
            @{ Table = 'access_review_items'; Column = 'reviewed_utc'; Value = '-1'; Read = $reviewItems; Row = $true }
            @{ Table = 'request_approvals'; Column = 'decided_utc'; Value = '-1'; Read = { Get-PimRequest }; Row = $true }
            @{ Table = 'store_info'; Column = 'value'; Where = "key = 'created_utc'"; Value = "'-1'"; Read = { Get-PimStore }; Row = $true }
            @{ Table = 'directory_objects'; Column = 'id'; Value = "'x'"; Read = { Get-PimDirectoryObject }; Row = $true }
            if (-not $onPg) {
                # Another storage class in an INTEGER column: SQLite only (PostgreSQL's column types refuse the edit itself).
                foreach ($v in "'abc'", "x'00ff'") { @{ Table = 'assignments'; Column = 'start_utc'; Value = $v; Read = $access } }
                @{ Table = 'assignments'; Column = 'end_utc'; Value = '1.5'; Read = $access }
                @{ Table = 'assignments'; Column = 'start_utc'; Value = "'abc'"; Read = { Get-PimAssignment -State All } }
                @{ Table = 'access_reviews'; Column = 'duration_ticks'; Value = "'x'"; Read = { Get-PimAccessReview } }
                @{ Table = 'access_reviews'; Column = 'duration_ticks'; Value = "'x'"; Read = $reviewItems }
                @{ Table = 'notifications'; Column = 'attempts'; Value = "'x'"; Read = { Get-PimNotification } }
                @{ Table = 'mfa_methods'; Column = 'last_step'; Value = "'x'"; Read = { Get-PimMfaCode -Principal admin@contoso.com } }
            }) | ForEach-Object { $_ + @{ Mode = 'Lab'; Id = 'PimStoreCorrupt' } }
        $script:StoredTimeCases += foreach ($read in @({ Get-PimAssignment -State All }, { Get-PimAlert }, $access)) {
            foreach ($c in @(@{ Column = 'start_utc'; Value = '-1' }, @{ Column = 'end_utc'; Value = '9223372036854775807' })) {
                $c + @{ Table = 'assignments'; Read = $read; Row = $true; Mode = 'Verified'; Id = 'PimStoreTampered' }
            }
        }
    }

    BeforeAll {
        $script:F7Users = Join-Path $TestDrive "f7-users-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $script:F7Stores = @{}
        function Connect-F7Store([string] $Mode, [string] $Principal = 'admin@contoso.com') {
            Connect-ModeStore -Store $script:F7Stores[$Mode] -Folder (Join-Path $script:F7Users "$Mode-$Principal") -Mode $Mode -Principal $Principal
        }
        foreach ($mode in 'Lab', 'Verified') {
            $script:F7Stores[$mode] = New-TestStore
            Connect-F7Store $mode
            New-PimEligibleAssignment -Principal user3@contoso.com -Role 'Reports Reader' -Permanent -Justification 'JIT' | Out-Null
            if ($mode -eq 'Lab') {
                # A review with one item, an approved request (a request_approvals row), a directory object, an MFA method.
                New-PimAccessReview -Role 'Reports Reader' -Reviewer admin@contoso.com -Duration 7d | Out-Null
                Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None -RequireJustification $false -RequireApproval $true -Approvers admin@contoso.com
                New-PimEligibleAssignment -Principal user1@contoso.com -Role 'Security Reader' -Permanent -Justification 'JIT' | Out-Null
                [pscustomobject]@{ Id = '11111111-1111-1111-1111-111111111111'; UserPrincipalName = 'user1@contoso.com'; DisplayName = 'User One' } | Import-PimDirectoryObject | Out-Null
                Connect-F7Store $mode user1@contoso.com
                $q = Request-PimActivation -Role 'Security Reader' -Justification 'please'
                Connect-F7Store $mode
                Approve-PimRequest -RequestId $q.RequestId -Justification 'ok' | Out-Null
                Register-PimMfaMethod | Out-Null
            }
        }
    }

    It '<Mode> store: <Table>.<Column> = <Value> makes <Read> refuse with <Id>, not a raw exception' -TestCases $StoredTimeCases {
        $store = $script:F7Stores[$Mode]
        Connect-F7Store $Mode
        $where = if ($Where) { $Where } else { '1 = 1' }
        $rows = @(Invoke-Sql -Store $store -Sql "SELECT COUNT(*) FROM $Table WHERE $where")[0]
        [int]$rows | Should -BeGreaterThan 0 -Because "the setup wrote a row into $Table"
        # The original values, to put back: every row's key and value (NULL kept as NULL).
        $key = @{ assignments = 'assignment_id'; access_reviews = 'review_id'; access_review_items = 'item_id'; request_approvals = 'request_id'
            store_info = 'key'; directory_objects = 'user_principal_name'; notifications = 'notification_id'; mfa_methods = 'principal_key' }[$Table]
        $saved = @(Invoke-Sql -Store $store -Sql "SELECT $key || '|' || COALESCE(CAST($Column AS TEXT), '<null>') FROM $Table WHERE $where")
        $quoted = $Table -in 'store_info', 'directory_objects'
        $before = Get-StoreFingerprint
        Invoke-Sql -Store $store -Sql "UPDATE $Table SET $Column = $Value WHERE $where" | Out-Null
        try {
            $e = Get-Refusal { & $Read -ErrorAction Stop | Out-Null }
            $e | Should -Not -BeNullOrEmpty -Because "$Value is not a value PimModule writes into $Table.$Column"
            $e.FullyQualifiedErrorId | Should -BeLike "$Id,*"
            $e.Exception | Should -BeOfType [PimModule.PimException]
            $e.Exception.Message | Should -BeLike "*$Table.$Column*"
            if ($Row) { "$($e.TargetObject)" | Should -BeIn @($saved | ForEach-Object { ($_ -split '\|', 2)[0] }) }
        }
        finally {
            foreach ($s in $saved) {
                $k, $v = $s -split '\|', 2
                $literal = if ($v -eq '<null>') { 'NULL' } elseif ($quoted) { "'$v'" } else { $v }
                $restore = if ($Table -eq 'request_approvals') { "UPDATE $Table SET $Column = $literal" } else { "UPDATE $Table SET $Column = $literal WHERE $key = '$k'" }
                Invoke-Sql -Store $store -Sql $restore | Out-Null
            }
        }
        Get-StoreFingerprint | Should -Be $before
        { & $Read -ErrorAction Stop | Out-Null } | Should -Not -Throw -Because 'the value PimModule wrote is read again'
    }

    It 'Verified store: Test-PimAuditLog reports an assignment whose <_> is out of range as Different, never a raw exception' -TestCases @('start_utc', 'end_utc') {
        $store = $script:F7Stores['Verified']
        Connect-F7Store 'Verified'
        $rowKey, $original = (@(Invoke-Sql -Store $store -Sql "SELECT assignment_id || '|' || COALESCE(CAST($_ AS TEXT), 'NULL') FROM assignments ORDER BY assignment_id LIMIT 1")[0]) -split '\|', 2
        Invoke-Sql -Store $store -Sql "UPDATE assignments SET $_ = $(if ($_ -eq 'start_utc') { '-1' } else { '9223372036854775807' }) WHERE assignment_id = '$rowKey'" | Out-Null
        try {
            $check = Test-PimAuditLog -ErrorAction Stop
            $check.IsValid | Should -BeFalse
            $d = @($check.Disagreements | Where-Object Id -eq $rowKey)
            $d.Count | Should -Be 1
            $d[0].Problem | Should -Be 'Different'
            $d[0].Detail | Should -BeLike "*assignments.$_*"
        }
        finally { Invoke-Sql -Store $store -Sql "UPDATE assignments SET $_ = $original WHERE assignment_id = '$rowKey'" | Out-Null }
        (Test-PimAuditLog).IsValid | Should -BeTrue
    }
}

Describe 'Third hostile pass, finding 5: a principal with no role cannot fill the store with self-service writes' -Tag Hostile {
    # user1 holds no role. 100 self-service writes in 10 minutes are accepted (Limits.SelfServiceWrites), half of them from
    # a second pwsh process (one count for every window of one person); the next is PimRateLimited and writes one
    # RateLimited audit record; later refusals — of any self-service write — write nothing. Administrators' writes are not
    # limited. In a Verified store the RateLimited record verifies (Test-PimAuditLog).
    BeforeAll {
        $script:RateUsers = Join-Path $TestDrive "rate-users-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        function Use-RateUser([string] $Mode, [string] $Name) {
            $env:XDG_DATA_HOME = Join-Path $script:RateUsers "$Mode-$Name"
            $null = New-Item -ItemType Directory -Path $env:XDG_DATA_HOME -Force
            $env:XDG_DATA_HOME
        }
        function Connect-RateStore([object] $Store, [string] $Mode, [string] $Principal) {
            $p = @{ Principal = $Principal; IdentityMode = $Mode }
            if ($Store.Provider -eq 'PostgreSql') { Connect-PimStore -ConnectionString $Store.ConnectionString -Provider PostgreSql @p }
            else { Connect-PimStore -Path $Store.Path @p }
        }
    }

    It '<_> store: the 101st self-service write in 10 minutes is PimRateLimited, audited once, and refusals after it write nothing' -TestCases @('Lab', 'Verified') {
        $mode = $_
        $store = New-TestStore
        $null = Use-RateUser $mode admin
        Connect-RateStore $store $mode admin@contoso.com
        New-PimEligibleAssignment -Principal user1@contoso.com -Role 'Security Reader' -Permanent -Justification 'JIT' | Out-Null
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None
        if ($mode -eq 'Verified') {
            $null = Use-RateUser $mode user1
            $key = New-PimCredential -Principal user1@contoso.com
            $null = Use-RateUser $mode admin
            Connect-RateStore $store $mode admin@contoso.com
            $key | Register-PimCredential -Principal user1@contoso.com | Out-Null
        }
        $userFolder = Use-RateUser $mode user1
        Connect-RateStore $store $mode user1@contoso.com

        # 50 from a second process of the same person, 50 from this one: one count.
        $connect = $store.ConnectArguments -replace '-IdentityMode Lab', "-IdentityMode $mode"
        $out = Invoke-FreshPwsh -Environment @{ XDG_DATA_HOME = $userFolder } -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
Connect-PimStore $connect -Principal user1@contoso.com
1..50 | ForEach-Object { Register-PimMfaMethod -Force -Confirm:`$false -InformationAction Ignore | Out-Null }
'done'
"@
        ($out -join "`n") | Should -BeLike '*done*'
        1..49 | ForEach-Object { Register-PimMfaMethod -Force -Confirm:$false -InformationAction Ignore | Out-Null }
        $r = Request-PimActivation -Role 'Security Reader' -Justification 'the 100th self-service write' -Duration 1h
        $r | Should -Not -BeNullOrEmpty
        @(Get-PimAuditLog -Action RateLimited).Count | Should -Be 0

        # The 101st: refused, with the limit, the window and when to try again; one RateLimited record.
        $before = Get-RawFingerprint -Store $store
        $e = Get-Refusal { Register-PimMfaMethod -Force -Confirm:$false -InformationAction Ignore }
        $e.FullyQualifiedErrorId | Should -BeLike 'PimRateLimited,*'
        $e.CategoryInfo.Category | Should -Be 'LimitsExceeded'
        "$($e.TargetObject)" | Should -Be 'user1@contoso.com'
        $e.Exception.Message | Should -BeLike '*100 self-service writes*10 minutes*'
        "$($e.Exception.Message) $($e.ErrorDetails.RecommendedAction)" | Should -BeLike '*Try again after*'
        $limited = @(Get-PimAuditLog -Action RateLimited)
        $limited.Count | Should -Be 1
        $limited[0].Actor | Should -Be 'user1@contoso.com'

        # Later refusals, of any self-service write, from any process: nothing written.
        $after = Get-RawFingerprint -Store $store
        $after | Should -Not -Be $before
        (Get-Refusal { Register-PimMfaMethod -Force -Confirm:$false -InformationAction Ignore }).FullyQualifiedErrorId | Should -BeLike 'PimRateLimited,*'
        # Giving up access is never refused by the limit (the review of finding 5): this one is only too soon, and writes nothing.
        (Get-Refusal { Request-PimDeactivation -Role 'Security Reader' -Confirm:$false }).FullyQualifiedErrorId | Should -BeLike 'PimDeactivationTooSoon,*'
        (Get-Refusal { Request-PimExtension -Role 'Security Reader' -Confirm:$false }).FullyQualifiedErrorId | Should -BeLike 'PimRateLimited,*'
        $other = Invoke-FreshPwsh -Environment @{ XDG_DATA_HOME = $userFolder } -AllowFailure -Script @"
Import-Module '$ModulePath'
Connect-PimStore $connect -Principal user1@contoso.com
try { Register-PimMfaMethod -Force -Confirm:`$false -InformationAction Ignore -ErrorAction Stop | Out-Null; 'written' } catch { 'ERR:' + (`$_.FullyQualifiedErrorId -split ',')[0] }
"@
        ($other -join "`n") | Should -BeLike '*ERR:PimRateLimited*'
        Get-RawFingerprint -Store $store | Should -Be $after
        @(Get-PimAuditLog -Action RateLimited).Count | Should -Be 1

        # An administrator's writes are not self-service: not limited, whatever user1 did.
        $null = Use-RateUser $mode admin
        Connect-RateStore $store $mode admin@contoso.com
        New-PimEligibleAssignment -Principal user2@contoso.com -Role 'Security Reader' -Permanent -Justification 'JIT' | Should -Not -BeNullOrEmpty
        if ($mode -eq 'Verified') {
            $check = Test-PimAuditLog
            $check.IsValid | Should -BeTrue -Because "the RateLimited record is user1's own, sealed with their key: $($check.Reason)"
        }
    }
}

Describe 'Third hostile pass, finding 5: the self-service window moves with the store''s clock' -Tag Hostile, TestClock {
    # The window is counted by record time, from the engine's TimeProvider: 10 minutes after the writes that filled it, one
    # more is accepted. (SQLite: on PostgreSQL the server's clock stamps every record, which a test cannot move.)
    BeforeDiscovery { $script:PgWindow = $env:PIM_TEST_PROVIDER -eq 'PostgreSql' }
    AfterAll { Set-TestClock -Reset }

    It 'a principal refused at T is accepted again when the oldest counted write leaves the 10-minute window' -Skip:$PgWindow {
        $t0 = [datetime]::new(2026, 3, 2, 9, 0, 0, [DateTimeKind]::Utc)
        Set-TestClock $t0
        $store = New-TestStore
        Connect-PimStore -Path $store.Path -Principal admin@contoso.com -IdentityMode Lab
        Connect-PimStore -Path $store.Path -Principal user1@contoso.com -IdentityMode Lab
        1..100 | ForEach-Object { Set-TestClock $t0.AddSeconds($_); Register-PimMfaMethod -Force -Confirm:$false -InformationAction Ignore | Out-Null }
        Set-TestClock $t0.AddMinutes(10)
        $e = Get-Refusal { Register-PimMfaMethod -Force -Confirm:$false -InformationAction Ignore }
        $e.FullyQualifiedErrorId | Should -BeLike 'PimRateLimited,*'
        $e.ErrorDetails.RecommendedAction | Should -BeLike "*$($t0.AddSeconds(1).AddMinutes(10).ToString('yyyy-MM-dd HH:mm:ss'))Z*" -Because 'the first write leaves the window then'
        $before = Get-StoreFingerprint
        (Get-Refusal { Register-PimMfaMethod -Force -Confirm:$false -InformationAction Ignore }).FullyQualifiedErrorId | Should -BeLike 'PimRateLimited,*'
        Get-StoreFingerprint | Should -Be $before
        Set-TestClock $t0.AddMinutes(10).AddMilliseconds(1500)   # the write at T+1 s has left the window: one more fits
        Register-PimMfaMethod -Force -Confirm:$false -InformationAction Ignore | Should -Not -BeNullOrEmpty
        (Get-Refusal { Register-PimMfaMethod -Force -Confirm:$false -InformationAction Ignore }).FullyQualifiedErrorId | Should -BeLike 'PimRateLimited,*'
        @(Get-PimAuditLog -Action RateLimited).Count | Should -Be 1 -Because 'one RateLimited record per principal per window'
    }
}

# The review of the third pass (issue 28), after the fixes: what a principal with no role could still read or widen.
Describe 'Third hostile pass, the review after the fixes: the outbox, a copy, a scope given empty' -Tag Hostile {
    BeforeAll {
        $script:RvStore = Connect-TestStore -Principal 'admin@contoso.com'
        Set-PimMailSetting -SmtpServer 127.0.0.1 -Port 2 -From pim@contoso.com | Out-Null
        New-PimEligibleAssignment -Principal user2@contoso.com -Role 'Security Reader' -Permanent -Justification 'user2 private reason' | Out-Null
        function Get-Outbox { (Invoke-Sql -Store $RvStore -Sql "SELECT COUNT(*) || '|' || COALESCE(SUM(attempts), 0) || '|' || COUNT(claim_token) FROM notifications") -join '' }
    }

    It 'refuses Send-PimNotification to a principal with no role (the outbox is everyone''s mail), and touches no message' {
        Connect-TestStore -Store $RvStore -Principal user1@contoso.com | Out-Null
        $fp = Get-StoreFingerprint
        $outbox = Get-Outbox
        $outbox | Should -Not -BeLike '0|*'
        $e = Get-Refusal { Send-PimNotification -PassThru -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'PimNotAuthorized,PimModule.Cmdlets.SendPimNotificationCommand'
        $e.CategoryInfo.Category | Should -Be 'PermissionDenied'
        "$($e.TargetObject)" | Should -Be 'user1@contoso.com'
        $e.Exception.Message | Should -Not -BeLike '*user2 private reason*'
        Get-Outbox | Should -Be $outbox
        Get-StoreFingerprint | Should -Be $fp
    }

    It 'refuses Copy-PimStore to a principal with no role, before anything is made at the destination' {
        Connect-TestStore -Store $RvStore -Principal user1@contoso.com | Out-Null
        $fp = Get-StoreFingerprint
        $destination = Join-Path $TestDrive "copy-$([guid]::NewGuid().ToString('N')).db"
        $e = Get-Refusal { Copy-PimStore -DestinationPath $destination -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'PimNotAuthorized,PimModule.Cmdlets.CopyPimStoreCommand'
        $e.CategoryInfo.Category | Should -Be 'PermissionDenied'
        Test-Path $destination | Should -BeFalse
        Get-StoreFingerprint | Should -Be $fp
    }

    It 'refuses Export-PimAssignment a role given as null (<Name>), and writes no file' -ForEach @(
        @{ Name = 'a piped Role of null'; Export = { param($Path) [pscustomobject]@{ Role = $null } | Export-PimAssignment -Path $Path -ErrorAction Stop } }
        @{ Name = '-Role $null'; Export = { param($Path) Export-PimAssignment -Role $null -Path $Path -ErrorAction Stop } }
    ) {
        Connect-TestStore -Store $RvStore -Principal admin@contoso.com | Out-Null
        $path = Join-Path $TestDrive "export-$([guid]::NewGuid().ToString('N')).json"
        $e = Get-Refusal { & $Export $path }
        $e.FullyQualifiedErrorId | Should -Be 'PimRoleRequired,PimModule.Cmdlets.ExportPimAssignmentCommand'
        Test-Path $path | Should -BeFalse
    }

    It 'refuses a piped Scope of <Name> (PimScopeInvalid), never taking it as /' -ForEach @(
        @{ Name = 'an empty JSON list'; Row = { '{"Principal":"user3@contoso.com","Role":"Security Reader","Scope":[]}' | ConvertFrom-Json } }
        @{ Name = 'a JSON list of null'; Row = { '{"Principal":"user3@contoso.com","Role":"Security Reader","Scope":[null]}' | ConvertFrom-Json } }
        @{ Name = 'an empty pipeline result'; Row = { [pscustomobject]@{ Principal = 'user3@contoso.com'; Role = 'Security Reader'; Scope = $(Get-ChildItem (Join-Path $TestDrive 'nothing-here') -ErrorAction Ignore) } } }
    ) {
        Connect-TestStore -Store $RvStore -Principal admin@contoso.com | Out-Null
        $fp = Get-StoreFingerprint
        $e = Get-Refusal { & $Row | New-PimEligibleAssignment -Permanent -Justification 'x' -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'PimScopeInvalid,PimModule.Cmdlets.NewPimEligibleAssignmentCommand'
        @(Get-PimAssignment -Principal user3@contoso.com -State All) | Should -HaveCount 0
        Get-StoreFingerprint | Should -Be $fp
    }
}

Describe 'Third hostile pass, the review after the fixes: an empty file already at a store path becomes a store only if it is this user''s, and owner-only' -Tag Hostile {
    BeforeAll {
        $script:OwnerOnly = [IO.UnixFileMode]'UserRead, UserWrite'
        function New-EmptyFile([string] $Name, [string] $Mode = '666', [string] $Owner) {
            $path = Join-Path $TestDrive ("{0}-{1}" -f [guid]::NewGuid().ToString('N').Substring(0, 8), $Name)
            $null = New-Item -ItemType File -Path $path
            & chmod $Mode $path
            if ($Owner) { & chown $Owner $path; if ($LASTEXITCODE -ne 0) { throw "chown failed for $path" } }
            $path
        }
        function Get-Owner([string] $Path) { (& stat -c '%U' $Path) -join '' }
    }

    BeforeEach {
        if ($IsWindows -or [Environment]::UserName -ne 'root') { Set-ItResult -Skipped -Because 'another user''s file is made with chown, as root (the tests run as root in CI)'; return }
        if ($OnPostgres) { Set-ItResult -Skipped -Because 'about SQLite files'; return }
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        $script:Fingerprint = Get-StoreFingerprint
    }

    It 'Connect-PimStore -Path at an empty 0666 file of this user''s makes a 0600 store, and its -wal and -shm after a write are 0600' {
        $path = New-EmptyFile 'connect.db'
        $null = Connect-PimStore -Path $path -IdentityMode Lab -Principal 'admin@contoso.com' -WarningAction SilentlyContinue
        $null = New-PimEligibleAssignment -Principal 'z@contoso.com' -Role 'Reports Reader' -Duration 1d -Justification 'MODE-SECRET'
        foreach ($file in $path, "$path-wal", "$path-shm") {
            $file | Should -Exist
            [IO.File]::GetUnixFileMode($file) | Should -Be $script:OwnerOnly -Because "$file holds the store's rows"
        }
        (Get-PimStore).Location | Should -Be $path
    }

    It 'Copy-PimStore -DestinationPath at an empty 0666 file of this user''s makes a 0600 copy, and its -wal and -shm after a write are 0600' {
        $path = New-EmptyFile 'copy.db'
        $null = Copy-PimStore -DestinationPath $path -Switch -Confirm:$false
        [IO.File]::GetUnixFileMode($path) | Should -Be $script:OwnerOnly
        $null = New-PimEligibleAssignment -Principal 'z@contoso.com' -Role 'Reports Reader' -Duration 1d -Justification 'MODE-SECRET'
        foreach ($file in $path, "$path-wal", "$path-shm") {
            $file | Should -Exist
            [IO.File]::GetUnixFileMode($file) | Should -Be $script:OwnerOnly -Because "$file holds the copy's rows"
        }
    }

    It 'refuses <Cmdlet> at an empty file owned by another user (nobody), names its owner, and writes nothing' -ForEach @(
        @{ Cmdlet = 'Copy-PimStore'; Write = { param($p) Copy-PimStore -DestinationPath $p -Confirm:$false } }
        @{ Cmdlet = 'Connect-PimStore'; Write = { param($p) Connect-PimStore -Path $p -IdentityMode Lab -Principal 'admin@contoso.com' } }
    ) {
        $path = New-EmptyFile 'foreign.db' -Mode '644' -Owner 'nobody'
        $e = Get-Refusal { & $Write $path }
        $e.FullyQualifiedErrorId | Should -Be "PimFilePathInvalid,PimModule.Cmdlets.$($Cmdlet -replace '-', '')Command"
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $e.TargetObject | Should -Be $path
        $e.Exception | Should -BeOfType ([PimModule.PimException])
        $e.Exception.Message | Should -Match "owned by 'nobody'"
        (Get-Item -LiteralPath $path).Length | Should -Be 0 -Because 'nothing is written to it'
        Get-Owner $path | Should -Be 'nobody'
        [IO.File]::GetUnixFileMode($path) | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite, GroupRead, OtherRead') -Because 'another user''s file is left as it was'
        @(Get-ChildItem -Path "$path-*" -Force) | Should -BeNullOrEmpty -Because 'SQLite made nothing beside it'
        # A refused connect leaves the session with no store: the test store is connected again to show it did not move.
        if ($Cmdlet -eq 'Connect-PimStore') { $null = Connect-TestStore -Store $global:PimTestStore -Principal 'admin@contoso.com' }
        Get-StoreFingerprint | Should -Be $script:Fingerprint
    }

    It 'refuses a new store beside a -wal owned by another user, and makes a leftover 0666 -wal of this user''s 0600' {
        $path = Join-Path $TestDrive ("{0}-side.db" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
        $null = New-Item -ItemType File -Path "$path-wal"
        & chmod 666 "$path-wal"; & chown nobody "$path-wal"
        $e = Get-Refusal { Copy-PimStore -DestinationPath $path -Confirm:$false }
        $e.FullyQualifiedErrorId | Should -Be 'PimFilePathInvalid,PimModule.Cmdlets.CopyPimStoreCommand'
        $e.TargetObject | Should -Be "$path-wal"
        $e.Exception.Message | Should -Match "owned by 'nobody'"
        $path | Should -Not -Exist -Because 'the refusal comes before the store file is made'
        (Get-Item -LiteralPath "$path-wal").Length | Should -Be 0
        Get-StoreFingerprint | Should -Be $script:Fingerprint

        & chown root "$path-wal"
        $null = Copy-PimStore -DestinationPath $path -Switch -Confirm:$false
        $null = New-PimEligibleAssignment -Principal 'z@contoso.com' -Role 'Reports Reader' -Duration 1d -Justification 'MODE-SECRET'
        foreach ($file in $path, "$path-wal", "$path-shm") { [IO.File]::GetUnixFileMode($file) | Should -Be $script:OwnerOnly -Because "$file holds the copy's rows" }
    }
}

# Issue 31: groups and memberships written or sealed around the module, in a Verified store (the default).
Describe 'Groups, around the module (issue 31)' {
    BeforeAll {
        $script:SavedData = $env:XDG_DATA_HOME
        $script:GStore = New-TestStore
        $null = Connect-ModeStore -Store $script:GStore -Folder (Join-Path $TestDrive 'admin') -Mode Verified
        $script:Soc = New-PimGroup -Name 'Security Operations' -IsAssignableToRole
        Add-PimGroupMember -Group $script:Soc.Id -Principal 'user1@contoso.com'
    }
    AfterAll { $env:XDG_DATA_HOME = $script:SavedData }

    It 'counts a membership written around the module for nothing, and Test-PimAuditLog reports it' {
        $null = Invoke-Sql -Store $script:GStore -Sql ("INSERT INTO group_members (group_id, member_key, member, added_by, added_utc) " +
            "VALUES ('$($script:Soc.Id)', 'mallory@contoso.com', 'mallory@contoso.com', 'admin@contoso.com', 0)")
        $null = Invoke-Sql -Store $script:GStore -Sql ("INSERT INTO groups (id, display_name, name_key, description, is_assignable_to_role, created_by, created_utc) " +
            "VALUES ('$([guid]::NewGuid())', 'Planted', 'planted', NULL, 1, 'admin@contoso.com', 0)")
        (Get-PimGroupMember -Group $script:Soc.Id).Principal | Should -Be 'user1@contoso.com'
        (Get-PimGroup).DisplayName | Should -Be 'Security Operations'
        # Test-PimAuditLog names both rows; taken out again, the store verifies.
        $check = Test-PimAuditLog
        $check.IsValid | Should -BeFalse
        ($check.Disagreements | Sort-Object Kind | ForEach-Object { '{0} {1}' -f $_.Kind, $_.Problem }) | Should -Be @('Group Unverified', 'GroupMember Unverified')
        $null = Invoke-Sql -Store $script:GStore -Sql "DELETE FROM group_members WHERE member_key = 'mallory@contoso.com'; DELETE FROM groups WHERE name_key = 'planted'"
        (Test-PimAuditLog).IsValid | Should -BeTrue
    }

    It 'grants a role through a group only by what it verified: a planted membership gives mallory nothing' {
        $null = New-PimActiveAssignment -Principal $script:Soc.Key -Role 'Security Reader' -Duration 30d -Justification 'the SOC holds it'
        Test-PimAccess -Principal 'user1@contoso.com' -Role 'Security Reader' | Should -BeTrue
        $null = Invoke-Sql -Store $script:GStore -Sql ("INSERT INTO group_members (group_id, member_key, member, added_by, added_utc) " +
            "VALUES ('$($script:Soc.Id)', 'mallory@contoso.com', 'mallory@contoso.com', 'admin@contoso.com', 0)")
        Test-PimAccess -Principal 'mallory@contoso.com' -Role 'Security Reader' | Should -BeFalse   # her row is not verified
        $null = Invoke-Sql -Store $script:GStore -Sql "DELETE FROM group_members WHERE member_key = 'mallory@contoso.com'"
        (Test-PimAuditLog).IsValid | Should -BeTrue
    }

    It 'seals each group change: the log verifies, and a new colleague sees the same groups' {
        Add-PimGroupMember -Group $script:Soc.Id -Principal 'user2@contoso.com'
        Remove-PimGroupMember -Group $script:Soc.Id -Principal 'user1@contoso.com' -Confirm:$false
        (Test-PimAuditLog).IsValid | Should -BeTrue
        # Without the checkpoint, the log is replayed from its genesis: the groups are what the sealed records make them.
        Disconnect-PimStore
        Get-ChildItem (Join-Path $TestDrive 'admin/PimModule/verified') -Filter '*.checkpoint*' | Remove-Item -Force
        $null = Connect-ModeStore -Store $script:GStore -Folder (Join-Path $TestDrive 'admin') -Mode Verified
        (Get-PimGroupMember -Group $script:Soc.Id).Principal | Should -Be 'user2@contoso.com'
    }
}
