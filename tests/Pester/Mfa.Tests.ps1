# MFA that a person can set up and a demo can run (issue 26): Register-PimMfaMethod's QR code, Get-PimMfaCode, and the
# reused code's message. The code checks themselves (lockout, skew, audit) are in Activation.Tests.ps1 and Hostile.Tests.ps1.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force

    function Split-Stream {
        <# The output objects and the information records of a command run with 6>&1. #>
        param([object[]] $All)
        [pscustomobject]@{
            Output      = @($All | Where-Object { $_ -isnot [System.Management.Automation.InformationRecord] })
            Information = @($All | Where-Object { $_ -is [System.Management.Automation.InformationRecord] })
        }
    }

    function Use-OwnUserFolder {
        <# This test's own PimModule folder (keys, known stores), as one person on one machine. #>
        $env:XDG_DATA_HOME = Join-Path $TestDrive ("user-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path $env:XDG_DATA_HOME -Force
    }

    function Connect-VerifiedTestStore {
        <# A new Verified store made by admin@contoso.com (who holds a key in this test's folder): its first administrator. #>
        Use-OwnUserFolder
        $store = New-TestStore
        if ($store.Provider -eq 'PostgreSql') { Connect-PimStore -ConnectionString $store.ConnectionString -Provider PostgreSql -Principal admin@contoso.com -IdentityMode Verified }
        else { Connect-PimStore -Path $store.Path -Principal admin@contoso.com -IdentityMode Verified }
        $global:PimTestStore = $store
        $store
    }

    function Get-RawCount {
        <# Read around the module: the audit log and the MFA rows, which a refused read must leave as they were. #>
        param([Parameter(Mandatory)] [object] $Store)
        (Invoke-Sql -Store $Store -Sql "SELECT (SELECT COUNT(*) FROM audit_log) || '/' || (SELECT COUNT(*) FROM mfa_methods) || '/' || (SELECT COALESCE(SUM(failed_count), 0) FROM mfa_methods) || '/' || (SELECT COALESCE(SUM(last_step), 0) FROM mfa_methods)") -join ''
    }

    $script:SavedDataHome = $env:XDG_DATA_HOME
}
AfterAll { $env:XDG_DATA_HOME = $script:SavedDataHome }

