<#
    Onboarding people to a Verified store (issue 26): the person makes a key once per machine and hands over its public
    half (Export-PimCredential); the administrator registers that file (Register-PimCredential -PublicKeyPath); a private
    key handed over instead is refused and never repeated; a refusal for a missing or unregistered key names both steps;
    one key serves several stores. Every store here is Verified (identity is the point), on the active provider.
#>
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $script:SavedData = $env:XDG_DATA_HOME

    function New-Person {
        <# A person with a machine of their own: a HOME and an XDG_DATA_HOME (key folder, known stores) under $TestDrive. #>
        param([Parameter(Mandatory)] [string] $Name)
        $root = Join-Path $TestDrive ("people-{0}/{1}" -f [guid]::NewGuid().ToString('N').Substring(0, 8), $Name)
        $person = [pscustomobject]@{ Name = $Name; Home = (Join-Path $root 'home'); Data = (Join-Path $root 'data') }
        $null = New-Item -ItemType Directory -Path $person.Home, $person.Data -Force
        $person
    }

    function Use-Person {
        <# This process acts as the person: their key folder and known-stores file. #>
        param([Parameter(Mandatory)] [object] $Person)
        $env:XDG_DATA_HOME = $Person.Data
    }

    function Invoke-AsPerson {
        <# The person's own fresh pwsh (their HOME and XDG_DATA_HOME, no default store): -Script after Import-Module. #>
        param([Parameter(Mandatory)] [object] $Person, [Parameter(Mandatory)] [string] $Script)
        Invoke-FreshPwsh -Environment @{ HOME = $Person.Home; XDG_DATA_HOME = $Person.Data; PIM_STORE_PATH = $null; PIM_STORE_CONNECTION = $null; PIM_SECRET_KEY = $null } -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
$Script
"@
    }

    function Get-StoreArgument {
        <# Connect-PimStore's store arguments for a fresh pwsh script (no identity mode: a new store is Verified). #>
        param([Parameter(Mandatory)] [object] $Store)
        if ($Store.Provider -eq 'PostgreSql') { "-ConnectionString '$($Store.ConnectionString)' -Provider PostgreSql" } else { "-Path '$($Store.Path)'" }
    }

    function Connect-Verified {
        <# Connect-PimStore in this process, in Verified mode, as a principal (with the key folder of the person in use). #>
        param([Parameter(Mandatory)] [object] $Store, [Parameter(Mandatory)] [string] $Principal)
        if ($Store.Provider -eq 'PostgreSql') { Connect-PimStore -ConnectionString $Store.ConnectionString -Provider PostgreSql -Principal $Principal -IdentityMode Verified }
        else { Connect-PimStore -Path $Store.Path -Principal $Principal -IdentityMode Verified }
    }

    function Get-PemBody {
        <# The base64 lines of a PEM text (what must never be repeated when it is a private key). #>
        param([Parameter(Mandatory)] [string] $Pem)
        @($Pem -split '\r?\n' | Where-Object { $_ -and $_ -notmatch '^-----' } | ForEach-Object Trim)
    }
}

AfterAll {
    $env:XDG_DATA_HOME = $script:SavedData
}

