#requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, demonstrates and benchmarks PimModule.
.DESCRIPTION
    Build  stages an importable module in out/PimModule (manifest, cmdlet assembly, Dependencies/ with the
           engine, its third-party assemblies and native SQLite for every supported platform, format file, help).
    Test   builds, then runs the xunit suite and the Pester suite (in a fresh pwsh against out/PimModule) on
           SQLite, and again on PostgreSQL when $env:PIM_TEST_PG_ADMIN holds an admin connection string
           (each test store is a new database there); prints one 'N passed, N failed' line for all of it
           and exits non-zero on any failure.
    Package builds, then writes out/PimModule.<version>.nupkg (the version is the manifest's ModuleVersion) from
           out/PimModule, for Install-PSResource from a local repository (Register-PSResourceRepository -Uri out).
    Demo   builds, then runs examples/SecurityReaderJit.ps1 against a fresh temporary store.
    Bench  builds, then runs the benchmarks under bench/ and prints their ratios.
    Clean  removes out/ and the projects' bin/obj folders.
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 Test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Package', 'Demo', 'Bench', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Pester tags to run (all when empty).
    [string[]] $Tag,

    # Skip the xunit suite (Test only).
    [switch] $SkipUnit,

    # Demo only: run the demo against the module already in out/PimModule, without building (the Demo test uses it).
    [switch] $NoBuild
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'PimModule'
# The test variant: the same module with its engine built in configuration TestHooks (a clock the tests can move).
# Only the tests load it; out/PimModule — what users import — contains no test hook.
$TestModuleOut = Join-Path $Out 'test/PimModule'
$HookMarkers = 'PIM_TEST_UTCNOW', 'EnvironmentTestClock', 'PIM_TEST_HOOKS'
$ResultsDir = Join-Path $Out 'test-results'
$Rids = 'linux-x64', 'linux-arm64', 'osx-x64', 'osx-arm64', 'win-x64', 'win-arm64'
# The platforms whose ReadyToRun packs restore here (the arm64 ones keep plain IL), and what is precompiled for them (for
# .NET 10, the runtime of PowerShell 7.6): the engine and what a command's start loads on the default store (SQLite and its
# SQL). Npgsql, MailKit, OxyPlot and QRCoder are not precompiled (each would add its size three times to the package).
$ReadyToRunRids = 'linux-x64', 'win-x64', 'osx-x64'
$Precompiled = 'PimModule.Engine', 'Dapper', 'Microsoft.Data.Sqlite', 'SQLitePCLRaw.core', 'SQLitePCLRaw.provider.e_sqlite3',
    'SQLitePCLRaw.batteries_v2'

function Invoke-Native {
    param([string] $What, [scriptblock] $Command)
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit code $LASTEXITCODE)." }
}

function Get-PwshCommand {
    # The pwsh running this script (the local dotnet tool): started again as a fresh process.
    @([Environment]::ProcessPath, (Join-Path $PSHOME 'pwsh.dll'))
}

function Invoke-Clean {
    foreach ($path in @($Out) + (Get-ChildItem $Root -Recurse -Directory -Include bin, obj -ErrorAction SilentlyContinue).FullName) {
        if ($path -and (Test-Path $path)) { Remove-Item $path -Recurse -Force }
    }
    Write-Host 'Cleaned.'
}

