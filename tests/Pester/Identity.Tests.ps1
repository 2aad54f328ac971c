# Verified stores: who acts is proven, not claimed. Every refusal asserts its error id and that the store did not move.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
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

    function Get-RawFingerprint {
        <# What must not move when something is refused, read around the module: the log, its seals and the bindings. #>
        param([Parameter(Mandatory)] [object] $Store)
        (Invoke-Sql -Store $Store -Sql "SELECT (SELECT COUNT(*) FROM audit_log) || '/' || (SELECT COALESCE(MAX(sequence), 0) FROM audit_log) || '/' || (SELECT COUNT(*) FROM seals) || '/' || (SELECT COUNT(*) FROM credentials) || '/' || (SELECT COUNT(*) FROM assignments) || '/' || COALESCE((SELECT hash FROM audit_log ORDER BY sequence DESC LIMIT 1), '')") -join ''
    }

    function Get-Refusal {
        param([Parameter(Mandatory)] [scriptblock] $Action)
        try { & $Action; $null } catch { $_ }
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
        $script = @"
`$env:XDG_DATA_HOME = '$(Join-Path $script:Users admin)'
Import-Module '$ModulePath'
Connect-PimStore $($store.ConnectArguments -replace '-IdentityMode Lab', '-IdentityMode Verified') -Principal admin@contoso.com
Revoke-PimCredential -Thumbprint $($store.User1Key.Thumbprint) -Confirm:`$false
"@
        Invoke-FreshPwsh -Script $script | Out-Null
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
        $cut = [long](Invoke-Sql -Store $store -Sql 'SELECT MAX(sequence) FROM audit_log') - 2
        $cutHash = (Invoke-Sql -Store $store -Sql "SELECT hash FROM audit_log WHERE sequence = $cut") -join ''
        # The attacker cuts the tail (the chain and its seals still hold on their own) ...
        Invoke-Sql -Store $store -Sql "DELETE FROM audit_log WHERE sequence > $cut; DELETE FROM seals WHERE to_sequence > $cut; UPDATE store_info SET value = '$cut' WHERE key = 'audit_head_sequence'; UPDATE store_info SET value = '$cutHash' WHERE key = 'audit_head_hash'" | Out-Null
        # ... and an honest administrator, who never saw the tail, writes past it.
        Use-TestUser admin-laptop
        Copy-Item (Join-Path $script:Users 'admin/PimModule/keys') (Join-Path $env:XDG_DATA_HOME 'PimModule/keys') -Recurse -Force
        Connect-Verified $store admin@contoso.com
        1..4 | ForEach-Object { New-PimRole -Name "Grown $_" | Out-Null }
        (Test-PimAuditLog).IsValid | Should -BeTrue
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
