# Concurrency and crash safety, on the active provider (SQLite file or PostgreSQL database). The figures each run
# measures are written to out/test-results/reliability-<provider>.md, which the README's reliability section quotes.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $script:ResultsFolder = Join-Path $RepoRoot 'out/test-results'
    New-Item -ItemType Directory $ResultsFolder -Force | Out-Null
    function Start-Pwsh([string] $Script, [string] $Name) {
        $file = Join-Path $TestDrive "$Name.ps1"
        Set-Content $file $Script
        $start = [Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
        foreach ($a in (Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', $file) { $start.ArgumentList.Add($a) }
        $start.UseShellExecute = $false
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $start.Environment.Remove('PIM_TEST_UTCNOW') | Out-Null
        $p = [Diagnostics.Process]::Start($start)
        [pscustomobject]@{ Process = $p; Out = $p.StandardOutput.ReadToEndAsync(); Err = $p.StandardError.ReadToEndAsync() }
    }
}

Describe 'Eight processes on one store' -Tag Reliability {
    It 'lose nothing: every request ends in one state, no approval twice, no activation lost, the audit chain verifies' {
        Set-TestClock -Reset
        $store = Connect-TestStore -Principal 'admin@contoso.com'
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None -RequireJustification $false -RequireApproval $true -Approvers 'approver1@contoso.com', 'approver2@contoso.com'
        Set-PimRoleSetting -Role 'Global Reader' -ActivationRequirement None -RequireJustification $false
        1..8 | ForEach-Object { [pscustomobject]@{ Principal = "worker$_@contoso.com"; Role = 'Security Reader' }; [pscustomobject]@{ Principal = "worker$_@contoso.com"; Role = 'Global Reader' } } |
            New-PimEligibleAssignment | Out-Null
        $connect = $store.ConnectArguments
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $workers = foreach ($i in 1..8) {
            Start-Pwsh -Name "worker$i" -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
`$ops = 0; `$lost = 0; `$unexpected = [Collections.Generic.List[string]]::new()
`$expected = 'PimRequestNotPending', 'PimRequestPending', 'PimAlreadyActive', 'PimNotActive'
function Attempt([scriptblock] `$b) { try { & `$b | Out-Null; `$script:ops++ } catch { `$e = `$_; if (`$expected | Where-Object { "`$(`$e.FullyQualifiedErrorId)" -like "`$_*" }) { `$script:lost++ } else { `$unexpected.Add("`$(`$e.FullyQualifiedErrorId): `$(`$e.Exception.Message)") } } }
`$approver = 'approver{0}@contoso.com' -f (($i % 2) + 1)
for (`$n = 0; `$n -lt 12; `$n++) {
    Connect-PimStore $connect -Principal 'worker$i@contoso.com'
    Attempt { Request-PimActivation -Role 'Security Reader' }
    Attempt { Request-PimActivation -Role 'Global Reader' -StartDateTime ([datetime]::UtcNow.AddHours(1)) -Duration 1h }
    Attempt { Request-PimDeactivation -Role 'Global Reader' }
    Connect-PimStore $connect -Principal `$approver
    foreach (`$r in @(Get-PimRequest -PendingMyApproval | Select-Object -First 3)) {
        if ((Get-Random -Maximum 3) -eq 0) { Attempt { Deny-PimRequest -RequestId `$r.RequestId -Justification 'race' } }
        else { Attempt { Approve-PimRequest -RequestId `$r.RequestId -Justification 'race' } }
    }
    Connect-PimStore $connect -Principal 'admin@contoso.com'
    Attempt { 1..50 | ForEach-Object { [pscustomobject]@{ Principal = "bulk$i-`$n-`$_@contoso.com"; Role = 'Reports Reader' } } | New-PimEligibleAssignment }
    Connect-PimStore $connect -Principal 'worker$i@contoso.com'
    Attempt { Get-PimRequest -Principal 'worker$i@contoso.com' -Status PendingApproval | Stop-PimRequest }
}
[pscustomobject]@{ Ops = `$ops; Lost = `$lost; Retried = (Get-PimStore).RetriedConflicts; Unexpected = @(`$unexpected) } | ConvertTo-Json -Compress
"@
        }
        $results = foreach ($w in $workers) {
            if (-not $w.Process.WaitForExit(600000)) { $w.Process.Kill(); throw 'A worker did not finish in 10 minutes.' }
            $out = $w.Out.GetAwaiter().GetResult()
            $line = ($out -split "`n" | Where-Object { $_ -like '{*' } | Select-Object -Last 1)
            if (-not $line) { throw "A worker wrote no result: $out $($w.Err.GetAwaiter().GetResult())" }
            $line | ConvertFrom-Json
        }
        $sw.Stop()
        $unexpected = @($results.Unexpected | Where-Object { $_ })
        $unexpected | Should -BeNullOrEmpty -Because ($unexpected -join "`n")
        ($results.Unexpected -join ' ') | Should -Not -Match 'locked|busy|serializ|deadlock'

        # Decide what is still pending, then check the outcome.
        Connect-TestStore -Store $store -Principal 'approver1@contoso.com' | Out-Null
        Get-PimRequest -PendingMyApproval | Approve-PimRequest -Justification 'final' | Out-Null
        Connect-TestStore -Store $store -Principal 'admin@contoso.com' | Out-Null
        $requests = @(Get-PimRequest)
        $requests | Where-Object Status -eq 'PendingApproval' | Should -BeNullOrEmpty
        ($requests.RequestId | Sort-Object -Unique).Count | Should -Be $requests.Count
        $approved = @($requests | Where-Object { $_.Action -eq 'SelfActivate' -and $_.Role -eq 'Security Reader' -and $_.Status -eq 'Provisioned' })
        $approved.Count | Should -BeGreaterThan 0
        $activations = @(Get-PimAssignment -Role 'Security Reader' -Type Active -State All)
        # Each approval made exactly one activation, and each activation comes from one approved request.
        $activations.Count | Should -Be $approved.Count
        (Invoke-Sql $store "SELECT COUNT(*) FROM (SELECT request_id FROM assignments WHERE member_type = 'Activated' GROUP BY request_id HAVING COUNT(*) > 1) d") | Should -Be '0'
        (Invoke-Sql $store "SELECT COUNT(*) FROM (SELECT target_id FROM audit_log WHERE action IN ('ApproveRequest', 'DenyRequest') GROUP BY target_id HAVING COUNT(*) > 1) d") | Should -Be '0'
        # Every bulk row that was accepted is there with its request.
        $bulk = (Get-PimAssignment -Role 'Reports Reader' -Type Eligible).Count
        $bulk | Should -Be (8 * 12 * 50)
        (Get-PimRequest -Role 'Reports Reader' -Action AdminAssign).Count | Should -Be $bulk
        (Test-PimAuditLog).IsValid | Should -BeTrue

        $ops = ($results | Measure-Object Ops -Sum).Sum; $lost = ($results | Measure-Object Lost -Sum).Sum; $retried = ($results | Measure-Object Retried -Sum).Sum
        @(
            "| 8 processes: activate, approve, deny, deactivate, cancel, bulk-assign ($($store.Provider)) | $ops operations done, $lost lost races refused with a clear error (first decision wins), $retried transient conflicts retried inside the engine, 0 reached a user | $([math]::Round($sw.Elapsed.TotalSeconds)) s |"
        ) | Set-Content (Join-Path $ResultsFolder "reliability-$($store.Provider)-concurrency.md")
    }
}

