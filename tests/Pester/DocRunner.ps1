<#
    Runs documentation as a newcomer would (issue 26): dot-sourced by Documentation.Tests.ps1 (README.md and
    about_PimModule) and HelpExamples.Tests.ps1 (every help example).

    A "run" is a list of snippets (code blocks, or help examples) that execute in order in ONE fresh
    `pwsh -NoProfile -NonInteractive` process, as a person types them into one session, so a later snippet may use what
    an earlier one made. Each process gets the machine of a newcomer who has installed the module:
      - a HOME of its own and no XDG_DATA_HOME, so the default store is ~/.local/share/PimModule/pim.db there, made on
        first use — a Verified store (nothing forces Lab: only a snippet that says -IdentityMode Lab gets one), created
        by the operating-system user; keys, pins, checkpoints and the secret key are made in that HOME too;
      - no PIM_STORE_PATH and no PIM_SECRET_KEY; on PostgreSQL, PIM_STORE_CONNECTION names a new empty database (the
        default store on that provider);
      - the module under test found by name ($env:PSModulePath starts with its folder), so `Import-Module PimModule`
        and command auto-loading work; `./out/PimModule` in the working folder is the module under test too;
      - an empty working folder and temporary folder.
    $ErrorActionPreference is 'Stop' (set again before each snippet), so an error a snippet does not expect fails it;
    each snippet's output is rendered (Out-String), so the formatting it asks for runs too. The process prints the
    results as JSON on its last output line.

    SKIPPING. A snippet that cannot run here (a real tenant, a real mail server, a person at the keyboard) is marked in
    its source with its reason — in a help example (docs/help/*.md) a line `# Not run by the example tests: <reason>`,
    in README.md an HTML comment `<!-- Not run by the README tests: <reason> -->` on the line before its fence, in
    about_PimModule a line `# Not run by the example tests: <reason>` before its PS> lines. The test reports it as
    Skipped with that reason.
#>

$script:DocSkipMarker = '(?m)^\s*(?:#|<!--)\s*Not run by the (?:example|README) tests:(?<reason>.*?)\s*(?:-->)?\s*$'

$script:DocRunnerScript = @'
param([string] $SnippetsFile, [string] $WorkFolder)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Set-Location -LiteralPath $WorkFolder
$__pimSnippets = @(Get-Content -LiteralPath $SnippetsFile -Raw | ConvertFrom-Json)
$__pimResults = [System.Collections.Generic.List[object]]::new()
foreach ($__pimSnippet in $__pimSnippets) {
    if ($__pimSnippet.Skip) {
        $__pimResults.Add([pscustomobject]@{ Index = $__pimSnippet.Index; Title = $__pimSnippet.Title; Status = 'Skipped'; Error = $null; Ms = 0 })
        continue
    }
    $__pimClock = [Diagnostics.Stopwatch]::StartNew()
    $ErrorActionPreference = 'Stop'
    try {
        # Dot-sourced: what a snippet defines ($admin, $request, functions) stays for the next ones.
        $null = . ([scriptblock]::Create($__pimSnippet.Code)) | Out-String -Width 250
        $__pimResults.Add([pscustomobject]@{ Index = $__pimSnippet.Index; Title = $__pimSnippet.Title; Status = 'Passed'; Error = $null; Ms = $__pimClock.ElapsedMilliseconds })
    }
    catch {
        $__pimError = "$($_.FullyQualifiedErrorId): $($_.Exception.Message)`n$($_.InvocationInfo.PositionMessage)"
        $__pimResults.Add([pscustomobject]@{ Index = $__pimSnippet.Index; Title = $__pimSnippet.Title; Status = 'Failed'; Error = $__pimError; Ms = $__pimClock.ElapsedMilliseconds })
    }
}
[Console]::Out.WriteLine()
[Console]::Out.WriteLine('PIM-DOC-RESULTS ' + (ConvertTo-Json -InputObject $__pimResults.ToArray() -Compress -Depth 3))
'@

function Get-DocSkipReason {
    <# The reason a snippet is marked not to run ('' for a marker without one), or $null when it runs. #>
    param([string] $Text)
    $m = [regex]::Match($Text, $script:DocSkipMarker)
    if ($m.Success) { $m.Groups['reason'].Value.Trim() } else { $null }
}

function Get-ReadmeSection {
    <#
    The fenced `powershell` blocks of a Markdown file, grouped by their level-2 (##) section, in order. A block whose
    fence is preceded (blank lines aside) by `<!-- Not run by the README tests: reason -->` has that Skip reason.
    #>
    param([Parameter(Mandatory)] [string] $Path)
    $lines = Get-Content -LiteralPath $Path
    $sections = [System.Collections.Generic.List[object]]::new()
    $section = $null; $inBlock = $false; $code = $null; $start = 0; $lastText = ''
    for ($i = 0; $i -lt $lines.Count; $i++) {
        $line = $lines[$i]
        if ($inBlock) {
            if ($line -match '^```\s*$') {
                $inBlock = $false
                $section.Blocks.Add([pscustomobject]@{
                        Index = $section.Blocks.Count
                        Title = "block $($section.Blocks.Count + 1) (README.md line $start)"
                        Code  = ($code -join "`n")
                        Skip  = Get-DocSkipReason $lastText
                    })
            }
            else { $code.Add($line) }
            continue
        }
        if ($line -match '^##\s+(?<name>.+?)\s*$') {
            $section = [pscustomobject]@{ Name = $Matches.name; Blocks = [System.Collections.Generic.List[object]]::new() }
            $sections.Add($section)
            $lastText = ''
            continue
        }
        if ($line -match '^```(?<lang>\S*)') {
            if ($Matches.lang -in 'powershell', 'pwsh', 'ps1') {
                $inBlock = $true; $code = [System.Collections.Generic.List[string]]::new(); $start = $i + 1
                if (-not $section) { $section = [pscustomobject]@{ Name = '(top)'; Blocks = [System.Collections.Generic.List[object]]::new() }; $sections.Add($section) }
            }
            else {
                # another language: skip to its closing fence
                for ($i++; $i -lt $lines.Count -and $lines[$i] -notmatch '^```\s*$'; $i++) { }
            }
            continue
        }
        if ($line.Trim()) { $lastText = $line }
    }
    @($sections | Where-Object { $_.Blocks.Count })
}

function Get-AboutExample {
    <#
    The commands of an about_ topic: every line that starts (after indentation) with 'PS> ', with the lines right after
    it that are indented further (a statement continued on the next line). Consecutive commands form one snippet; a
    line '# Not run by the example tests: <reason>' right before a snippet skips it.
    #>
    param([Parameter(Mandatory)] [string] $Path)
    $lines = Get-Content -LiteralPath $Path
    $snippets = [System.Collections.Generic.List[object]]::new()
    $current = $null; $skip = $null; $indent = -1
    for ($i = 0; $i -lt $lines.Count; $i++) {
        $line = $lines[$i]
        if ($current -and $line.Trim() -and $line -notmatch '^\s*PS> ' -and ($line.Length - $line.TrimStart().Length) -gt $indent) {
            $current.Code.Add($line.Trim())
            continue
        }
        if ($line -match '^(?<indent>\s*)PS> (?<cmd>.*)$') {
            if (-not $current) {
                $current = [pscustomobject]@{ Index = $snippets.Count; Title = "lines from $($i + 1)"; Code = [System.Collections.Generic.List[string]]::new(); Skip = $skip }
                $skip = $null
            }
            $current.Code.Add($Matches.cmd)
            $indent = $Matches.indent.Length
            continue
        }
        if ($current) { $snippets.Add($current); $current = $null }
        $reason = Get-DocSkipReason $line
        if ($null -ne $reason) { $skip = $reason }
    }
    if ($current) { $snippets.Add($current) }
    @($snippets | ForEach-Object { [pscustomobject]@{ Index = $_.Index; Title = "about_PimModule, $($_.Title)"; Code = ($_.Code -join "`n"); Skip = $_.Skip } })
}

function Invoke-DocRun {
    <#
    Runs each of -Runs (objects with Name and Snippets) in its own fresh pwsh on a newcomer's machine (see above), up to
    one per core at a time. Returns a hashtable: Name -> @{ Results (per snippet: Index, Title, Status, Error); Output }.
    #>
    param([Parameter(Mandatory)] [object[]] $Runs, [Parameter(Mandatory)] [string] $Folder)
    $runnerFile = Join-Path $Folder 'run-snippets.ps1'
    Set-Content -LiteralPath $runnerFile -Value $script:DocRunnerScript
    # Each run's HOME, stores and working folder live outside $Folder (usually $TestDrive) and are removed as soon as the
    # run has reported: Pester lists $TestDrive recursively around every block, and 60 homes (pwsh's caches, key folders,
    # a link to the module) made that take minutes.
    $base = Join-Path ([IO.Path]::GetTempPath()) "pim-docruns-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    $null = New-Item -ItemType Directory -Path $base
    $moduleParent = Split-Path -Parent (Resolve-Path $ModulePath).Path
    $outcome = @{}
    $pending = [System.Collections.Generic.Queue[object]]::new([object[]] $Runs)
    $running = [System.Collections.Generic.List[object]]::new()
    $throttle = [Math]::Max(2, [Environment]::ProcessorCount)
    while ($pending.Count -or $running.Count) {
        while ($pending.Count -and $running.Count -lt $throttle) {
            $run = $pending.Dequeue()
            $safe = $run.Name -replace '[^\w.-]+', '-'
            $work = Join-Path $base "doc-$safe-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
            $cwd = Join-Path $work 'cwd'; $temp = Join-Path $work 'tmp'; $homeFolder = Join-Path $work 'home'
            $null = New-Item -ItemType Directory -Path $cwd, $temp, $homeFolder -Force
            # ./out/PimModule in the working folder is the module under test (the README's "Build from source").
            $null = New-Item -ItemType SymbolicLink -Path (Join-Path $cwd 'out') -Target $moduleParent
            $snippetsFile = Join-Path $work 'snippets.json'
            ConvertTo-Json -InputObject @($run.Snippets) -Depth 3 | Set-Content -LiteralPath $snippetsFile

            $start = [Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
            foreach ($a in (Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', $runnerFile,
                '-SnippetsFile', $snippetsFile, '-WorkFolder', $cwd) { $start.ArgumentList.Add($a) }
            $start.UseShellExecute = $false
            $start.RedirectStandardOutput = $true
            $start.RedirectStandardError = $true
            $start.WorkingDirectory = $cwd
            foreach ($v in 'PIM_STORE_PATH', 'PIM_STORE_CONNECTION', 'PIM_SECRET_KEY', 'PIM_TEST_UTCNOW', 'PIM_TEST_HOOKS', 'XDG_DATA_HOME') { $null = $start.Environment.Remove($v) }
            $start.Environment['HOME'] = $homeFolder
            foreach ($v in 'TMPDIR', 'TEMP', 'TMP') { $start.Environment[$v] = $temp }
            $start.Environment['PSModulePath'] = $moduleParent + [IO.Path]::PathSeparator + $env:PSModulePath
            if ($OnPostgres) { $start.Environment['PIM_STORE_CONNECTION'] = (New-TestStore -Name $safe).ConnectionString }
            $process = [Diagnostics.Process]::Start($start)
            $running.Add([pscustomobject]@{
                    Run = $run; Process = $process; Work = $work
                    Stdout = $process.StandardOutput.ReadToEndAsync(); Stderr = $process.StandardError.ReadToEndAsync()
                })
        }
        $done = @($running | Where-Object { $_.Process.WaitForExit(20) })
        foreach ($r in $done) {
            $r.Process.WaitForExit()
            $line = @($r.Stdout.Result -split '\r?\n' | Where-Object { $_.StartsWith('PIM-DOC-RESULTS ') })
            $results = $null
            if ($line) { try { $results = @($line[-1].Substring('PIM-DOC-RESULTS '.Length) | ConvertFrom-Json) } catch { } }
            $outcome[$r.Run.Name] = [pscustomobject]@{
                Results = if ($results -and $null -ne $results[0].Status) { $results } else { $null }
                Output  = "exit $($r.Process.ExitCode)`n$($r.Stdout.Result)`n$($r.Stderr.Result)"
            }
            $r.Process.Dispose()
            $null = $running.Remove($r)
            Remove-DocFolder $r.Work
        }
    }
    Remove-DocFolder $base
    $outcome
}

function Remove-DocFolder([string] $Path) {
    <# Removes a run's folder without following the link to the module in it (Directory.Delete removes a link, never its target). #>
    try { if (Test-Path -LiteralPath $Path) { [IO.Directory]::Delete($Path, $true) } }
    catch { Write-Warning "Could not remove '$Path': $_" }
}

function Assert-DocSnippet {
    <# Inside an It: the snippet ran and passed (or is marked not to run: then the It is Skipped with the reason). #>
    param([AllowNull()] [object] $Outcome, [Parameter(Mandatory)] [object] $Snippet, [string] $Source)
    if ($null -ne $Snippet.Skip) {
        if (-not $Snippet.Skip) { throw "'$($Snippet.Title)' of $Source is marked not to run but gives no reason: say why after the colon." }
        Set-ItResult -Skipped -Because "it is marked 'Not run: $($Snippet.Skip)'"
        return
    }
    if (-not $Outcome.Results) { throw "The run of $Source did not report its results. Output of the process:`n$($Outcome.Output)" }
    $result = $Outcome.Results | Where-Object Index -eq $Snippet.Index
    $result | Should -Not -BeNullOrEmpty -Because "'$($Snippet.Title)' of $Source must have been run"
    if ($result.Status -ne 'Passed') { throw "'$($Snippet.Title)' of $Source failed: $($result.Error)" }
}
