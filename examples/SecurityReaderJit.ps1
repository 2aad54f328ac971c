<#
.SYNOPSIS
    The Entra portal walkthrough "Using Azure AD Privileged Identity Management (JIT)", step by step, in PowerShell.
.DESCRIPTION
    Finds the Security Reader role, configures its activation, assignment and notification settings, makes
    User1 eligible, lets User1 register MFA and activate with a reason, lets an approver see and approve the
    request, shows that User1 holds the role, and that it expires. Prints what a user would see.
    The store is Verified: the administrator, User1 and the approver each act with their own key (made with
    New-PimCredential; the administrator registers the public keys), every change is sealed with its actor's key,
    and the log is checked at the end.
    Run it with `dotnet pwsh ./build.ps1 Demo`, which builds the module and uses a fresh temporary store.
.PARAMETER ModulePath
    The built module (out/PimModule by default).
.PARAMETER StorePath
    The SQLite store to create; a new temporary file by default.
.PARAMETER ConnectionString
    Instead of -StorePath: an empty PostgreSQL database to create the store in (Npgsql connection string).
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/PimModule'),
    [string] $StorePath = (Join-Path ([IO.Path]::GetTempPath()) ("pim-walkthrough-{0}.db" -f [guid]::NewGuid().ToString('N'))),
    [string] $ConnectionString,
    # Where each principal keeps their private key (in real life: their own PimModule key folder, on their own machine).
    [string] $KeyFolder = (Join-Path ([IO.Path]::GetTempPath()) ("pim-walkthrough-keys-{0}" -f [guid]::NewGuid().ToString('N')))
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force

function Step([string] $Text) { Write-Host ''; Write-Host "== $Text" -ForegroundColor Cyan }

$admin = 'admin@contoso.com'
$user1 = 'user1@contoso.com'
$approver = 'approver1@contoso.com'
$null = New-Item -ItemType Directory -Path $KeyFolder -Force
$keyOf = @{ $admin = Join-Path $KeyFolder 'admin.pem'; $user1 = Join-Path $KeyFolder 'user1.pem'; $approver = Join-Path $KeyFolder 'approver1.pem' }

Step 'Sign in to the PIM store as an administrator (the creator of a Verified store is its Privileged Role Administrator; their key is its root of trust)'
$store = if ($ConnectionString) { @{ ConnectionString = $ConnectionString; Provider = 'PostgreSql' } } else { @{ Path = $StorePath } }
Connect-PimStore @store -Principal $admin -IdentityMode Verified -CredentialPath $keyOf[$admin] -PassThru |
    Format-List Provider, Location, IdentityMode, TrustAnchor, Principal, RoleCount

Step 'User1 and the approver each make their own key; the administrator registers the public keys'
foreach ($who in $user1, $approver) {
    $credential = New-PimCredential -Principal $who -Path $keyOf[$who]   # run by the principal: the private key stays with them
    $credential | Register-PimCredential -Principal $who                 # run by the administrator: only the public key travels
}
Get-PimCredential | Format-Table Principal, Thumbprint, Algorithm, State -AutoSize

Step 'Identity governance > Privileged Identity Management > Microsoft Entra roles > Roles: search for Security Reader'
Get-PimRole 'Security*' | Format-Table Name, IsPrivileged, Id -AutoSize
$role = Get-PimRole 'Security Reader'

Step 'The role''s assignments: eligible, active and expired (none yet)'
Get-PimAssignment -Role $role -State All | Format-Table Principal, Type, State, EndDateTime -AutoSize

