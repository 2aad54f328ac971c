# Dot-sourced by the browser tests: headless Chromium (Debian's chromium package) driven over the DevTools protocol
# (CDP) through a WebSocket (System.Net.WebSockets.ClientWebSocket). Nothing here reaches past 127.0.0.1.

function Find-Chromium {
    <# The Chromium to drive: $env:PIM_TEST_CHROMIUM, else chromium / chromium-browser / google-chrome on PATH; $null when none. #>
    if ($env:PIM_TEST_CHROMIUM -and (Test-Path $env:PIM_TEST_CHROMIUM)) { return $env:PIM_TEST_CHROMIUM }
    foreach ($name in 'chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable') {
        $found = Get-Command $name -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        if ($found) { return $found.Source }
    }
    $null
}

function Assert-ChromiumOrSkip {
    <#
    Inside an It: returns the Chromium path; without one, marks the test skipped with the reason — except in CI
    ($env:CI = 'true', which .ci/run sets), where a missing browser fails the test.
    #>
    $chromium = Find-Chromium
    if ($chromium) { return $chromium }
    if ($env:CI -eq 'true') { throw 'Chromium is not installed: .ci/run installs Debian''s chromium package; in CI the browser tests must run.' }
    Set-ItResult -Skipped -Because 'Chromium is not installed (Debian: apt-get install chromium; .ci/run installs it)'
    $null
}

function Start-HeadlessChromium {
    <# Starts Chromium headless with a new profile folder and a DevTools port of its own; returns the session (Stop-HeadlessChromium ends it). #>
    param([Parameter(Mandatory)] [string] $Chromium, [Parameter(Mandatory)] [string] $ProfileFolder)
    New-Item -ItemType Directory -Path $ProfileFolder -Force | Out-Null
    # A port file left by an earlier browser of this profile would name a port nobody listens on.
    Remove-Item (Join-Path $ProfileFolder 'DevToolsActivePort') -ErrorAction SilentlyContinue
    $start = [Diagnostics.ProcessStartInfo]::new($Chromium)
    foreach ($a in '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', "--user-data-dir=$ProfileFolder",
        '--remote-debugging-address=127.0.0.1', '--remote-debugging-port=0', '--no-first-run', '--no-default-browser-check',
        '--disable-extensions', '--disable-component-update', '--disable-sync', '--hide-scrollbars', '--window-size=1100,900', 'about:blank') {
        $start.ArgumentList.Add($a)
    }
    $start.RedirectStandardError = $true; $start.RedirectStandardOutput = $true; $start.UseShellExecute = $false
    $process = [Diagnostics.Process]::Start($start)
    $process.BeginErrorReadLine(); $process.BeginOutputReadLine()
    # Chromium writes the port it chose (and the browser's WebSocket path) to DevToolsActivePort in the profile.
    $portFile = Join-Path $ProfileFolder 'DevToolsActivePort'
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while (-not ((Test-Path $portFile) -and (Get-Content $portFile -ErrorAction SilentlyContinue | Select-Object -First 1))) {
        if ($process.HasExited) { throw "Chromium exited at start (exit code $($process.ExitCode))." }
        if ([DateTime]::UtcNow -gt $deadline) { $process.Kill($true); throw 'Chromium did not open its DevTools port within 30 s.' }
        Start-Sleep -Milliseconds 100
    }
    try {
        $port = [int](Get-Content $portFile | Select-Object -First 1)
        $targets = Invoke-RestMethod -Uri "http://127.0.0.1:$port/json/list" -TimeoutSec 10
        $page = @($targets | Where-Object type -eq 'page')[0]
        $socket = [Net.WebSockets.ClientWebSocket]::new()
        $socket.Options.KeepAliveInterval = [TimeSpan]::Zero
        $null = $socket.ConnectAsync([Uri]$page.webSocketDebuggerUrl, [Threading.CancellationToken]::None).GetAwaiter().GetResult()
    }
    catch { $process.Kill($true); throw }
    [pscustomobject]@{ Process = $process; Socket = $socket; NextId = 0; Events = [Collections.Generic.List[object]]::new() }
}