function Invoke-Build {
    Write-Host "Building PimModule ($Configuration)..."
    Invoke-Native 'dotnet build' { dotnet build (Join-Path $Root 'src/PimModule/PimModule.csproj') -c $Configuration --nologo -v q -clp:ErrorsOnly }
    if (Test-Path $ModuleOut) { Remove-Item $ModuleOut -Recurse -Force }
    $deps = Join-Path $ModuleOut 'Dependencies'
    New-Item -ItemType Directory -Path $deps -Force | Out-Null

    # The engine and everything it depends on, with its .deps.json and runtimes/<rid>/native, in Dependencies/.
    Invoke-Native 'dotnet publish (engine)' {
        dotnet publish (Join-Path $Root 'src/PimModule.Engine/PimModule.Engine.csproj') -c $Configuration -f net8.0 -o $deps --nologo -v q -clp:ErrorsOnly
    }
    # ReadyToRun (issue 30): the engine and what a command's start loads, built for .NET 10 (PowerShell 7.6) and precompiled
    # for each platform whose packs restore here, in Dependencies/r2r/net10.0/<rid>/, which PimLoadContext prefers on that
    # runtime and platform. Precompiled code runs only on the runtime it was compiled for (.NET 10 ignores a .NET 8 image's
    # code, measured); any other runtime or platform loads the net8.0 IL above.
    # One restore for every platform (the engine names them in RuntimeIdentifiers), then one publish per platform, side by side.
    # The shared model (net8.0, no platform) was built above: the publishes build only the engine (three builds of the model
    # side by side would race on its files).
    $engine = Join-Path $Root 'src/PimModule.Engine/PimModule.Engine.csproj'
    Invoke-Native 'dotnet restore (engine, ReadyToRun)' { dotnet restore $engine -p:PublishReadyToRun=true --nologo -v q }
    $publishes = foreach ($rid in $ReadyToRunRids) {
        $info = [Diagnostics.ProcessStartInfo]::new('dotnet')
        foreach ($a in 'publish', $engine, '-c', $Configuration, '-f', 'net10.0', '-r', $rid, '--self-contained', 'false', '--no-restore',
            '-p:PublishReadyToRun=true', '-p:BuildProjectReferences=false', '-o', (Join-Path $Out "r2r-$rid"), '--nologo', '-v', 'q', '-clp:ErrorsOnly') { $info.ArgumentList.Add($a) }
        [pscustomobject]@{ Rid = $rid; Process = [Diagnostics.Process]::Start($info) }
    }
    foreach ($p in $publishes) {
        $p.Process.WaitForExit()
        if ($p.Process.ExitCode -ne 0) { throw "dotnet publish (engine, ReadyToRun $($p.Rid)) failed with exit code $($p.Process.ExitCode)." }
        $staging = Join-Path $Out "r2r-$($p.Rid)"
        $target = New-Item -ItemType Directory -Path (Join-Path $deps "r2r/net10.0/$($p.Rid)") -Force
        foreach ($name in $Precompiled) { Copy-Item (Join-Path $staging "$name.dll") $target }
        Remove-Item $staging -Recurse -Force
    }
    $bin = Join-Path $Root "src/PimModule/bin/$Configuration/net8.0"
    Copy-Item (Join-Path $bin 'PimModule.dll'), (Join-Path $bin 'PimModule.pdb'), (Join-Path $bin 'PimModule.Model.dll') $ModuleOut
    # The shared model loads in the default context beside PimModule.dll; the engine's copy is not used.
    Remove-Item (Join-Path $deps 'PimModule.Model.*') -Force
    Copy-Item (Join-Path $Root 'PimModule.psd1') $ModuleOut
    Copy-Item (Join-Path $Root 'src/PimModule/PimModule.format.ps1xml') $ModuleOut
    Copy-Item (Join-Path $Root 'LICENSE'), (Join-Path $Root 'CHANGELOG.md') $ModuleOut
    $helpScript = Join-Path $Root 'docs/Build-Help.ps1'
    if ((Test-Path $helpScript) -and -not $env:PIM_SKIP_HELP) { & $helpScript -Source (Join-Path $Root 'docs') -Destination (Join-Path $ModuleOut 'en-US') -ModulePath $ModuleOut }

    # What the module must (not) hold.
    foreach ($rid in $Rids) {
        $native = Get-ChildItem (Join-Path $deps "runtimes/$rid/native") -Filter '*e_sqlite3*' -ErrorAction SilentlyContinue
        if (-not $native) { throw "Native SQLite for $rid is missing from $deps/runtimes/$rid/native." }
    }
    if (Get-ChildItem $ModuleOut -Recurse -Filter 'System.Management.Automation.dll') { throw 'System.Management.Automation.dll must not be shipped.' }
    if (Test-Path (Join-Path $ModuleOut 'PimModule.Engine.dll')) { throw 'The engine must only be in Dependencies/ (isolation).' }
    foreach ($dll in Get-ChildItem $ModuleOut -Recurse -Filter 'PimModule*.dll') { Test-NoHookMarker $dll.Name ([IO.File]::ReadAllBytes($dll.FullName)) }
    Write-Host "Module staged in $ModuleOut"
}

function Test-NoHookMarker {
    # A binary that contains a test hook's name must never ship (the hooks are compiled in configuration TestHooks only).
    param([string] $Name, [byte[]] $Bytes)
    $text = [Text.Encoding]::Unicode.GetString($Bytes) + [Text.Encoding]::UTF8.GetString($Bytes)
    foreach ($marker in $HookMarkers) { if ($text.Contains($marker)) { throw "$Name contains the test hook '$marker': test hooks must never ship." } }
}