Step 'Settings > Edit > Activation: 4 hours maximum, Azure MFA, justification, approval by approver1'
Set-PimRoleSetting -Role $role -ActivationMaxDuration 4h -ActivationRequirement Mfa -RequireJustification $true `
    -RequireTicket $false -RequireApproval $true -Approvers $approver -PassThru |
    Format-List Role, ActivationMaxDuration, ActivationRequirement, RequireJustification, RequireTicket, RequireApproval, Approvers

Step 'Settings > Assignment: no permanent eligible assignments; eligibility expires after 6 months; active after 15 days'
Set-PimRoleSetting -Role $role -AllowPermanentEligible $false -EligibleExpiresAfter 180d -AllowPermanentActive $false -ActiveExpiresAfter 15d -PassThru |
    Format-List Role, AllowPermanentEligible, EligibleExpiresAfter, AllowPermanentActive, ActiveExpiresAfter

Step 'Settings > Notification: every box ticked; the role assignment alert also goes to the security team'
Set-PimNotificationSetting -Role $role -Event EligibleAssigned -Recipient Admin -DefaultRecipients $true -AdditionalRecipients 'secops@contoso.com'
Set-PimNotificationSetting -Role $role -Event Activated -Recipient Admin -DefaultRecipients $true -AdditionalRecipients 'secops@contoso.com'
(Get-PimRoleSetting -Role $role).Notifications | Format-Table Event, Recipient, DefaultRecipients, AdditionalRecipients, CriticalOnly -AutoSize

Step 'Assignments > Add assignments: make User1 eligible for Security Reader (for 6 months)'
New-PimEligibleAssignment -Principal $user1 -Role $role -Duration 180d -Justification 'Security review rota' |
    Format-Table Principal, Role, Type, State, StartDateTime, EndDateTime -AutoSize

Step 'User1 signs in: My roles > Eligible assignments'
Connect-PimStore -Principal $user1 -CredentialPath $keyOf[$user1]
Get-PimAssignment -Principal $user1 -Type Eligible | Format-Table Role, Scope, State, EndDateTime -AutoSize

Step 'User1 registers an authenticator app: a QR code to scan, and the secret, shown once'
$mfa = Register-PimMfaMethod
$mfa | Format-List Principal, Uri

Step 'User1 checks first what activation needs (-WhatIf), then activates with a reason and the MFA code (Get-PimMfaCode computes what the app shows)'
Request-PimActivation -Role 'Security Reader' -Duration 2h -WhatIf
$request = Request-PimActivation -Role 'Security Reader' -Duration 2h -Justification 'Investigate alert 4711' -MfaCode (Get-PimMfaCode -Uri $mfa.Uri)
$request | Format-List RequestId, Action, Status, Role, Duration, Justification

Step 'The approver sees the request waiting for them, and approves it'
Connect-PimStore -Principal $approver -CredentialPath $keyOf[$approver]
Get-PimRequest -PendingMyApproval | Format-Table RequestId, Principal, Role, Duration, Justification -AutoSize
$approved = Get-PimRequest -PendingMyApproval | Approve-PimRequest -Justification 'Alert 4711 is real'
$approved | Format-List RequestId, Status, ApprovedBy, DecisionJustification, StartDateTime, EndDateTime

Step 'User1 holds Security Reader now (an activated, time-bound active assignment)'
Connect-PimStore -Principal $user1 -CredentialPath $keyOf[$user1]
Test-PimAccess -Principal $user1 -Role 'Security Reader' -Detailed | Format-List HasAccess, Reason, Detail
$active = Get-PimAssignment -Principal $user1 -Role 'Security Reader' -Type Active
$active | Format-Table Principal, Role, Type, MemberType, State, EndDateTime -AutoSize

Step 'When the activation ends, User1 no longer holds the role; it shows under Expired assignments for 30 days'
$after = $active.EndDateTime.AddMinutes(1)
Test-PimAccess -Principal $user1 -Role 'Security Reader' -AsOf $after -Detailed | Format-List HasAccess, Reason, Detail
Get-PimAssignment -Principal $user1 -Role 'Security Reader' -Type Active -State Expired -AsOf $after |
    Format-Table Principal, Role, State, EndDateTime -AutoSize

Step 'The audit trail of the walkthrough, and its integrity'
Connect-PimStore -Principal $admin -CredentialPath $keyOf[$admin]
Get-PimAuditLog | Format-Table Sequence, Actor, Action, Role, Principal -AutoSize
Test-PimAuditLog | Format-List IsValid, IdentityMode, RecordsChecked, SealsChecked

# The outcome, for scripts and tests.
[pscustomobject]@{
    Approved            = $approved.Status -eq 'Provisioned'
    HeldDuringActivation = Test-PimAccess -Principal $user1 -Role 'Security Reader' -AsOf $active.StartDateTime.AddMinutes(1)
    HeldAfterExpiry     = Test-PimAccess -Principal $user1 -Role 'Security Reader' -AsOf $after
    AuditLogValid       = (Test-PimAuditLog).IsValid
    IdentityMode        = "$((Get-PimStore).IdentityMode)"
}