function Stop-HeadlessChromium {
    param([Parameter(Mandatory)] $Session)
    try { $Session.Socket.Dispose() } catch { }
    # Only the process this session started, with its children.
    if (-not $Session.Process.HasExited) { $Session.Process.Kill($true); $Session.Process.WaitForExit(10000) | Out-Null }
}

function Receive-CdpMessage {
    param([Parameter(Mandatory)] $Session, [int] $TimeoutSeconds = 30)
    $buffer = [byte[]]::new(1MB)
    $text = [IO.MemoryStream]::new()
    $cancel = [Threading.CancellationTokenSource]::new([TimeSpan]::FromSeconds($TimeoutSeconds))
    try {
        do {
            $segment = [ArraySegment[byte]]::new($buffer)
            $result = $Session.Socket.ReceiveAsync($segment, $cancel.Token).GetAwaiter().GetResult()
            $text.Write($buffer, 0, $result.Count)
        } while (-not $result.EndOfMessage)
    }
    finally { $cancel.Dispose() }
    [Text.Encoding]::UTF8.GetString($text.ToArray()) | ConvertFrom-Json -Depth 64
}

function Invoke-Cdp {
    <# Sends one DevTools command and returns its result; events that arrive meanwhile are kept in $Session.Events. #>
    param([Parameter(Mandatory)] $Session, [Parameter(Mandatory)] [string] $Method, [hashtable] $Params = @{}, [int] $TimeoutSeconds = 30)
    $id = ++$Session.NextId
    $json = @{ id = $id; method = $Method; params = $Params } | ConvertTo-Json -Depth 20 -Compress
    $bytes = [Text.Encoding]::UTF8.GetBytes($json)
    $null = $Session.Socket.SendAsync([ArraySegment[byte]]::new($bytes), [Net.WebSockets.WebSocketMessageType]::Text, $true,
        [Threading.CancellationToken]::None).GetAwaiter().GetResult()
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ($true) {
        if ([DateTime]::UtcNow -gt $deadline) { throw "No answer to $Method within $TimeoutSeconds s." }
        $message = Receive-CdpMessage -Session $Session -TimeoutSeconds $TimeoutSeconds
        if ($message.PSObject.Properties['id'] -and $message.id -eq $id) {
            if ($message.PSObject.Properties['error']) { throw "$Method failed: $($message.error.message)" }
            return $message.result
        }
        if ($message.PSObject.Properties['method']) { $Session.Events.Add($message) }
    }
}

function Wait-CdpEvent {
    param([Parameter(Mandatory)] $Session, [Parameter(Mandatory)] [string] $Method, [int] $TimeoutSeconds = 30)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while (-not ($Session.Events | Where-Object method -eq $Method)) {
        if ([DateTime]::UtcNow -gt $deadline) { throw "No $Method within $TimeoutSeconds s." }
        $message = Receive-CdpMessage -Session $Session -TimeoutSeconds $TimeoutSeconds
        if ($message.PSObject.Properties['method']) { $Session.Events.Add($message) }
    }
}

# Runs in the page before its own script (DevTools-injected scripts are not subject to the page's policy): records CSP
# violations and any dialog a script would open (alert, confirm, prompt — what an injected payload calls).
$script:CdpProbe = @'
window.__pim = { violations: [], dialogs: [] };
document.addEventListener('securitypolicyviolation', function (e) { window.__pim.violations.push(e.violatedDirective + ' ' + e.blockedURI); });
['alert', 'confirm', 'prompt', 'print'].forEach(function (n) { window[n] = function (m) { window.__pim.dialogs.push(n + ':' + m); }; });
'@