Describe 'Onboarding a second person across machines' -Tag Onboarding {
    It 'lets a person whose key was made in another XDG_DATA_HOME, exported and registered from the file, connect and activate' {
        $store = New-TestStore
        $at = Get-StoreArgument $store
        $admin = New-Person admin
        $bob = New-Person bob
        $exchange = Join-Path $TestDrive ("exchange-{0}" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path $exchange
        $file = Join-Path $exchange 'bob@contoso.com.pem'

        # The administrator creates the store (their key is its root) and makes bob eligible.
        Invoke-AsPerson $admin @"
Connect-PimStore $at -Principal admin@contoso.com
New-PimEligibleAssignment -Principal bob@contoso.com -Role 'Security Reader' -Permanent -Justification 'On call' | Out-Null
Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None
"@ | Out-Null

        # bob, on his machine: a key, its public half in a file; before it is registered, the store refuses him and says what to do.
        $out = Invoke-AsPerson $bob @"
New-PimCredential -Principal bob@contoso.com | Out-Null
Export-PimCredential -Principal bob@contoso.com -Path '$file'
try { Connect-PimStore $at -Principal bob@contoso.com } catch { 'refused=' + `$_.FullyQualifiedErrorId; 'action=' + `$_.ErrorDetails.RecommendedAction }
"@
        $out | Should -Contain 'refused=PimCredentialNotRegistered,PimModule.Cmdlets.ConnectPimStoreCommand'
        $action = ($out | Where-Object { $_ -like 'action=*' }) -join ''
        $action | Should -BeLike '*Export-PimCredential -Principal bob@contoso.com -Path bob@contoso.com.pem*'
        $action | Should -BeLike '*Register-PimCredential -Principal bob@contoso.com -PublicKeyPath bob@contoso.com.pem*'
        $text = Get-Content -LiteralPath $file -Raw
        $text | Should -Match '^-----BEGIN PUBLIC KEY-----'
        $text | Should -Not -Match 'PRIVATE'
        Join-Path $admin.Data 'PimModule/keys/bob@contoso.com.pem' | Should -Not -Exist

        # The administrator, in their own pwsh, registers the file bob handed over.
        $out = Invoke-AsPerson $admin @"
Connect-PimStore $at -Principal admin@contoso.com
(Register-PimCredential -Principal bob@contoso.com -PublicKeyPath '$file').State
"@
        $out | Should -Be 'Active'

        # bob, in his own pwsh, connects to the same store with his key and activates the role he is eligible for.
        $out = Invoke-AsPerson $bob @"
Connect-PimStore $at -Principal bob@contoso.com
(Request-PimActivation -Role 'Security Reader' -Justification 'Investigating an alert').Status
'access=' + (Test-PimAccess -Principal bob@contoso.com -Role 'Security Reader')
'actor=' + (Get-PimAuditLog | Select-Object -Last 1).Actor
'valid=' + (Test-PimAuditLog).IsValid
"@
        $out | Should -Contain 'Provisioned'
        $out | Should -Contain 'access=True'
        $out | Should -Contain 'actor=bob@contoso.com'
        $out | Should -Contain 'valid=True'
    }
}

Describe 'Export-PimCredential' -Tag Onboarding {
    BeforeAll {
        $script:Person = New-Person user1
        Use-Person $Person
        $script:Made = New-PimCredential -Principal user1@contoso.com
    }

    It 'prints the public key as PEM text, never the private key' {
        $pem = Export-PimCredential -Principal user1@contoso.com
        $pem | Should -BeOfType [string]
        $pem | Should -Match '^-----BEGIN PUBLIC KEY-----\r?\n'
        $pem | Should -Match '-----END PUBLIC KEY-----$'
        $pem | Should -Not -Match 'PRIVATE'
        $pem | Should -Be $Made.PublicKey
        $pem.Principal | Should -Be 'user1@contoso.com'
        $pem.Thumbprint | Should -Be $Made.Thumbprint
        foreach ($line in Get-PemBody (Get-Content -LiteralPath $Made.Path -Raw)) { $pem | Should -Not -Match ([regex]::Escape($line)) }
    }

    It 'exports the acting principal''s key by default, as New-PimCredential makes it' {
        $out = Invoke-AsPerson $Person @"
New-PimCredential | Out-Null
`$pem = Export-PimCredential
'principal=' + `$pem.Principal
'pem=' + (`$pem -match '^-----BEGIN PUBLIC KEY-----')
"@
        $out | Should -Contain "principal=$([Environment]::UserName)"
        $out | Should -Contain 'pem=True'
    }

    It 'writes -Path as a 0600 file, refuses to replace it without -Force, and -PassThru returns it' {
        $file = Join-Path $TestDrive ("user1-{0}.pem" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
        Export-PimCredential -Principal user1@contoso.com -Path $file | Should -BeNullOrEmpty
        $text = Get-Content -LiteralPath $file -Raw
        $text.Trim() | Should -Be $Made.PublicKey
        $text | Should -Not -Match 'PRIVATE'
        if (-not $IsWindows) { [Convert]::ToString([int][IO.File]::GetUnixFileMode($file), 8) | Should -Be '600' }
        { Export-PimCredential -Principal user1@contoso.com -Path $file } | Should -Throw -ErrorId 'PimFileExists,PimModule.Cmdlets.ExportPimCredentialCommand'
        Set-Content -LiteralPath $file -Value 'old'
        if (-not $IsWindows) { [IO.File]::SetUnixFileMode($file, [IO.UnixFileMode]'UserRead, UserWrite, GroupRead, OtherRead') }
        (Export-PimCredential -Principal user1@contoso.com -Path $file -Force -PassThru).FullName | Should -Be $file
        (Get-Content -LiteralPath $file -Raw).Trim() | Should -Be $Made.PublicKey
        if (-not $IsWindows) { [Convert]::ToString([int][IO.File]::GetUnixFileMode($file), 8) | Should -Be '600' }
    }

    It 'never writes over the private key''s own file' {
        $before = Get-Content -LiteralPath $Made.Path -Raw
        { Export-PimCredential -Principal user1@contoso.com -Path $Made.Path -Force } | Should -Throw -ErrorId 'PimInputValueInvalid,PimModule.Cmdlets.ExportPimCredentialCommand'
        Get-Content -LiteralPath $Made.Path -Raw | Should -Be $before
    }

    It 'never writes over the private key''s own file reached through a linked folder (hostile review F1)' -Tag Hostile {
        if ($IsWindows) { Set-ItResult -Skipped -Because 'symbolic links to folders (Unix)' }
        # The person's data folder is reached through a link (XDG_DATA_HOME=<link>); -Path names the key by the real folder.
        $real = Join-Path $TestDrive ("real-{0}" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
        $link = "$real-link"
        $null = New-Item -ItemType Directory -Path $real
        $null = New-Item -ItemType SymbolicLink -Path $link -Target $real
        $out = Invoke-FreshPwsh -AllowFailure -Environment @{ XDG_DATA_HOME = $link; PIM_STORE_PATH = $null; PIM_STORE_CONNECTION = $null } -Script @"
Import-Module '$ModulePath'
`$made = New-PimCredential -Principal linked@contoso.com
'made=' + `$made.Path
try { Export-PimCredential -Principal linked@contoso.com -Path '$real/PimModule/keys/linked@contoso.com.pem' -Force -ErrorAction Stop; 'export|ran' } catch { 'export|' + `$_.FullyQualifiedErrorId }
"@
        $out | Should -Contain 'export|PimInputValueInvalid,PimModule.Cmdlets.ExportPimCredentialCommand'
        Get-Content -LiteralPath "$real/PimModule/keys/linked@contoso.com.pem" -Raw | Should -Match 'PRIVATE KEY'
    }

    It 'reads an encrypted key with -Passphrase, and says to give it without' {
        $pass = ConvertTo-SecureString 'correct horse battery staple' -AsPlainText -Force
        $keyFile = Join-Path $TestDrive ("enc-{0}.pem" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
        $made = New-PimCredential -Principal user2@contoso.com -Path $keyFile -Passphrase $pass
        $e = Get-Refusal { Export-PimCredential -Principal user2@contoso.com -CredentialPath $keyFile }
        $e.FullyQualifiedErrorId | Should -Be 'PimCredentialPassphraseInvalid,PimModule.Cmdlets.ExportPimCredentialCommand'
        $e.ErrorDetails.RecommendedAction | Should -BeLike '*-Passphrase*'
        { Export-PimCredential -Principal user2@contoso.com -CredentialPath $keyFile -Passphrase (ConvertTo-SecureString 'wrong' -AsPlainText -Force) } |
            Should -Throw -ErrorId 'PimCredentialPassphraseInvalid,PimModule.Cmdlets.ExportPimCredentialCommand'
        $pem = Export-PimCredential -Principal user2@contoso.com -CredentialPath $keyFile -Passphrase $pass
        $pem | Should -Be $made.PublicKey
        $pem | Should -Not -Match 'PRIVATE'
    }

    It 'refuses a principal with no key, naming New-PimCredential' {
        $e = Get-Refusal { Export-PimCredential -Principal nokey@contoso.com }
        $e.FullyQualifiedErrorId | Should -Be 'PimCredentialNotFound,PimModule.Cmdlets.ExportPimCredentialCommand'
        $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $e.ErrorDetails.RecommendedAction | Should -BeLike '*New-PimCredential -Principal nokey@contoso.com*'
        $e.ErrorDetails.RecommendedAction | Should -BeLike '*Export-PimCredential -Principal nokey@contoso.com -Path nokey@contoso.com.pem*'
    }

    It 'reads -CredentialPath through the bounded reader: a device is PimInputTooLong, a public key file PimCredentialInvalid' {
        if ($IsWindows) { Set-ItResult -Skipped -Because '/dev/zero is a Unix device' }
        { Export-PimCredential -Principal user1@contoso.com -CredentialPath /dev/zero } | Should -Throw -ErrorId 'PimInputTooLong,PimModule.Cmdlets.ExportPimCredentialCommand'
        $public = Join-Path $TestDrive ("pub-{0}.pem" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
        Export-PimCredential -Principal user1@contoso.com -Path $public
        { Export-PimCredential -Principal user1@contoso.com -CredentialPath $public } | Should -Throw -ErrorId 'PimCredentialInvalid,PimModule.Cmdlets.ExportPimCredentialCommand'
    }
}

Describe 'Register-PimCredential takes what Export-PimCredential wrote' -Tag Onboarding {
    BeforeAll {
        $script:Admin = New-Person admin
        $script:User = New-Person user1
        Use-Person $User
        $script:Made = New-PimCredential -Principal user1@contoso.com
        $script:PublicFile = Join-Path $TestDrive ("user1-{0}.pem" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
        Export-PimCredential -Principal user1@contoso.com -Path $PublicFile
    }
    BeforeEach {
        Use-Person $Admin
        $script:Store = New-TestStore
        Connect-Verified $Store admin@contoso.com
    }

    It 'registers the file with -PublicKeyPath' {
        $c = Register-PimCredential -Principal user1@contoso.com -PublicKeyPath $PublicFile
        $c.State | Should -Be 'Active'
        $c.Thumbprint | Should -Be $Made.Thumbprint
    }

    It 'registers the text with -PublicKey: <Name>' -ForEach @(
        @{ Name = 'as read with -Raw'; Make = { param($f) Get-Content -LiteralPath $f -Raw } }
        @{ Name = 'with whitespace and CRLF line ends around it'; Make = { param($f) "`r`n   " + ((Get-Content -LiteralPath $f) -join "`r`n") + "`r`n`r`n  " } }
        @{ Name = 'as the array of lines Get-Content gives'; Make = { param($f) , @(Get-Content -LiteralPath $f) } }
    ) {
        $text = & $Make $PublicFile
        (Register-PimCredential -Principal user1@contoso.com -PublicKey $text).Thumbprint | Should -Be $Made.Thumbprint
    }

    It 'registers the lines of the file piped one by one, and the file from Get-Item' {
        (Get-Content -LiteralPath $PublicFile | Register-PimCredential -Principal user1@contoso.com).Thumbprint | Should -Be $Made.Thumbprint
        (Get-Item -LiteralPath $PublicFile | Register-PimCredential -Principal user1@contoso.com).Thumbprint | Should -Be $Made.Thumbprint
    }

    It 'registers Export-PimCredential''s output piped in, the principal bound from it' {
        Use-Person $User
        $pem = Export-PimCredential -Principal user1@contoso.com
        Use-Person $Admin
        ($pem | Register-PimCredential).Principal | Should -Be 'user1@contoso.com'
        (Get-PimCredential -Principal user1@contoso.com).Thumbprint | Should -Be $Made.Thumbprint
    }

    It 'keeps New-PimCredential | Register-PimCredential working (the one-machine demo)' {
        $c = New-PimCredential -Principal demo@contoso.com | Register-PimCredential
        $c.Principal | Should -Be 'demo@contoso.com'
        $c.State | Should -Be 'Active'
        Connect-Verified $Store demo@contoso.com
        (Get-PimStore).Principal | Should -Be 'demo@contoso.com'
    }

    It 'refuses a -PublicKeyPath that is not there (PimCredentialNotFound), and changes nothing' {
        $before = Get-RawFingerprint $Store
        { Register-PimCredential -Principal user1@contoso.com -PublicKeyPath (Join-Path $TestDrive 'no-such.pem') } |
            Should -Throw -ErrorId 'PimCredentialNotFound,PimModule.Cmdlets.RegisterPimCredentialCommand'
        Get-RawFingerprint $Store | Should -Be $before
    }
}

Describe 'A private key handed over is refused and never repeated' -Tag Onboarding {
    BeforeAll {
        $script:Admin = New-Person admin
        $script:User = New-Person user1
        Use-Person $User
        $script:Made = New-PimCredential -Principal user1@contoso.com
        $script:KeyText = Get-Content -LiteralPath $Made.Path -Raw
        $pass = ConvertTo-SecureString 'correct horse battery staple' -AsPlainText -Force
        $script:EncryptedFile = Join-Path $TestDrive ("enc-{0}.pem" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
        $null = New-PimCredential -Principal user1@contoso.com -Path $EncryptedFile -Passphrase $pass
        $ec = [Security.Cryptography.ECDsa]::Create([Security.Cryptography.ECCurve+NamedCurves]::nistP256)
        $script:EcText = $ec.ExportECPrivateKeyPem()
        $rsa = [Security.Cryptography.RSA]::Create(2048)
        $script:RsaText = $rsa.ExportRSAPrivateKeyPem()
        $script:PrivateFiles = Join-Path $TestDrive 'private-files'
        $null = New-Item -ItemType Directory -Path $PrivateFiles -Force
    }
    BeforeEach {
        Use-Person $Admin
        $script:Store = New-TestStore
        Connect-Verified $Store admin@contoso.com
    }

    It 'refuses <Name>' -ForEach @(
        @{ Name = 'New-PimCredential''s key file with -PublicKeyPath'; Text = 'Key'; Way = 'Path' }
        @{ Name = 'New-PimCredential''s key file''s text with -PublicKey'; Text = 'Key'; Way = 'Text' }
        @{ Name = 'its lines with -PublicKey (Get-Content)'; Text = 'Key'; Way = 'Lines' }
        @{ Name = 'its lines piped one by one'; Text = 'Key'; Way = 'Pipe' }
        @{ Name = 'an ENCRYPTED PRIVATE KEY file with -PublicKeyPath'; Text = 'Encrypted'; Way = 'Path' }
        @{ Name = 'an EC PRIVATE KEY with -PublicKey'; Text = 'Ec'; Way = 'Text' }
        @{ Name = 'an RSA PRIVATE KEY file with -PublicKeyPath'; Text = 'Rsa'; Way = 'Path' }
        @{ Name = 'a private key with whitespace around it'; Text = 'Key'; Way = 'Padded' }
    ) {
        $secret = switch ($Text) { 'Key' { $KeyText } 'Encrypted' { Get-Content -LiteralPath $EncryptedFile -Raw } 'Ec' { $EcText } 'Rsa' { $RsaText } }
        $file = Join-Path $PrivateFiles ("{0}-{1}.pem" -f $Text, [guid]::NewGuid().ToString('N').Substring(0, 8))
        Set-Content -LiteralPath $file -Value $secret -NoNewline
        $before = Get-RawFingerprint $Store
        $credentials = @(Get-PimCredential).Count
        $action = switch ($Way) {
            'Path' { { Register-PimCredential -Principal user1@contoso.com -PublicKeyPath $file -Verbose 4>&1 } }
            'Text' { { Register-PimCredential -Principal user1@contoso.com -PublicKey $secret -Verbose 4>&1 } }
            'Lines' { { Register-PimCredential -Principal user1@contoso.com -PublicKey (Get-Content -LiteralPath $file) -Verbose 4>&1 } }
            'Pipe' { { Get-Content -LiteralPath $file | Register-PimCredential -Principal user1@contoso.com -Verbose -ErrorAction Stop 4>&1 } }
            'Padded' { { Register-PimCredential -Principal user1@contoso.com -PublicKey ("`r`n  " + $secret.Replace("`n", "`r`n") + "  `r`n") -Verbose 4>&1 } }
        }
        $verbose = [System.Collections.Generic.List[string]]::new()
        $e = $null
        try { & $action | ForEach-Object { $verbose.Add("$_") } } catch { $e = $_ }
        $e | Should -Not -BeNullOrEmpty -Because 'a private key is never registered'
        $e.FullyQualifiedErrorId | Should -Be 'PimCredentialPrivateKeyGiven,PimModule.Cmdlets.RegisterPimCredentialCommand'
        $e.CategoryInfo.Category | Should -Be 'SecurityError'
        "$($e.TargetObject)" | Should -Be 'user1@contoso.com'
        $e.ErrorDetails.RecommendedAction | Should -BeLike '*Export-PimCredential -Principal user1@contoso.com -Path user1@contoso.com.pem*'
        $e.ErrorDetails.RecommendedAction | Should -BeLike '*Register-PimCredential -Principal user1@contoso.com -PublicKeyPath user1@contoso.com.pem*'

        # Nothing of the key anywhere: the message, the target, the record as shown, -Verbose, the audit log.
        $shown = @($e.Exception.Message, "$($e.TargetObject)", $e.ToString(), $e.ErrorDetails.Message, $e.ErrorDetails.RecommendedAction,
            ($e | Format-List * -Force | Out-String), ($e.Exception | Format-List * -Force | Out-String), ($verbose -join "`n"),
            (Get-PimAuditLog | ConvertTo-Json -Depth 6)) -join "`n"
        foreach ($line in Get-PemBody $secret) { $shown | Should -Not -Match ([regex]::Escape($line)) }
        $shown | Should -Not -Match ([regex]::Escape((Get-PemBody $secret)[0].Substring(0, 24)))

        Get-RawFingerprint $Store | Should -Be $before
        @(Get-PimCredential).Count | Should -Be $credentials
        @(Get-PimCredential -Principal user1@contoso.com).Count | Should -Be 0
    }

    It 'refuses a PimCredential whose PublicKey holds a private key' {
        $forged = [PimModule.PimCredential]@{ Principal = 'user1@contoso.com'; PublicKey = $KeyText }
        $before = Get-RawFingerprint $Store
        { $forged | Register-PimCredential -ErrorAction Stop } | Should -Throw -ErrorId 'PimCredentialPrivateKeyGiven,PimModule.Cmdlets.RegisterPimCredentialCommand'
        Get-RawFingerprint $Store | Should -Be $before
    }
}

Describe 'A refusal for a missing or unregistered key names both steps' -Tag Onboarding {
    BeforeAll {
        $script:Admin = New-Person admin
        Use-Person $Admin
        $script:Store = New-TestStore
        Connect-Verified $Store admin@contoso.com
    }

    It 'PimCredentialNotFound (no key on this machine) names the person''s and the administrator''s commands' {
        $stranger = New-Person user5
        Use-Person $stranger
        $before = Get-RawFingerprint $Store
        $e = Get-Refusal { Connect-Verified $Store user5@contoso.com }
        $e.FullyQualifiedErrorId | Should -Be 'PimCredentialNotFound,PimModule.Cmdlets.ConnectPimStoreCommand'
        $a = $e.ErrorDetails.RecommendedAction
        $a | Should -BeLike '*New-PimCredential -Principal user5@contoso.com*'
        $a | Should -BeLike '*Export-PimCredential -Principal user5@contoso.com -Path user5@contoso.com.pem*'
        $a | Should -BeLike '*Register-PimCredential -Principal user5@contoso.com -PublicKeyPath user5@contoso.com.pem*'
        $a.IndexOf('New-PimCredential') | Should -BeLessThan $a.IndexOf('Export-PimCredential')
        $a.IndexOf('Export-PimCredential') | Should -BeLessThan $a.IndexOf('Register-PimCredential')
        Get-RawFingerprint $Store | Should -Be $before
    }

    It 'PimCredentialNotRegistered (a key the store does not bind) names the person''s and the administrator''s commands' {
        $person = New-Person user6
        Use-Person $person
        $null = New-PimCredential -Principal user6@contoso.com
        $before = Get-RawFingerprint $Store
        $e = Get-Refusal { Connect-Verified $Store user6@contoso.com }
        $e.FullyQualifiedErrorId | Should -Be 'PimCredentialNotRegistered,PimModule.Cmdlets.ConnectPimStoreCommand'
        $a = $e.ErrorDetails.RecommendedAction
        $a | Should -BeLike '*New-PimCredential -Principal user6@contoso.com*'
        $a | Should -BeLike '*Export-PimCredential -Principal user6@contoso.com -Path user6@contoso.com.pem*'
        $a | Should -BeLike '*Register-PimCredential -Principal user6@contoso.com -PublicKeyPath user6@contoso.com.pem*'
        Get-RawFingerprint $Store | Should -Be $before
    }

    It 'quotes a principal that PowerShell would not take bare' {
        $person = New-Person obrien
        Use-Person $person
        $e = Get-Refusal { Connect-Verified $Store "o'brien@contoso.com" }
        $e.FullyQualifiedErrorId | Should -Be 'PimCredentialNotFound,PimModule.Cmdlets.ConnectPimStoreCommand'
        $e.ErrorDetails.RecommendedAction | Should -BeLike "*New-PimCredential -Principal 'o''brien@contoso.com'*"
        $e.ErrorDetails.RecommendedAction | Should -BeLike "*-PublicKeyPath 'o''brien@contoso.com.pem'*"
    }
}

Describe 'One key, several stores' -Tag Onboarding {
    It 'says to export the key one has instead of making another' {
        $person = New-Person user1
        Use-Person $person
        $null = New-PimCredential -Principal user1@contoso.com
        $e = Get-Refusal { New-PimCredential -Principal user1@contoso.com }
        $e.FullyQualifiedErrorId | Should -Be 'PimCredentialExists,PimModule.Cmdlets.NewPimCredentialCommand'
        $e.ErrorDetails.RecommendedAction | Should -BeLike '*Export-PimCredential -Principal user1@contoso.com -Path user1@contoso.com.pem*'
        $e.ErrorDetails.RecommendedAction | Should -BeLike '*Register-PimCredential -Principal user1@contoso.com -PublicKeyPath user1@contoso.com.pem*'
    }

    It 'lets one key, registered in two stores, act in both' {
        $first = New-TestStore -Name first
        $second = New-TestStore -Name second
        $admin1 = New-Person admin1
        $admin2 = New-Person admin2
        $user = New-Person user1
        Use-Person $user
        $null = New-PimCredential -Principal user1@contoso.com
        $file = Join-Path $TestDrive ("user1-{0}.pem" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
        Export-PimCredential -Principal user1@contoso.com -Path $file
        foreach ($s in @(@{ Store = $first; Admin = $admin1 }, @{ Store = $second; Admin = $admin2 })) {
            Use-Person $s.Admin
            Connect-Verified $s.Store admin@contoso.com
            $null = Register-PimCredential -Principal user1@contoso.com -PublicKeyPath $file
            $null = New-PimEligibleAssignment -Principal user1@contoso.com -Role 'Security Reader' -Permanent -Justification 'On call'
            Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None
        }
        Use-Person $user
        foreach ($s in $first, $second) {
            Connect-Verified $s user1@contoso.com
            (Request-PimActivation -Role 'Security Reader' -Justification 'Both stores').Status | Should -Be 'Provisioned'
            (Get-PimAuditLog | Select-Object -Last 1).Actor | Should -Be 'user1@contoso.com'
            (Test-PimAuditLog).IsValid | Should -BeTrue
        }
        (Get-PimStore).Location | Should -Be $second.Location
    }
}
