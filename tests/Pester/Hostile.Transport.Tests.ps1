BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'SmtpSink.ps1')
    Import-Module $ModulePath -Force

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

Describe 'An SMTP login never travels without TLS (finding 7)' -Tag Hostile {
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
        @{ Name = 'a path whose folder is missing'; Connect = "-Path '<missing>'" }
    ) {
        $default = Join-Path $TestDrive ("default-{0}.db" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
        $connect = $Connect.Replace('<missing>', (Join-Path $TestDrive 'no-such-folder/pim.db'))
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
try { Connect-PimStore -Path '$(Join-Path $TestDrive 'no-such-folder/pim.db')' } catch { }
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