# What the page says of itself once loaded: its charts (each an SVG image: loaded, and its marks counted), the
# elements that could run or load something, the probe's records.
$script:CdpInspect = @'
(function () {
  // The SVG is read as text (a DOMParser document would apply its style attributes under this page's policy).
  function attr(tag, name) { var m = new RegExp('\\s' + name + '="([^"]*)"').exec(tag); return m ? m[1] : ''; }
  function marks(svgText) {
    var n = 0, re = /<(rect|polyline|polygon|path|ellipse|circle)\b[^>]*>/g, m;
    while ((m = re.exec(svgText)) !== null) {
      var tag = m[0], style = attr(tag, 'style') + ';fill:' + attr(tag, 'fill') + ';stroke:' + attr(tag, 'stroke');
      var colours = (style.match(/(fill|stroke):\s*rgb\([^)]*\)/g) || []).filter(function (c) { return !/rgb\((0,0,0|255,255,255)\)/.test(c.replace(/\s/g, '')); });
      if (!colours.length) continue;
      if (m[1] === 'rect' && parseFloat(attr(tag, 'width')) * parseFloat(attr(tag, 'height')) < 200) continue;
      if (m[1] === 'polyline' && attr(tag, 'points').trim().split(/\s+/).length < 3) continue;
      n++;
    }
    return n;
  }
  var charts = Array.prototype.map.call(document.querySelectorAll('img.chart'), function (img) {
    var src = img.getAttribute('src') || '';
    var svg = src.indexOf('data:image/svg+xml;base64,') === 0 ? atob(src.substring(26)) : '';
    return { chart: img.getAttribute('data-chart'), loaded: img.complete && img.naturalWidth > 0, marks: svg ? marks(svg) : -1,
             scripts: (svg.match(/<(script|foreignObject)\b|<[^>]*\son[a-z]+=/gi) || []).length };
  });
  return JSON.stringify({
    ready: document.documentElement.getAttribute('data-pim-report'),
    charts: charts,
    images: document.images.length,
    scripts: Array.prototype.map.call(document.scripts, function (s) { return (s.type || 'text/javascript') + (s.src ? ' ' + s.src : ''); }),
    handlers: document.querySelectorAll('[onerror], [onload], [onclick], [onmouseover]').length,
    violations: window.__pim ? window.__pim.violations : ['probe missing'],
    dialogs: window.__pim ? window.__pim.dialogs : ['probe missing'],
    height: Math.ceil(document.documentElement.scrollHeight),
    text: document.body ? document.body.innerText : ''
  });
})()
'@

