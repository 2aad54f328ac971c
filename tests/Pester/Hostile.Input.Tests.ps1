# Hostile input (issue 11, findings 5, 6, 12, 15, 17): look-alike principals, input that is too long or holds control
# characters, empty scopes, out-of-range times and durations, and local times. Each attack runs as the attacker in a
# fresh pwsh against a store set up by the victim; the test asserts the error id and that the store did not change.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force

    function Invoke-Attack {
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
}

Describe 'Look-alike principals: the Kelvin sign is not K' -Tag Hostile {
    BeforeEach {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None -RequireJustification $false -RequireApproval $true -Approvers 'kate@contoso.com'
        $script:fp = Get-StoreFingerprint
    }

    It 'refuses the look-alike as a principal, so kate cannot approve her own request into the role' -Tag Hostile {
        $k = $script:Kelvin
        # Step 1, as an administrator (or a CSV import): make 'Kate' with the Kelvin sign eligible.
        $step1 = Invoke-Attack -Principal 'admin@contoso.com' -Script @"
Attempt { New-PimEligibleAssignment -Principal '${k}ate@contoso.com' -Role 'Security Reader' }
Attempt { [pscustomobject]@{ Principal = '${k}ate@contoso.com'; Role = 'Security Reader' } | New-PimEligibleAssignment }
"@
        $step1 | Should -Be @('ERR:PimPrincipalInvalid', 'ERR:PimPrincipalInvalid')
        # Step 2, as the look-alike: act and request. Step 3, as kate: approve what is pending, then hold the role.
        $step2 = Invoke-Attack -Principal "${k}ate@contoso.com" -Script "Attempt { Request-PimActivation -Role 'Security Reader' }"
        $step2 | Should -Be 'CONNECT:PimPrincipalInvalid'
        $step3 = Invoke-Attack -Principal 'kate@contoso.com' -Script @"
Attempt { Get-PimRequest -PendingMyApproval | Approve-PimRequest -Justification 'looks fine' }
(Test-PimAccess -Principal 'kate@contoso.com' -Role 'Security Reader').ToString()
"@
        $step3 | Should -Be @('ok', 'False')
        Test-PimAccess -Principal 'kate@contoso.com' -Role 'Security Reader' | Should -BeFalse
        Get-StoreFingerprint | Should -Be $script:fp
    }

    It 'says that user principal names are ASCII, and refuses look-alike approvers and recipients' -Tag Hostile {
        $k = $script:Kelvin
        $out = Invoke-Attack -Principal 'admin@contoso.com' -Script @"
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

Describe 'Input limits: lengths and control characters' -Tag Hostile {
    BeforeEach {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' | Out-Null
        $script:fp = Get-StoreFingerprint
    }

    It 'refuses a 10 MB justification (PimInputTooLong) without echoing it' -Tag Hostile {
        $out = Invoke-Attack -Principal 'user1@contoso.com' -Script @"
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
        $out = Invoke-Attack -Principal 'admin@contoso.com' -Script @"
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
        $out = Invoke-Attack -Principal 'user1@contoso.com' -Script @"
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
        $out = Invoke-Attack -Principal 'user1@contoso.com' -Script @"
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
        $out = Invoke-Attack -Principal 'admin@contoso.com' -Script @"
Attempt { Import-Csv '$csv' | New-PimEligibleAssignment }
(Get-PimAssignment -Type Eligible | Sort-Object Principal).Principal -join ','
"@
        $out | Should -Be @('ERR:PimInputTooLong', 'user1@contoso.com,user2@contoso.com,user4@contoso.com')
    }
}

Describe 'Empty scopes are refused, not taken as the whole directory' -Tag Hostile {
    BeforeEach {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None -RequireJustification $false
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' -Scope '/administrativeUnits/emea' | Out-Null
        $script:fp = Get-StoreFingerprint
    }

    It 'refuses -Scope '''' on New-PimEligibleAssignment, Request-PimActivation and Test-PimAccess (PimScopeInvalid)' -Tag Hostile {
        $admin = Invoke-Attack -Principal 'admin@contoso.com' -Script @"
Attempt { New-PimEligibleAssignment -Principal 'user2@contoso.com' -Role 'Security Reader' -Scope '' }
Attempt { New-PimActiveAssignment -Principal 'user2@contoso.com' -Role 'Security Reader' -Scope ' ' -Justification 'x' }
Attempt { Test-PimAccess -Principal 'user1@contoso.com' -Role 'Security Reader' -Scope '' }
"@
        $admin | Should -Be @('ERR:PimScopeInvalid', 'ERR:PimScopeInvalid', 'ERR:PimScopeInvalid')
        $user = Invoke-Attack -Principal 'user1@contoso.com' -Script "Attempt { Request-PimActivation -Role 'Security Reader' -Scope '' }"
        $user | Should -Be 'ERR:PimScopeInvalid'
        Get-StoreFingerprint | Should -Be $script:fp
    }

    It 'refuses a blank Scope cell in a CSV; a CSV without a Scope column means /' -Tag Hostile {
        $blank = Join-Path $TestDrive 'blank-scope.csv'
        "Principal,Role,Scope`nuser2@contoso.com,Security Reader,`n" | Set-Content $blank
        $out = Invoke-Attack -Principal 'admin@contoso.com' -Script "Attempt { Import-Csv '$blank' | New-PimEligibleAssignment }"
        $out | Should -Be 'ERR:PimScopeInvalid'
        Get-StoreFingerprint | Should -Be $script:fp

        $none = Join-Path $TestDrive 'no-scope.csv'
        "Principal,Role`nuser3@contoso.com,Security Reader`n" | Set-Content $none
        $out = Invoke-Attack -Principal 'admin@contoso.com' -Script "Attempt { Import-Csv '$none' | New-PimEligibleAssignment }"
        $out | Should -Be 'ok'
        (Get-PimAssignment -Principal 'user3@contoso.com').Scope | Should -Be '/'
    }
}

Describe 'Out-of-range times and durations' -Tag Hostile {
    BeforeEach {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None -RequireJustification $false
        New-PimEligibleAssignment -Principal 'user1@contoso.com' -Role 'Security Reader' | Out-Null
        $script:fp = Get-StoreFingerprint
    }

    It 'refuses TimeSpan.MaxValue, a start in 9999 and DateTime.MinValue with PimDurationInvalid / PimDateTimeInvalid' -Tag Hostile {
        $admin = Invoke-Attack -Principal 'admin@contoso.com' -Script @"
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
        $user = Invoke-Attack -Principal 'user1@contoso.com' -Script @"
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
        $out = Invoke-Attack -Principal 'admin@contoso.com' -Script @"
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

Describe 'A DateTime of Kind Unspecified is local time' -Tag Hostile {
    It 'stores an unspecified -StartDateTime as the local time it is, converted to UTC' -Tag Hostile {
        $null = Connect-TestStore -Principal 'admin@contoso.com'
        # Tokyo is UTC+9 all year: 09:00 local on 2030-01-01 is 00:00 UTC.
        $out = Invoke-Attack -Principal 'admin@contoso.com' -Environment @{ TZ = 'Asia/Tokyo' } -Script @"
Attempt { New-PimEligibleAssignment -Principal 'user2@contoso.com' -Role 'Security Reader' -StartDateTime ([datetime]::new(2030, 1, 1, 9, 0, 0)) -Duration 30d }
"@
        $out | Should -Be 'ok'
        $a = Get-PimAssignment -Principal 'user2@contoso.com' -State All
        $a.StartDateTime | Should -Be ([datetime]::new(2030, 1, 1, 0, 0, 0, [DateTimeKind]::Utc))
        $a.StartDateTime.Kind | Should -Be 'Utc'
    }
}