Describe 'Register-PimMfaMethod shows a QR code' -Tag Mfa {
    BeforeEach { $null = Connect-TestStore -Principal 'admin@contoso.com' }

    It 'writes it to the host (information stream, tagged PSHOST) black on white, and only the registration to the output' {
        $r = Split-Stream @(Register-PimMfaMethod 6>&1)
        $r.Output.Count | Should -Be 1
        $r.Output[0] | Should -BeOfType ([PimModule.PimMfaRegistration])
        $r.Output[0].Uri | Should -BeLike 'otpauth://totp/PimModule:admin%40contoso.com?secret=*'
        $r.Information.Count | Should -BeGreaterThan 20
        $r.Information | ForEach-Object { $_.Tags | Should -Contain 'PSHOST' }
        $r.Information[0].MessageData.Message | Should -BeLike 'Scan this QR code with an authenticator app*admin@contoso.com*'
        $qr = @($r.Information | Select-Object -Skip 1 | ForEach-Object { $_.MessageData })
        $qr | ForEach-Object { $_ | Should -BeOfType ([System.Management.Automation.HostInformationMessage]) }
        $qr | ForEach-Object { $_.ForegroundColor | Should -Be 'Black'; $_.BackgroundColor | Should -Be 'White' }
        $lines = @($qr.Message)
        @($lines | ForEach-Object Length | Sort-Object -Unique).Count | Should -Be 1   # a rectangle
        # Half blocks on a UTF-8 terminal, else '#' (this run's output may be either): both draw the finder pattern's dark top row.
        $joined = $lines -join "`n"
        ($joined -match '^[#\s]+$' -or $joined -match "^[\s$([char]0x2580)$([char]0x2584)$([char]0x2588)]+$") | Should -BeTrue
        $lines | Where-Object { $_.Trim() } | Select-Object -First 1 | Should -Match "(#{14}|$([char]0x2588)$([char]0x2580){5}$([char]0x2588))"
    }

    It 'is shown when the output is assigned, and never carries the secret or the URI as text' {
        $mfa = Register-PimMfaMethod -Force -InformationVariable shown 6>$null
        @($mfa).Count | Should -Be 1
        $mfa | Should -BeOfType ([PimModule.PimMfaRegistration])
        $shown.Count | Should -BeGreaterThan 20
        $text = ($shown | ForEach-Object { "$($_.MessageData)" }) -join "`n"
        $text | Should -Not -Match ([regex]::Escape($mfa.Secret))
        $text | Should -Not -Match 'otpauth|secret='
        $verbose = (Register-PimMfaMethod -Force -Verbose 4>&1 6>$null | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }) -join "`n"
        $verbose | Should -Not -Match 'otpauth|secret='
    }

    It 'shows nothing for -WhatIf, and is silenced by -InformationAction Ignore' {
        $r = Split-Stream @(Register-PimMfaMethod -Force -WhatIf 6>&1)
        $r.Information | Should -BeNullOrEmpty
        $r.Output | Should -BeNullOrEmpty
        (Split-Stream @(Register-PimMfaMethod -Force 6>&1)).Information.Count | Should -BeGreaterThan 20
        $r = Split-Stream @(Register-PimMfaMethod -Force -InformationAction Ignore 6>&1)
        $r.Information | Should -BeNullOrEmpty
        $r.Output.Count | Should -Be 1
    }

    It 'draws with QRCoder loaded from Dependencies/ in the module''s load context, which the module''s root does not hold' {
        Register-PimMfaMethod -Force 6>$null | Out-Null
        $qrcoder = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'QRCoder' }
        @($qrcoder).Count | Should -Be 1
        [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($qrcoder).Name | Should -Be 'PimModule'
        $qrcoder.Location | Should -Be (Join-Path $ModulePath 'Dependencies/QRCoder.dll')
        Test-Path (Join-Path $ModulePath 'QRCoder.dll') | Should -BeFalse
        # Its image renderers' System.Drawing.Common is not shipped: the engine draws text only.
        Get-ChildItem $ModulePath -Recurse -Filter 'System.Drawing*.dll' | Should -BeNullOrEmpty
    }
}