function Open-PageInChromium {
    <#
    Opens a file in a running headless Chromium, waits for it to load, and returns what the page said: its charts, its
    scripts and images, every request other than the file itself, console errors, exceptions, CSP violations, dialogs.
    With -Screenshot, saves a PNG of the whole page there.
    #>
    param([Parameter(Mandatory)] $Session, [Parameter(Mandatory)] [string] $Path, [string] $Screenshot)
    $Session.Events.Clear()
    foreach ($domain in 'Page', 'Runtime', 'Log', 'Network') { Invoke-Cdp $Session "$domain.enable" | Out-Null }
    Invoke-Cdp $Session 'Page.addScriptToEvaluateOnNewDocument' @{ source = $script:CdpProbe } | Out-Null
    $uri = [Uri]::new((Resolve-Path $Path).Path).AbsoluteUri
    Invoke-Cdp $Session 'Page.navigate' @{ url = $uri } | Out-Null
    Wait-CdpEvent $Session 'Page.loadEventFired'
    # Give late work (timers, a violation report) a moment; events still arrive through this call.
    Start-Sleep -Milliseconds 300
    $page = (Invoke-Cdp $Session 'Runtime.evaluate' @{ expression = $script:CdpInspect; returnByValue = $true }).result.value | ConvertFrom-Json
    if ($Screenshot) {
        New-Item -ItemType Directory -Path (Split-Path $Screenshot) -Force | Out-Null
        Invoke-Cdp $Session 'Emulation.setDeviceMetricsOverride' @{ width = 1100; height = [Math]::Min([int]$page.height, 12000); deviceScaleFactor = 1; mobile = $false } | Out-Null
        $shot = Invoke-Cdp $Session 'Page.captureScreenshot' @{ format = 'png'; captureBeyondViewport = $true }
        [IO.File]::WriteAllBytes($Screenshot, [Convert]::FromBase64String($shot.data))
        Invoke-Cdp $Session 'Emulation.clearDeviceMetricsOverride' | Out-Null
    }
    $events = @($Session.Events)
    $requests = @($events | Where-Object method -eq 'Network.requestWillBeSent' | ForEach-Object { $_.params.request.url } |
            Where-Object { $_ -ne $uri -and $_ -notlike 'data:*' })
    $consoleErrors = @($events | Where-Object { $_.method -eq 'Runtime.consoleAPICalled' -and $_.params.type -in 'error', 'assert' } |
            ForEach-Object { ($_.params.args | ForEach-Object { $_.value ?? $_.description }) -join ' ' })
    $logErrors = @($events | Where-Object { $_.method -eq 'Log.entryAdded' -and $_.params.entry.level -eq 'error' } | ForEach-Object { "$($_.params.entry.source): $($_.params.entry.text)" })
    $exceptions = @($events | Where-Object method -eq 'Runtime.exceptionThrown' | ForEach-Object { $_.params.exceptionDetails.exception.description ?? $_.params.exceptionDetails.text })
    $dialogs = @($events | Where-Object method -eq 'Page.javascriptDialogOpening' | ForEach-Object { $_.params.message }) + @($page.dialogs)
    [pscustomobject]@{
        Ready = $page.ready; Charts = @($page.charts); Images = $page.images; Scripts = @($page.scripts); Handlers = $page.handlers
        Requests = $requests; ConsoleErrors = $consoleErrors + $logErrors; Exceptions = $exceptions; Violations = @($page.violations)
        Dialogs = @($dialogs | Where-Object { $_ }); Text = $page.text
    }
}

function Get-PageProblem {
    <# What is wrong with a report page as the browser showed it (nothing: an empty list). #>
    param([Parameter(Mandatory)] $Page, [string[]] $Charts)
    $problems = [Collections.Generic.List[string]]::new()
    if ($Page.Ready -ne 'ready') { $problems.Add('the report''s own script did not run') }
    foreach ($r in $Page.Requests) { $problems.Add("network request: $r") }
    foreach ($e in $Page.ConsoleErrors) { $problems.Add("console error: $e") }
    foreach ($e in $Page.Exceptions) { $problems.Add("exception: $e") }
    foreach ($v in $Page.Violations) { $problems.Add("CSP violation: $v") }
    foreach ($d in $Page.Dialogs) { $problems.Add("a script ran: $d") }
    if ($Page.Handlers -gt 0) { $problems.Add("$($Page.Handlers) inline event handler attribute(s) in the DOM") }
    $own = @($Page.Scripts | Where-Object { $_ -notin 'text/javascript', 'application/json' })
    foreach ($s in $own) { $problems.Add("unexpected script: $s") }
    if ($Page.Images -ne $Page.Charts.Count) { $problems.Add("$($Page.Images) images, $($Page.Charts.Count) of them charts") }
    foreach ($name in $Charts) {
        $c = $Page.Charts | Where-Object chart -eq $name
        if (-not $c) { $problems.Add("chart '$name' is missing"); continue }
        if (-not $c.loaded) { $problems.Add("chart '$name' did not render") }
        if ($c.marks -le 0) { $problems.Add("chart '$name' has no marks") }
        if ($c.scripts -gt 0) { $problems.Add("chart '$name' holds script or foreignObject elements") }
    }
    , $problems.ToArray()
}