function Invoke-Package {
    Invoke-Build
    if (-not (Get-Command Compress-PSResource -ErrorAction SilentlyContinue)) {
        throw 'Compress-PSResource (PSResourceGet 1.1 or later) is needed: run the build with the repo''s PowerShell, dotnet pwsh ./build.ps1 Package.'
    }
    $version = (Import-PowerShellDataFile (Join-Path $ModuleOut 'PimModule.psd1')).ModuleVersion
    Get-ChildItem $Out -Filter 'PimModule.*.nupkg' -ErrorAction SilentlyContinue | Remove-Item -Force
    Compress-PSResource -Path $ModuleOut -DestinationPath $Out
    $package = Join-Path $Out "PimModule.$version.nupkg"
    if (-not (Test-Path $package)) { throw "Compress-PSResource wrote no $package." }

    # What the package must (not) hold: the module's layout (the engine only in Dependencies/), no test-hook build.
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    $zip = [IO.Compression.ZipFile]::OpenRead($package)
    try {
        $names = @($zip.Entries.FullName | ForEach-Object { $_ -replace '\\', '/' })
        foreach ($required in 'PimModule.psd1', 'PimModule.dll', 'PimModule.Model.dll', 'Dependencies/PimModule.Engine.dll',
            'Dependencies/PimModule.Engine.deps.json', 'en-US/PimModule.dll-Help.xml', 'LICENSE', 'CHANGELOG.md') {
            if ($required -notin $names) { throw "The package lacks $required." }
        }
        if ('PimModule.Engine.dll' -in $names) { throw 'The engine must only be in Dependencies/ (isolation).' }
        if ($names | Where-Object { $_ -like 'test/*' -or $_ -like '*System.Management.Automation.dll' }) { throw 'The package holds files that must not ship.' }
        foreach ($entry in $zip.Entries | Where-Object { $_.Name -like 'PimModule*.dll' }) {
            $stream = $entry.Open(); $buffer = [IO.MemoryStream]::new()
            try { $stream.CopyTo($buffer) } finally { $stream.Dispose() }
            Test-NoHookMarker $entry.FullName $buffer.ToArray()
        }
    }
    finally { $zip.Dispose() }
    Write-Host "Package written: $package"
    $script:PackagePath = $package
}

function Invoke-BuildTestVariant {
    Write-Host 'Building the test variant (engine in configuration TestHooks)...'
    Invoke-Native 'dotnet build (engine, TestHooks)' {
        dotnet build (Join-Path $Root 'src/PimModule.Engine/PimModule.Engine.csproj') -c TestHooks -f net8.0 --nologo -v q -clp:ErrorsOnly
    }
    if (Test-Path $TestModuleOut) { Remove-Item $TestModuleOut -Recurse -Force }
    New-Item -ItemType Directory -Path (Split-Path $TestModuleOut) -Force | Out-Null
    Copy-Item $ModuleOut $TestModuleOut -Recurse
    $bin = Join-Path $Root 'src/PimModule.Engine/bin/TestHooks/net8.0'
    Copy-Item (Join-Path $bin 'PimModule.Engine.dll'), (Join-Path $bin 'PimModule.Engine.pdb') (Join-Path $TestModuleOut 'Dependencies') -Force
    # The precompiled engine is the shipped one: the test variant loads its own, with the hooks, and the IL beside it.
    Remove-Item (Join-Path $TestModuleOut 'Dependencies/r2r') -Recurse -Force -ErrorAction SilentlyContinue
    Write-Host "Test variant staged in $TestModuleOut"
}

function Get-PackagesFolder {
    $line = dotnet nuget locals global-packages --list
    ($line -replace '^global-packages:\s*', '').Trim()
}