Describe 'Get-PimMfaCode -Uri and -Secret' -Tag Mfa {
    It 'computes the code the store accepts: an activation in a Verified store' {
        $null = Connect-VerifiedTestStore
        New-PimEligibleAssignment -Principal admin@contoso.com -Role 'Security Reader' -Justification 'JIT' | Out-Null
        $mfa = Register-PimMfaMethod 6>$null
        $code = Get-PimMfaCode -Uri $mfa.Uri
        $code | Should -BeOfType ([string])
        $code | Should -Match '^\d{6}$'
        (Request-PimActivation -Role 'Security Reader' -Justification 'alert 4711' -MfaCode $code).Status | Should -Be 'Provisioned'
    }

    It 'computes the same code from -Secret and from a piped registration, and a Lab store accepts it' {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        Set-PimRoleSetting -Role 'Global Reader' -ActivationRequirement Mfa
        'user1@contoso.com', 'user2@contoso.com' | ForEach-Object {
            New-PimEligibleAssignment -Principal $_ -Role 'Global Reader' -Justification 'JIT' | Out-Null
        }
        Connect-PimStore -Principal user1@contoso.com
        $mfa1 = Register-PimMfaMethod 6>$null
        (Request-PimActivation -Role 'Global Reader' -Justification 'x' -MfaCode (Get-PimMfaCode -Secret $mfa1.Secret)).Status | Should -Be 'Provisioned'
        Connect-PimStore -Principal user2@contoso.com
        $mfa2 = Register-PimMfaMethod 6>$null
        (Request-PimActivation -Role 'Global Reader' -Justification 'x' -MfaCode ($mfa2 | Get-PimMfaCode)).Status | Should -Be 'Provisioned'
        # The same step gives the same code by any route (retried once if a 30-second step began in between).
        foreach ($try in 1..2) {
            $codes = @(Get-PimMfaCode -Uri $mfa2.Uri; $mfa2 | Get-PimMfaCode; $mfa2.Uri | Get-PimMfaCode; Get-PimMfaCode -Secret $mfa2.Secret; Get-PimMfaCode -Secret $mfa2.Secret.ToLowerInvariant())
            if (@($codes | Sort-Object -Unique).Count -eq 1) { break }
        }
        @($codes | Sort-Object -Unique).Count | Should -Be 1
    }

    It 'needs no store: it works where none is connected, and never opens or creates the default one' {
        $folder = Join-Path $TestDrive ("nostore-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path $folder
        $default = Join-Path $folder 'default.db'
        $out = Invoke-FreshPwsh -Environment @{ PIM_STORE_PATH = $default; PIM_STORE_CONNECTION = $null; XDG_DATA_HOME = $folder } -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
Get-PimMfaCode -Uri 'otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DP&issuer=Example'
Get-PimMfaCode -Secret 'JBSWY3DPEHPK3PXPJBSWY3DP'
'default store: ' + (Test-Path '$default')
Set-Content -LiteralPath '$folder/not-a-store.db' -Value 'this is not a database'
try { Connect-PimStore -Path '$folder/not-a-store.db' -IdentityMode Lab } catch { 'connect failed: ' + `$_.FullyQualifiedErrorId }
Get-PimMfaCode -Secret 'JBSWY3DPEHPK3PXPJBSWY3DP'
try { Get-PimStore } catch { `$_.FullyQualifiedErrorId }
'default store: ' + (Test-Path '$default')
"@
        $out[0] | Should -Match '^\d{6}$'
        $out[1] | Should -Match '^\d{6}$'
        $out | Should -Contain 'default store: False'
        $out | Where-Object { $_ -like 'connect failed: *' } | Should -Not -BeNullOrEmpty
        $out | Where-Object { $_ -match '^PimNotConnected,' } | Should -Not -BeNullOrEmpty
        @($out | Where-Object { $_ -match '^\d{6}$' }).Count | Should -Be 3
        Test-Path $default | Should -BeFalse
    }

    It 'honours the URI''s digits, period and algorithm' {
        $uri = 'otpauth://totp/Example:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA&issuer=Example&algorithm=SHA256&digits=8&period=60'
        Get-PimMfaCode -Uri $uri | Should -Match '^\d{8}$'
    }

    It 'refuses <Name> with <Id>, never repeating the secret' -ForEach @(
        @{ Name = 'a character that is not base32'; Parameter = 'Uri'; Value = 'otpauth://totp/x?secret=KVW4W6EYFNI3DT6WV7DKMILFPZ35U7E0'; Id = 'PimInputInvalid' }
        @{ Name = 'a URI that is not otpauth://'; Parameter = 'Uri'; Value = 'https://example.com/?secret=KVW4W6EYFNI3DT6WV7DKMILFPZ35U7EO'; Id = 'PimInputInvalid' }
        @{ Name = 'an HOTP URI'; Parameter = 'Uri'; Value = 'otpauth://hotp/x?secret=KVW4W6EYFNI3DT6WV7DKMILFPZ35U7EO&counter=0'; Id = 'PimInputInvalid' }
        @{ Name = 'an algorithm it does not compute'; Parameter = 'Uri'; Value = 'otpauth://totp/x?secret=KVW4W6EYFNI3DT6WV7DKMILFPZ35U7EO&algorithm=MD5'; Id = 'PimInputInvalid' }
        @{ Name = 'ten digits'; Parameter = 'Uri'; Value = 'otpauth://totp/x?secret=KVW4W6EYFNI3DT6WV7DKMILFPZ35U7EO&digits=10'; Id = 'PimInputInvalid' }
        @{ Name = 'a control character'; Parameter = 'Uri'; Value = "otpauth://totp/x?secret=KVW4W6EYFNI3DT6WV7DKMILFPZ35U7EO`n"; Id = 'PimInputInvalid' }
        @{ Name = 'a URI too long'; Parameter = 'Uri'; Value = 'otpauth://totp/x?secret=KVW4W6EYFNI3DT6WV7DKMILFPZ35U7EO&issuer=' + ('a' * 3000); Id = 'PimInputTooLong' }
        @{ Name = 'a secret that is not base32'; Parameter = 'Secret'; Value = 'KVW4W6EYFNI3DT6WV7DKMILFPZ35U7E1'; Id = 'PimInputInvalid' }
        @{ Name = 'a secret too short'; Parameter = 'Secret'; Value = 'KVW4W6EYFNI3DT6'; Id = 'PimInputInvalid' }
        @{ Name = 'a secret too long'; Parameter = 'Secret'; Value = 'KVW4W6EYFNI3DT6WV7DKMILFPZ35U7EO' * 9; Id = 'PimInputTooLong' }
        @{ Name = 'an empty secret'; Parameter = 'Secret'; Value = ''; Id = 'PimInputInvalid' }
        @{ Name = 'a null URI'; Parameter = 'Uri'; Value = $null; Id = 'PimInputInvalid' }
    ) {
        $p = @{ $Parameter = $Value }
        { Get-PimMfaCode @p } | Should -Throw -ErrorId "$Id,PimModule.Cmdlets.GetPimMfaCodeCommand"
        $e = Get-Refusal { Get-PimMfaCode @p }
        $e.CategoryInfo.Category | Should -BeIn @('InvalidArgument', 'LimitsExceeded')
        $e.TargetObject | Should -Be $Parameter
        $e.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        $shown = ($e | Format-List * -Force | Out-String) + ($e.Exception | Format-List * -Force | Out-String) + $e.ErrorDetails.RecommendedAction
        $shown | Should -Not -Match 'KVW4W6EY'
        $shown | Should -Not -Match 'otpauth://totp/x'
    }
}

Describe 'Get-PimMfaCode -Principal' -Tag Mfa {
    It 'gives a Lab store''s copy of the code to oneself and to an administrator, and the store accepts it' {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        New-PimEligibleAssignment -Principal user1@contoso.com -Role 'Security Reader' -Justification 'JIT' | Out-Null
        $mfa = Register-PimMfaMethod -Principal user1@contoso.com 6>$null
        $byAdmin = Get-PimMfaCode -Principal user1@contoso.com
        $byAdmin | Should -BeOfType ([string])
        $byAdmin | Should -BeIn @((Get-PimMfaCode -Uri $mfa.Uri), (Get-TotpCode -Secret $mfa.Secret -At ([datetime]::UtcNow.AddSeconds(-2))))
        Connect-PimStore -Principal user2@contoso.com
        { Get-PimMfaCode -Principal user1@contoso.com } | Should -Throw -ErrorId 'PimNotAuthorized,PimModule.Cmdlets.GetPimMfaCodeCommand'
        Connect-PimStore -Principal user1@contoso.com
        (Request-PimActivation -Role 'Security Reader' -Justification 'demo' -MfaCode (Get-PimMfaCode -Principal user1@contoso.com)).Status | Should -Be 'Provisioned'
        { Get-PimMfaCode -Principal user3@contoso.com } | Should -Throw -ErrorId 'PimNotAuthorized,PimModule.Cmdlets.GetPimMfaCodeCommand'
        Connect-PimStore -Principal admin@contoso.com
        { Get-PimMfaCode -Principal user3@contoso.com } | Should -Throw -ErrorId 'PimMfaNotRegistered,PimModule.Cmdlets.GetPimMfaCodeCommand'
        { Get-PimMfaCode -Principal "user1@contoso.com`0" } | Should -Throw -ErrorId 'PimPrincipalInvalid,PimModule.Cmdlets.GetPimMfaCodeCommand'
    }

    It 'is refused in a Verified store (PimMfaCodeUnavailable), even for one''s own code, and leaves the store as it was' {
        $store = Connect-VerifiedTestStore
        $mfa = Register-PimMfaMethod 6>$null
        $fingerprint = Get-StoreFingerprint
        $raw = Get-RawCount $store
        { Get-PimMfaCode -Principal admin@contoso.com } | Should -Throw -ErrorId 'PimMfaCodeUnavailable,PimModule.Cmdlets.GetPimMfaCodeCommand'
        $e = Get-Refusal { Get-PimMfaCode -Principal user1@contoso.com }
        $e.FullyQualifiedErrorId | Should -Be 'PimMfaCodeUnavailable,PimModule.Cmdlets.GetPimMfaCodeCommand'
        $e.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $e.TargetObject | Should -Be 'user1@contoso.com'
        $e.ErrorDetails.RecommendedAction | Should -Match 'authenticator app'
        $e.ErrorDetails.RecommendedAction | Should -Match ([regex]::Escape('Get-PimMfaCode -Uri $mfa.Uri'))
        $e.ErrorDetails.RecommendedAction | Should -Match 'Register-PimMfaMethod'
        (Get-Refusal { Get-PimMfaCode -Principal admin@contoso.com }) | Out-String | Should -Not -Match ([regex]::Escape($mfa.Secret))
        Get-StoreFingerprint | Should -Be $fingerprint
        Get-RawCount $store | Should -Be $raw
        # The URI the principal holds still works there.
        Get-PimMfaCode -Uri $mfa.Uri | Should -Match '^\d{6}$'
    }
}

Describe 'A reused code' -Tag Mfa, TestClock {
    BeforeAll { $script:T0 = [datetime]::new(2026, 4, 6, 8, 0, 10, [DateTimeKind]::Utc) }
    AfterAll { Set-TestClock -Reset }

    It 'is refused with the UTC time the next code is valid and the seconds to wait; that code then passes' {
        Set-TestClock $T0
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        'Security Reader', 'Global Reader' | ForEach-Object { New-PimEligibleAssignment -Principal user1@contoso.com -Role $_ -Justification 'JIT' | Out-Null }
        Set-PimRoleSetting -Role 'Global Reader' -ActivationRequirement Mfa
        Connect-PimStore -Principal user1@contoso.com
        $mfa = Register-PimMfaMethod 6>$null
        $code = Get-PimMfaCode -Uri $mfa.Uri
        $code | Should -Be (Get-TotpCode -Secret $mfa.Secret -At $T0)   # Get-PimMfaCode reads the module's clock, as the store does
        (Request-PimActivation -Role 'Security Reader' -Justification 'x' -MfaCode $code).Status | Should -Be 'Provisioned'
        Set-TestClock $T0.AddSeconds(5)
        $before = Get-PimStore
        $e = Get-Refusal { Request-PimActivation -Role 'Global Reader' -Justification 'same code' -MfaCode (Get-PimMfaCode -Uri $mfa.Uri) }
        $e.FullyQualifiedErrorId | Should -Be 'PimMfaCodeReused,PimModule.Cmdlets.RequestPimActivationCommand'
        $e.Exception.Message | Should -BeLike '*The next code is valid from 2026-04-06 08:00:30Z (15 seconds from now)*'
        $e.ErrorDetails.RecommendedAction | Should -BeLike 'Wait until 2026-04-06 08:00:30Z (15 seconds)*Get-PimMfaCode*'
        $e.Exception.Message | Should -Not -Match $code
        (Get-PimStore).AuditRecordCount | Should -Be ($before.AuditRecordCount + 1)   # the refused code's MfaFailed, as before
        Set-TestClock $T0.AddSeconds(20)
        $next = Get-PimMfaCode -Uri $mfa.Uri
        $next | Should -Not -Be $code
        (Request-PimActivation -Role 'Global Reader' -Justification 'next code' -MfaCode $next).Status | Should -Be 'Provisioned'
    }
}