Describe 'A process killed in the middle of a bulk import' -Tag Reliability {
    It 'leaves every committed batch and nothing partial' {
        Set-TestClock -Reset
        $store = Connect-TestStore -Principal 'admin@contoso.com'
        $csv = Join-Path $TestDrive 'bulk.csv'
        $sb = [Text.StringBuilder]::new("Principal,Role`n")
        for ($i = 0; $i -lt 100000; $i++) { [void]$sb.Append("crash$i@contoso.com,Reports Reader`n") }
        [IO.File]::WriteAllText($csv, $sb.ToString())
        $w = Start-Pwsh -Name 'importer' -Script @"
Import-Module '$ModulePath'
Connect-PimStore $($store.ConnectArguments) -Principal 'admin@contoso.com'
Import-Csv '$csv' | New-PimEligibleAssignment | Out-Null
"@
        $deadline = [datetime]::UtcNow.AddSeconds(120)
        do { Start-Sleep -Milliseconds 200; $count = [int](Invoke-Sql $store "SELECT COUNT(*) FROM assignments WHERE type = 'Eligible'") }
        while ($count -lt 6000 -and [datetime]::UtcNow -lt $deadline -and -not $w.Process.HasExited)
        $w.Process.HasExited | Should -BeFalse -Because 'the import must still be running when it is killed'
        if ($IsWindows) { $w.Process.Kill() } else { kill -9 $w.Process.Id }
        $w.Process.WaitForExit(10000) | Out-Null

        Connect-TestStore -Store $store -Principal 'admin@contoso.com' | Out-Null
        $n = @(Get-PimAssignment -Role 'Reports Reader' -Type Eligible).Count
        $n | Should -BeGreaterThan 0
        $n % 2000 | Should -Be 0 -Because 'rows commit in batches of 2,000: a batch is there whole or not at all'
        (Get-PimRequest -Role 'Reports Reader' -Action AdminAssign).Count | Should -Be $n
        (Get-PimAuditLog -Role 'Reports Reader' -Action AdminAssign).Count | Should -Be $n
        (Test-PimAuditLog).IsValid | Should -BeTrue
        New-PimEligibleAssignment -Principal 'after@contoso.com' -Role 'Reports Reader' | Should -Not -BeNullOrEmpty
        "| kill -9 during a 100,000-row import ($($store.Provider)) | $n rows in $($n / 2000) whole batches survived; no partial batch; audit chain verifies; the store works on | |" |
            Set-Content (Join-Path $ResultsFolder "reliability-$($store.Provider)-crash.md")
    }
}
