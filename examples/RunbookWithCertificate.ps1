<#
.SYNOPSIS
    An unattended runbook acting in a Verified store with a certificate, pinned to its store with -TrustAnchor.
.DESCRIPTION
    Set-up (once, by people): the administrator creates the Verified store and registers the runbook's certificate
    (its public key only) for runbook@contoso.com, and gives the runbook the store's TrustAnchor (Get-PimStore).
    Each run: the runbook connects with the certificate and the trust anchor — a store that is not that one (swapped,
    or with another root) is refused before anything is read — and does its work, sealed with the certificate's key.
    With no parameters the script plays both parts against a fresh temporary store, with a self-signed certificate.
.PARAMETER ModulePath
    The built module (out/PimModule by default).
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/PimModule'),
    [string] $WorkFolder = (Join-Path ([IO.Path]::GetTempPath()) ("pim-runbook-{0}" -f [guid]::NewGuid().ToString('N')))
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
$null = New-Item -ItemType Directory -Path $WorkFolder -Force
$storePath = Join-Path $WorkFolder 'pim.db'

# --- Set-up, by the administrator -------------------------------------------------------------------------------
Connect-PimStore -Path $storePath -Principal admin@contoso.com -IdentityMode Verified -CredentialPath (Join-Path $WorkFolder 'admin.pem')
# The runbook's certificate (in real life: issued by your CA, kept in a PFX or the certificate store of the runbook host).
$rsa = [System.Security.Cryptography.RSA]::Create(3072)
$request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=runbook@contoso.com', $rsa,
    [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pss)
$certificate = $request.CreateSelfSigned([DateTimeOffset]::UtcNow.AddMinutes(-5), [DateTimeOffset]::UtcNow.AddYears(1))
Register-PimCredential -Principal runbook@contoso.com -PublicKey $certificate | Format-Table Principal, Thumbprint, Algorithm, State -AutoSize
New-PimActiveAssignment -Principal runbook@contoso.com -Role 'Privileged Role Administrator' -Duration 30d -Justification 'Nightly access review runbook' | Out-Null
$anchor = (Get-PimStore).TrustAnchor
Disconnect-PimStore

# --- Each run, unattended -------------------------------------------------------------------------------------------
Connect-PimStore -Path $storePath -Principal runbook@contoso.com -Certificate $certificate -TrustAnchor $anchor
Get-PimStore | Format-List IdentityMode, TrustAnchor, Principal
New-PimEligibleAssignment -Principal user7@contoso.com -Role 'Security Reader' -Duration 90d -Justification 'Joined the security team' |
    Format-Table Principal, Role, Type, EndDateTime, CreatedBy -AutoSize
Test-PimAuditLog | Format-List IsValid, IdentityMode, RecordsChecked, SealsChecked

# A store that is not the anchored one is refused before anything is read.
$other = Join-Path $WorkFolder 'other.db'
Connect-PimStore -Path $other -Principal admin@contoso.com -IdentityMode Verified -CredentialPath (Join-Path $WorkFolder 'admin.pem')
Disconnect-PimStore
try {
    Connect-PimStore -Path $other -Principal runbook@contoso.com -Certificate $certificate -TrustAnchor $anchor
}
catch {
    "Refused as it should be: $($_.FullyQualifiedErrorId)"
}
Disconnect-PimStore
