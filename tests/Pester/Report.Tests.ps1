# Export-PimReport (issue 17): one self-contained HTML file — its policy, its escaping, its figures, its refusals, a
# Verified store's report from verified state only — and the same page opened in headless Chromium over the DevTools
# protocol (tests tagged Browser: skipped with their reason without Chromium, failed in CI).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'Chromium.ps1')
    Import-Module $ModulePath -Force
    $script:Results = Join-Path $RepoRoot 'out/test-results'

    # What an attacker who may name a custom role or write a justification puts in them.
    $script:ScriptPayload = '<script>alert("role")</script>'
    $script:ImgPayload = '"><img src=x onerror=alert("justification")>'
    $script:HostileRole = "Ops $ScriptPayload$ImgPayload"
    $script:HostileJustification = "Investigate $ImgPayload$ScriptPayload"

    function New-ReportStore {
        <#
        A Lab store with something to report: a hostile custom role and Security Reader, approval by approver1, user1
        eligible for both and activated in each (a hostile justification), approved; a permanent Global Administrator.
        #>
        $store = Connect-TestStore
        New-PimRole -Name $HostileRole -Description 'made by an attacker' | Out-Null
        foreach ($role in 'Security Reader', $HostileRole) {
            Set-PimRoleSetting -Role $role -ActivationRequirement None -RequireJustification $true -RequireApproval $true -Approvers approver1@contoso.com
            New-PimEligibleAssignment -Principal user1@contoso.com -Role $role -Duration 180d -Justification 'JIT' | Out-Null
        }
        New-PimEligibleAssignment -Principal user2@contoso.com -Role 'Security Reader' -Duration 30d -Justification 'JIT' | Out-Null
        New-PimActiveAssignment -Principal breakglass@contoso.com -Role 'Global Administrator' -Permanent -Justification 'break glass' | Out-Null
        Connect-TestStore -Store $store -Principal user1@contoso.com | Out-Null
        Request-PimActivation -Role 'Security Reader' -Duration 1h -Justification $HostileJustification | Out-Null
        Request-PimActivation -Role $HostileRole -Duration 1h -Justification $HostileJustification | Out-Null
        Connect-TestStore -Store $store -Principal user2@contoso.com | Out-Null
        Request-PimActivation -Role 'Security Reader' -Duration 1h -Justification 'Look at alert 4711' | Out-Null
        Connect-TestStore -Store $store -Principal approver1@contoso.com | Out-Null
        Get-PimRequest -PendingMyApproval | Approve-PimRequest -Justification 'ok' | Out-Null
        Connect-TestStore -Store $store | Out-Null
        $store
    }

    function Get-ReportData {
        <# The figures a report carries as JSON (script element pim-report-data). #>
        param([Parameter(Mandatory)] [string] $Path)
        $html = Get-Content $Path -Raw
        $m = [regex]::Match($html, '<script type="application/json" id="pim-report-data">(.*?)</script>', 'Singleline')
        $m.Success | Should -BeTrue
        $m.Groups[1].Value | ConvertFrom-Json
    }

    function Get-ChartSvg {
        param([Parameter(Mandatory)] [string] $Html, [Parameter(Mandatory)] [string] $Chart)
        $m = [regex]::Match($Html, "data-chart=""$Chart""[^>]*src=""data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)""")
        $m.Success | Should -BeTrue -Because "the chart $Chart is in the page"
        [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($m.Groups[1].Value))
    }

    $script:ReportStore = New-ReportStore
    $script:ReportFile = Join-Path $TestDrive 'report.html'
    Export-PimReport -Path $ReportFile -VerifyAuditLog
    $script:ReportHtml = Get-Content $ReportFile -Raw
}