function Invoke-Test {
    # The package too: a Pester test installs it into a fresh pwsh (PIM_TEST_PACKAGE).
    Invoke-Package
    $env:PIM_TEST_PACKAGE = $script:PackagePath
    Invoke-BuildTestVariant
    New-Item -ItemType Directory -Path $ResultsDir -Force | Out-Null
    $passed = 0; $failed = 0; $skipped = 0

    # SQLite always; PostgreSQL too when an admin connection is given (each test store is a new database on it).
    $providers = @('Sqlite')
    if ($env:PIM_TEST_PG_ADMIN) { $providers += 'PostgreSql' }
    else { Write-Host 'PIM_TEST_PG_ADMIN is not set: running on SQLite only (set it to an admin connection string, e.g. Host=127.0.0.1;Port=5432;Username=postgres;Database=postgres, to run on PostgreSQL too).' }

    # The loopback SMTP server the e-mail tests start (tests/Pester/SmtpSink.ps1); not in PimModule.sln.
    Write-Host 'Building the SMTP sink...'
    Invoke-Native 'dotnet build (smtp sink)' { dotnet build (Join-Path $Root 'tests/SmtpSink/SmtpSink.csproj') -c Release --nologo -v q -clp:ErrorsOnly }
    $env:PIM_TEST_SMTPSINK = Join-Path $Root 'tests/SmtpSink/bin/Release/net10.0/SmtpSink.dll'

    Write-Host 'Restoring test tools (Pester)...'
    Invoke-Native 'dotnet restore (tools)' { dotnet restore (Join-Path $Root 'tests/Tools/Tools.csproj') --nologo -v q }
    $packages = Get-PackagesFolder
    $savedProvider = $env:PIM_TEST_PROVIDER
    $built = $false
    try {
        foreach ($provider in $providers) {
            $env:PIM_TEST_PROVIDER = $provider
            if (-not $SkipUnit) {
                Write-Host "Running xunit tests on $provider..."
                $trx = Join-Path $ResultsDir "unit-$provider.trx"
                if (Test-Path $trx) { Remove-Item $trx }
                $noBuild = @(if ($built) { '--no-build' })
                # Classes that decide without a store, or whose subject is the kernel (its property tests), carry the trait
                # Provider=Neutral and run once, on SQLite: PostgreSQL adds nothing to them but minutes.
                $filter = @(if ($provider -eq 'PostgreSql') { '--filter', 'Provider!=Neutral' })
                # xunit builds the engine in configuration TestHooks: FakeTimeProvider stands in for the PostgreSQL server's clock too.
                dotnet test (Join-Path $Root 'tests/Unit/PimModule.Tests.csproj') -c TestHooks --nologo -v q @noBuild @filter `
                    --logger "trx;LogFileName=$trx" --logger 'console;verbosity=minimal'
                $unitExit = $LASTEXITCODE
                $built = $true
                if (-not (Test-Path $trx)) { throw "The xunit run on $provider wrote no results (exit code $unitExit)." }
                $counters = ([xml](Get-Content $trx -Raw)).TestRun.ResultSummary.Counters
                $passed += [int]$counters.passed; $failed += [int]$counters.failed + [int]$counters.error
                $skipped += [int]$counters.total - [int]$counters.executed
                Write-Host "xunit ($provider): $($counters.passed) passed, $([int]$counters.failed + [int]$counters.error) failed"
                if ($unitExit -ne 0 -and [int]$counters.failed -eq 0) { $failed++ ; Write-Host "xunit exited with $unitExit." }
            }

            # Three Pester runs: the module users load (every test but those that move the clock), split in two — the hostile
            # suite, and the rest — and the test variant for the tests tagged TestClock (a loaded binary module cannot be
            # swapped within one process). They share nothing (each has its own run id, data folder, stores or databases,
            # results and summary), so the hostile and TestClock runs go alongside the long one, each in a process of its
            # own, their output shown when they end.
            $hostile = 'Hostile.Tests.ps1'
            $runs = foreach ($run in @(
                    @{ Name = 'TestClock'; Module = $TestModuleOut; Include = @(if ($Tag) { $Tag | Where-Object { $_ -eq 'TestClock' } } else { 'TestClock' }); Exclude = @()
                        Files = $null; ExcludeFiles = $null },
                    @{ Name = 'Hostile'; Module = $ModuleOut; Include = $Tag; Exclude = @('TestClock'); Files = $hostile; ExcludeFiles = $null },
                    @{ Name = 'Shipped'; Module = $ModuleOut; Include = $Tag; Exclude = @('TestClock'); Files = $null; ExcludeFiles = $hostile })) {
                if ($Tag -and -not $run.Include) { continue }
                $summary = Join-Path $ResultsDir "pester-summary-$($run.Name).json"
                if (Test-Path $summary) { Remove-Item $summary }
                $pwsh = Get-PwshCommand
                $runner = Join-Path $Root 'tests/Pester/Invoke-PesterSuite.ps1'
                $pesterArgs = @($pwsh[1], '-NoProfile', '-NonInteractive', '-File', $runner, '-PackagesFolder', $packages,
                    '-ModulePath', $run.Module, '-ResultsFolder', $ResultsDir, '-Name', $run.Name)
                if ($run.Include) { $pesterArgs += @('-Tag', ($run.Include -join ',')) }
                if ($run.Exclude) { $pesterArgs += @('-ExcludeTag', ($run.Exclude -join ',')) }
                if ($run.Files) { $pesterArgs += @('-Files', $run.Files) }
                if ($run.ExcludeFiles) { $pesterArgs += @('-ExcludeFiles', $run.ExcludeFiles) }
                $run.Summary = $summary
                $run.Log = Join-Path $ResultsDir "pester-$provider-$($run.Name).log"
                $run.Output = $null; $run.Errors = $null
                $start = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
                foreach ($a in $pesterArgs) { $start.ArgumentList.Add($a) }
                if ($run.Name -ne 'Shipped') {
                    $start.RedirectStandardOutput = $true; $start.RedirectStandardError = $true
                    $run.Process = [Diagnostics.Process]::Start($start)
                    # Read both streams as they come (a full pipe would stop the run).
                    $run.Output = $run.Process.StandardOutput.ReadToEndAsync()
                    $run.Errors = $run.Process.StandardError.ReadToEndAsync()
                }
                else {
                    $run.Process = [Diagnostics.Process]::Start($start)
                }
                $run
            }
            foreach ($run in @($runs | Sort-Object { $_.Name -ne 'Shipped' })) {
                $run.Process.WaitForExit()
                if ($run.Output) {
                    Set-Content -LiteralPath $run.Log -Value ($run.Output.Result + $run.Errors.Result)
                    Write-Host $run.Output.Result
                    if ($run.Errors.Result) { Write-Host $run.Errors.Result }
                }
                $pesterExit = $run.Process.ExitCode
                if (-not (Test-Path $run.Summary)) { throw "The Pester run ($($run.Name)) on $provider wrote no summary (exit code $pesterExit)." }
                $p = Get-Content $run.Summary -Raw | ConvertFrom-Json
                $passed += $p.Passed; $failed += $p.Failed; $skipped += $p.Skipped
                Write-Host "Pester ($provider, $($run.Name)): $($p.Passed) passed, $($p.Failed) failed"
                if ($pesterExit -ne 0 -and $p.Failed -eq 0) { $failed++; Write-Host "Pester exited with $pesterExit." }
            }
        }
    }
    finally {
        $env:PIM_TEST_PROVIDER = $savedProvider
    }

    Write-Host ''
    Write-Host "Providers: $($providers -join ', ')"
    Write-Host "$passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0) { exit 1 }
}

function Invoke-Demo {
    if (-not $NoBuild) { Invoke-Build }
    # Everything the demo makes — the store, its principals' keys, the pins and checkpoints of the user's PimModule
    # folder (XDG_DATA_HOME), temporary files — lives in one temporary folder of its own, removed at the end: the demo
    # leaves nothing in the user's data folder or elsewhere.
    $work = Join-Path ([IO.Path]::GetTempPath()) ("pim-demo-{0}" -f [guid]::NewGuid().ToString('N'))
    $null = if ($IsWindows) { New-Item -ItemType Directory -Path $work } else { [IO.Directory]::CreateDirectory($work, [IO.UnixFileMode]'UserRead, UserWrite, UserExecute') }
    $store = Join-Path $work 'pim.db'
    $pwsh = Get-PwshCommand
    $saved = @{}
    $isolated = @{ PIM_STORE_PATH = $store; PIM_STORE_CONNECTION = $null; XDG_DATA_HOME = (Join-Path $work 'data'); TMPDIR = (Join-Path $work 'tmp') }
    if ($IsWindows) { $isolated.TEMP = $isolated.TMPDIR; $isolated.TMP = $isolated.TMPDIR; $isolated.LOCALAPPDATA = $isolated.XDG_DATA_HOME }
    $null = New-Item -ItemType Directory -Path $isolated.TMPDIR
    foreach ($k in $isolated.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $isolated[$k]) }
    try {
        & $pwsh[0] $pwsh[1] -NoProfile -NonInteractive -File (Join-Path $Root 'examples/SecurityReaderJit.ps1') -ModulePath $ModuleOut -StorePath $store `
            -KeyFolder (Join-Path $work 'keys')
        if ($LASTEXITCODE -ne 0) { throw "The demo failed (exit code $LASTEXITCODE)." }
    }
    finally {
        foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
        Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
    }
}

function Invoke-Bench {
    Invoke-Build
    $pwsh = Get-PwshCommand
    & $pwsh[0] $pwsh[1] -NoProfile -NonInteractive -File (Join-Path $Root 'bench/Invoke-Bench.ps1') -ModulePath $ModuleOut
    if ($LASTEXITCODE -ne 0) { throw "The benchmarks failed (exit code $LASTEXITCODE)." }
}

Push-Location $Root
try {
    switch ($Task) {
        'Clean' { Invoke-Clean }
        'Build' { Invoke-Build }
        'Package' { Invoke-Package }
        'Test' { Invoke-Test }
        'Demo' { Invoke-Demo }
        'Bench' { Invoke-Bench }
    }
}
finally {
    Pop-Location
}