Describe 'Export-PimReport' -Tag Report {
    It 'writes one owner-only HTML file whose policy allows only its own hashed script and style' {
        $ReportFile | Should -Exist
        if (-not $IsWindows) { [IO.File]::GetUnixFileMode($ReportFile) | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite') }
        $csp = [regex]::Match($ReportHtml, '<meta http-equiv="Content-Security-Policy" content="([^"]+)">').Groups[1].Value
        $csp = [Net.WebUtility]::HtmlDecode($csp)
        $csp | Should -Match "^default-src 'none'; "
        $csp | Should -Match "img-src data:;"
        $csp | Should -Not -Match 'unsafe|https?:|\*'
        $scripts = [regex]::Matches($ReportHtml, '<script>(.*?)</script>', 'Singleline')
        $styles = [regex]::Matches($ReportHtml, '<style>(.*?)</style>', 'Singleline')
        $scripts.Count | Should -Be 1
        $styles.Count | Should -Be 1
        foreach ($inline in @($scripts[0].Groups[1].Value, $styles[0].Groups[1].Value)) {
            $hash = [Convert]::ToBase64String([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($inline)))
            $csp | Should -Match ([regex]::Escape("'sha256-$hash'"))
        }
        # Nothing that could load or run from elsewhere.
        $ReportHtml | Should -Not -Match '(?i)<(link|iframe|object|embed|base|form)\b'
        $ReportHtml | Should -Not -Match '(?i)<[^>]*\s(src|href)=(?!"data:image/svg\+xml;base64,)'
        $ReportHtml | Should -Not -Match '(?i)<[^>]*\son[a-z]+='
    }

    It 'writes every value from the store as escaped text or escaped JSON, and every chart label as escaped SVG text' {
        # The payloads never appear as markup: not in the page, not in the data, not in a chart.
        $ReportHtml | Should -Not -Match ([regex]::Escape('<script>alert'))
        $ReportHtml | Should -Not -Match ([regex]::Escape('<img src=x'))
        $ReportHtml | Should -Match ([regex]::Escape('&lt;script&gt;alert(&quot;role&quot;)&lt;/script&gt;'))
        $ReportHtml | Should -Match ([regex]::Escape('&quot;&gt;&lt;img src=x onerror=alert(&quot;justification&quot;)&gt;'))
        $json = [regex]::Match($ReportHtml, '<script type="application/json" id="pim-report-data">(.*?)</script>', 'Singleline').Groups[1].Value
        $json | Should -Not -Match '[<>]'
        ($json | ConvertFrom-Json).approval.role | Should -Contain $HostileRole
        foreach ($chart in 'activations', 'approval') {
            $svg = Get-ChartSvg -Html $ReportHtml -Chart $chart
            $svg | Should -Not -Match '(?i)<script|<img|<foreignObject|<[^>]*\son[a-z]+='
            ([xml]$svg).svg | Should -Not -BeNullOrEmpty
            $svg | Should -Match ([regex]::Escape('&lt;script&gt;alert('))
        }
    }

    It 'counts what the store holds and did: activations by role, time to approval, assignments, privileged permanence, requesters' {
        $data = Get-ReportData $ReportFile
        ($data.activationsPerDay | Measure-Object count -Sum).Sum | Should -Be 3
        ($data.activationsPerDay | Where-Object role -eq 'Security Reader' | Measure-Object count -Sum).Sum | Should -Be 2
        ($data.activationsPerDay | Where-Object role -eq $HostileRole | Measure-Object count -Sum).Sum | Should -Be 1
        ($data.approval | Where-Object role -eq 'Security Reader').approved | Should -Be 2
        ($data.approval | Where-Object role -eq 'Security Reader').medianSeconds | Should -BeGreaterOrEqual 0
        ($data.requesters | Select-Object -First 1).principal | Should -Be 'user1@contoso.com'
        ($data.requesters | Select-Object -First 1).requests | Should -Be 2
        ($data.requesters | Where-Object principal -eq 'user2@contoso.com').requests | Should -Be 1
        ($data.assignments | Where-Object { $_.type -eq 'Eligible' -and $_.state -eq 'Active' }).count | Should -Be 3
        ($data.assignments | Where-Object { $_.memberType -eq 'Activated' -and $_.state -eq 'Active' }).count | Should -Be 3
        ($data.privileged | Where-Object { $_.role -eq 'Global Administrator' -and $_.type -eq 'Active' }).permanent | Should -Be 1
        ($data.privileged | Where-Object { $_.role -eq 'Security Reader' -and $_.type -eq 'Eligible' }).timeBound | Should -Be 2
        $data.alerts.type | Should -Contain 'RolesAssignedOutsidePim'
        $data.audit.verified | Should -BeTrue
        $data.audit.valid | Should -BeTrue
        $ReportHtml | Should -Match 'Verified for this report: \d+ records intact'
    }

    It 'counts only the period asked for' {
        $file = Join-Path $TestDrive 'old.html'
        Export-PimReport -Path $file -Since (Get-Date).AddDays(-60) -Until (Get-Date).AddDays(-30)
        $data = Get-ReportData $file
        @($data.activationsPerDay).Count | Should -Be 0
        @($data.requesters).Count | Should -Be 0
        $data.audit.verified | Should -BeFalse
        Get-Content $file -Raw | Should -Match 'No activation was provisioned in this period'
    }

    It 'reports its progress' {
        $ps = [powershell]::Create()
        try {
            $file = Join-Path $TestDrive 'progress.html'
            $null = $ps.AddScript("Import-Module '$ModulePath'; Connect-PimStore $($ReportStore.ConnectArguments); Export-PimReport -Path '$file'")
            $null = $ps.Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            $ps.Streams.Progress.Activity | Should -Contain 'Exporting the PIM report'
            $ps.Streams.Progress.StatusDescription | Should -Contain 'Drawing the charts'
            $ps.Streams.Progress | Where-Object RecordType -eq 'Completed' | Should -Not -BeNullOrEmpty
        }
        finally { $ps.Dispose() }
    }

    It 'refuses a file that exists (PimFileExists) and leaves it as it was; -Force replaces it' {
        $file = Join-Path $TestDrive 'exists.html'
        Set-Content -Path $file -Value 'mine'
        { Export-PimReport -Path $file } | Should -Throw -ErrorId 'PimFileExists,PimModule.Cmdlets.ExportPimReportCommand'
        Get-Content $file | Should -Be 'mine'
        Export-PimReport -Path $file -Force
        Get-Content $file -Raw | Should -Match '<!DOCTYPE html>'
    }

    It 'refuses an empty period (PimDateTimeInvalid) and writes nothing' {
        $file = Join-Path $TestDrive 'empty.html'
        $e = { Export-PimReport -Path $file -Since (Get-Date) -Until (Get-Date).AddDays(-1) } | Should -Throw -ErrorId 'PimDateTimeInvalid,PimModule.Cmdlets.ExportPimReportCommand' -PassThru
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $e.Exception.Message | Should -Match 'Since'
        $file | Should -Not -Exist
    }

    It 'draws with OxyPlot loaded from Dependencies/ in the module''s own load context' {
        Join-Path $ModulePath 'Dependencies/OxyPlot.dll' | Should -Exist
        Join-Path $ModulePath 'OxyPlot.dll' | Should -Not -Exist
        $file = Join-Path $TestDrive 'alc.html'
        $out = Invoke-FreshPwsh -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
Connect-PimStore $($ReportStore.ConnectArguments)
Export-PimReport -Path '$file'
`$oxy = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'OxyPlot' }
'context=' + [Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$oxy).Name
'from=' + `$oxy.Location
"@
        $out | Should -Contain 'context=PimModule'
        ($out | Where-Object { $_ -like 'from=*' }) | Should -Be "from=$(Join-Path $ModulePath 'Dependencies/OxyPlot.dll')"
    }

    It 'writes nothing with -WhatIf' {
        $file = Join-Path $TestDrive 'whatif.html'
        Export-PimReport -Path $file -WhatIf
        $file | Should -Not -Exist
    }
}

Describe 'Export-PimReport: time to approval, as the database computes it' -Tag Report {
    It 'gives the median and the 90th percentile by nearest rank, of approved activations only' {
        # A Lab store's report reads its rows as they are: requests written straight into the table, with known waits.
        $store = Connect-TestStore
        $gr = (Get-PimRole 'Global Reader').Id
        $t0 = [DateTime]::UtcNow.AddDays(-2).Ticks
        $rows = foreach ($i in 1..10) {
            $created = $t0 + $i * [TimeSpan]::TicksPerHour
            "('$([guid]::NewGuid())', 'SelfActivate', 'Provisioned', 'u$i@contoso.com', 'u$i@contoso.com', '$gr', '/', 'Active', 'w', 'u$i@contoso.com', $created, 'approver1@contoso.com', $($created + $i * [TimeSpan]::TicksPerMinute))"
        }
        # Not counted: provisioned without an approver (no approval needed), and denied.
        $rows += "('$([guid]::NewGuid())', 'SelfActivate', 'Provisioned', 'x@contoso.com', 'x@contoso.com', '$gr', '/', 'Active', 'w', 'x@contoso.com', $t0, NULL, $($t0 + 999 * [TimeSpan]::TicksPerMinute))"
        $rows += "('$([guid]::NewGuid())', 'SelfActivate', 'Denied', 'y@contoso.com', 'y@contoso.com', '$gr', '/', 'Active', 'w', 'y@contoso.com', $t0, 'approver1@contoso.com', $($t0 + 999 * [TimeSpan]::TicksPerMinute))"
        Invoke-Sql -Store $store -Sql ("INSERT INTO requests (request_id, action, status, principal, principal_key, role_id, scope, assignment_type, justification, created_by, created_utc, approved_by, decided_utc) VALUES " + ($rows -join ', ')) | Out-Null
        $file = Join-Path $TestDrive 'waits.html'
        Export-PimReport -Path $file
        $w = (Get-ReportData $file).approval | Where-Object role -eq 'Global Reader'
        $w.approved | Should -Be 10
        $w.medianSeconds | Should -Be 300   # the 5th of 10 waits of 1..10 minutes
        $w.p90Seconds | Should -Be 540      # the 9th
        ((Get-ReportData $file).activationsPerDay | Measure-Object count -Sum).Sum | Should -Be 11   # provisioned, approved or not
        @((Get-ReportData $file).requesters).Count | Should -Be 10   # 12 requesters, one request each, whatever its outcome: the top 10
    }
}

Describe 'Export-PimReport in a Verified store' -Tag Report, Identity {
    BeforeAll {
        $script:SavedData = $env:XDG_DATA_HOME
        $users = Join-Path $TestDrive 'report-users'
        function Use-ReportUser([string] $Name) { $env:XDG_DATA_HOME = Join-Path $users $Name; $null = New-Item -ItemType Directory -Path $env:XDG_DATA_HOME -Force }
        function Connect-As([object] $Store, [string] $Principal) {
            if ($Store.Provider -eq 'PostgreSql') { Connect-PimStore -ConnectionString $Store.ConnectionString -Provider PostgreSql -Principal $Principal -IdentityMode Verified }
            else { Connect-PimStore -Path $Store.Path -Principal $Principal -IdentityMode Verified }
        }
        $script:VStore = New-TestStore
        Use-ReportUser admin
        Connect-As $VStore admin@contoso.com
        Use-ReportUser user1
        $key = New-PimCredential -Principal user1@contoso.com
        Use-ReportUser admin
        $key | Register-PimCredential -Principal user1@contoso.com | Out-Null
        New-PimEligibleAssignment -Principal user1@contoso.com -Role 'Security Reader' -Permanent -Justification 'JIT' | Out-Null
        Set-PimRoleSetting -Role 'Security Reader' -ActivationRequirement None
        Use-ReportUser user1
        Connect-As $VStore user1@contoso.com
        Request-PimActivation -Role 'Security Reader' -Duration 1h -Justification 'verified work' | Out-Null
        Use-ReportUser admin
        Connect-As $VStore admin@contoso.com
    }
    AfterAll { $env:XDG_DATA_HOME = $script:SavedData }

    It 'counts verified state only: rows written around the module count for nothing' {
        # The attacker's rows: a permanent Global Administrator assignment and a provisioned activation request of eve.
        $ticks = [DateTime]::UtcNow.AddMinutes(-5).Ticks
        $ga = (Get-PimRole 'Global Administrator').Id
        $sr = (Get-PimRole 'Security Reader').Id
        Invoke-Sql -Store $VStore -Sql ("INSERT INTO assignments (assignment_id, principal, principal_key, role_id, scope, type, member_type, start_utc, end_utc, justification, created_by, created_utc) " +
            "VALUES ('$([guid]::NewGuid())', 'eve@contoso.com', 'eve@contoso.com', '$ga', '/', 'Active', 'Direct', $ticks, NULL, 'mine', 'eve@contoso.com', $ticks)") | Out-Null
        Invoke-Sql -Store $VStore -Sql ("INSERT INTO requests (request_id, action, status, principal, principal_key, role_id, scope, assignment_type, justification, created_by, created_utc, approved_by, decided_utc) " +
            "VALUES ('$([guid]::NewGuid())', 'SelfActivate', 'Provisioned', 'eve@contoso.com', 'eve@contoso.com', '$sr', '/', 'Active', '<b>planted</b>', 'eve@contoso.com', $ticks, 'admin@contoso.com', $ticks)") | Out-Null
        $file = Join-Path $TestDrive 'verified.html'
        Export-PimReport -Path $file
        $data = Get-ReportData $file
        $data.identityMode | Should -Be 'Verified'
        $data.requesters.principal | Should -Be @('user1@contoso.com')
        ($data.activationsPerDay | Measure-Object count -Sum).Sum | Should -Be 1
        ($data.privileged | Where-Object { $_.role -eq 'Global Administrator' }) | Should -BeNullOrEmpty
        ($data.privileged | Where-Object { $_.role -eq 'Privileged Role Administrator' -and $_.type -eq 'Active' }).permanent | Should -Be 1
        ($data.assignments | Where-Object { $_.type -eq 'Active' -and $_.memberType -eq 'Direct' }).count | Should -Be 1
        $html = Get-Content $file -Raw
        $html | Should -Not -Match 'eve@contoso.com'
        $html | Should -Not -Match 'planted'
        $html | Should -Not -Match 'verified work'   # justifications are not verified state: left out
        $html | Should -Match 'This session verified the log \(chain and seals\) up to record'
    }
}

Describe 'The report in a browser' -Tag Report, Browser {
    BeforeAll {
        $script:Session = $null
        $script:Chromium = Find-Chromium
        if ($Chromium) { $script:Session = Start-HeadlessChromium -Chromium $Chromium -ProfileFolder (Join-Path $TestDrive "chromium-$([guid]::NewGuid().ToString('N'))") }
        $script:Charts = 'activations', 'approval', 'assignments', 'privileged', 'requesters'
    }
    AfterAll { if ($script:Session) { Stop-HeadlessChromium $script:Session } }

    It 'renders every chart, makes no request and logs no error or CSP violation (screenshot in out/test-results)' {
        if (-not (Assert-ChromiumOrSkip)) { return }
        $shot = Join-Path $Results "report-$($ReportStore.Provider).png"
        if (Test-Path $shot) { Remove-Item $shot }
        $page = Open-PageInChromium -Session $Session -Path $ReportFile -Screenshot $shot
        Get-PageProblem -Page $page -Charts $Charts | Should -BeNullOrEmpty
        @($page.Charts).Count | Should -Be $Charts.Count
        $page.Scripts | Should -Be @('application/json', 'text/javascript')
        $shot | Should -Exist
        (Get-Item $shot).Length | Should -BeGreaterThan 10000
    }

    It 'sees a report that loads a remote script fail: the policy blocks it (a violation), and without the policy it is a request' {
        if (-not (Assert-ChromiumOrSkip)) { return }
        # No request ever leaves the machine: the "remote" server is a closed port on 127.0.0.1.
        $remote = '<script src="http://127.0.0.1:9/remote.js"></script>'
        $blocked = Join-Path $TestDrive 'remote-blocked.html'
        Set-Content -Path $blocked -Value ($ReportHtml -replace '</main>', "$remote</main>") -NoNewline
        $problems = Get-PageProblem -Page (Open-PageInChromium -Session $Session -Path $blocked) -Charts $Charts
        $problems | Should -Not -BeNullOrEmpty
        ($problems -join "`n") | Should -Match 'CSP violation: script-src'

        $open = Join-Path $TestDrive 'remote-open.html'
        Set-Content -Path $open -Value (($ReportHtml -replace '<meta http-equiv="Content-Security-Policy"[^>]*>', '') -replace '</main>', "$remote</main>") -NoNewline
        $problems = Get-PageProblem -Page (Open-PageInChromium -Session $Session -Path $open) -Charts $Charts
        ($problems -join "`n") | Should -Match ([regex]::Escape('network request: http://127.0.0.1:9/remote.js'))
    }

    It 'runs nothing an attacker put in a custom role name or a justification, and shows it as text' {
        if (-not (Assert-ChromiumOrSkip)) { return }
        $page = Open-PageInChromium -Session $Session -Path $ReportFile
        $page.Dialogs | Should -BeNullOrEmpty
        $page.Handlers | Should -Be 0
        $page.Images | Should -Be $Charts.Count
        $page.Text | Should -Match ([regex]::Escape($ScriptPayload))
        $page.Text | Should -Match ([regex]::Escape($ImgPayload))
        # The probe itself sees a payload that does run: the same text as markup, without the policy, opens a dialog.
        $naked = Join-Path $TestDrive 'naked.html'
        Set-Content -Path $naked -Value "<!DOCTYPE html><html><body><p>$HostileJustification</p></body></html>" -NoNewline
        (Open-PageInChromium -Session $Session -Path $naked).Dialogs | Should -Not -BeNullOrEmpty
    }
}
