# The engine's shape, checked from the source (issue 12): each table's SQL in its own data-access class, lists bound by
# Dapper (no IN list built by hand), every error id made by PimErrors, namespaces that follow folders, one cmdlet per file.
BeforeDiscovery {
    $root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:sources = Get-ChildItem (Join-Path $root 'src') -Recurse -Filter *.cs |
        Where-Object { $_.FullName -notmatch '[\\/](obj|bin)[\\/]' }
    $migrations = Get-ChildItem (Join-Path $root 'src/PimModule.Engine/Storage') -Recurse -Filter *.sql
    $script:tables = $migrations | Get-Content | Select-String -Pattern 'CREATE TABLE (?:IF NOT EXISTS\s+)?(\w+)' -AllMatches |
        ForEach-Object { $_.Matches.Groups[1].Value } | Sort-Object -Unique | ForEach-Object {
            # The PostgreSQL write lock (issue 28) holds no data: the provider that takes it is its one place.
            if ($_ -eq 'pim_write_lock') { return @{ Table = $_; Owner = 'Postgres/PostgresStoreProvider.cs' } }
            $pascal = -join ($_ -split '_' | ForEach-Object { $_.Substring(0, 1).ToUpperInvariant() + $_.Substring(1) })
            @{ Table = $_; Owner = "$($pascal)Table.cs" }
        }
    $script:cmdletFiles = $sources | Where-Object { $_.FullName -match '[\\/]Cmdlets[\\/]' -and (Get-Content $_.FullName -Raw) -match '\[Cmdlet\(' } |
        ForEach-Object { @{ File = $_.Name; Path = $_.FullName } }
}

BeforeAll {
    $root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $sources = Get-ChildItem (Join-Path $root 'src') -Recurse -Filter *.cs | Where-Object { $_.FullName -notmatch '[\\/](obj|bin)[\\/]' }
    function Get-Relative([string] $Path) { [IO.Path]::GetRelativePath($root, $Path) -replace '\\', '/' }
}

Describe 'Each table is read and written by its own data-access class' {
    It '<Table> appears in SQL only in Storage/<Owner>' -ForEach $tables {
        $sql = "(?i)\b(FROM|INTO|UPDATE|JOIN|TABLE|COPY)\s+$Table\b"
        $found = $sources | Where-Object { (Get-Content $_.FullName -Raw) -match $sql } | ForEach-Object { Get-Relative $_.FullName }
        # The class may be split into parts (AssignmentsTable.Overview.cs): one class, its files.
        $found | Where-Object { $_ -ne "src/PimModule.Engine/Storage/$Owner" -and $_ -notlike "src/PimModule.Engine/Storage/$([IO.Path]::GetFileNameWithoutExtension($Owner)).*.cs" } |
            Should -BeNullOrEmpty
    }
}

Describe 'Lists are bound by Dapper' {
    It 'no IN (…) list is built by hand' {
        $handBuilt = '(?i)IN \((\{|@\w*0\b|"\s*\+)|string\.Join\([^)]*"@'
        $sources | Where-Object { (Get-Content $_.FullName -Raw) -match $handBuilt } | ForEach-Object { Get-Relative $_.FullName } |
            Should -BeNullOrEmpty
    }
}

Describe 'Every error id is made by PimErrors' {
    BeforeAll {
        $factory = $sources | Where-Object { $_.FullName -match '[\\/]Errors[\\/]PimErrors' }
        # A factory method makes its id when it calls Make/MakeStore; an overload (a purpose-made message, such as
        # RoleNotFound(PimRoleReference)) must delegate to the method of its name, so it makes no id of its own.
        $factoryText = ($factory | ForEach-Object { Get-Content $_.FullName -Raw }) -join "`n"
        $methods = [regex]::Matches($factoryText, 'public static Pim(?:Store)?Exception (\w+)\([^)]*\)\s*=>\s*(\w+)\(')
        $ids = $methods | Where-Object { $_.Groups[2].Value -in 'Make', 'MakeStore' } | ForEach-Object { 'Pim' + $_.Groups[1].Value }
        $overloads = $methods | Where-Object { $_.Groups[2].Value -notin 'Make', 'MakeStore' -and "Pim$($_.Groups[1].Value)" -in $ids }
        $others = $sources | Where-Object { $_.FullName -notmatch '[\\/]Errors[\\/]PimErrors' }
    }
    It 'the factory makes the ids the tests know' {
        $ids | Should -Contain 'PimNotAuthorized'
        $ids | Should -Contain 'PimRoleNotFound'
        @($ids | Group-Object | Where-Object Count -gt 1).Name | Should -BeNullOrEmpty
    }
    It 'an overload of a factory method delegates to the method that makes its id' {
        $overloads | Where-Object { $_.Groups[2].Value -ne $_.Groups[1].Value } | ForEach-Object { $_.Groups[1].Value } | Should -BeNullOrEmpty
    }
    It 'no PimException is constructed outside the factory' {
        $others | Where-Object { (Get-Content $_.FullName -Raw) -match 'new\s+Pim(Store)?Exception\s*\(' } | ForEach-Object { Get-Relative $_.FullName } |
            Should -BeNullOrEmpty
    }
    It 'no error id is written as a string literal outside the factory' {
        $ids | Should -Not -BeNullOrEmpty
        $literal = '"(' + (($ids | ForEach-Object { [regex]::Escape($_) }) -join '|') + ')"'
        $others | Where-Object { (Get-Content $_.FullName -Raw) -match $literal } | ForEach-Object { Get-Relative $_.FullName } |
            Should -BeNullOrEmpty
    }
}

Describe 'Namespaces follow folders' {
    It 'every file declares the namespace of its folder' {
        $wrong = foreach ($f in $sources) {
            $project = ($f.FullName -replace '\\', '/') -replace '^.*/src/([^/]+)/.*$', '$1'
            $folder = [IO.Path]::GetRelativePath((Join-Path $root "src/$project"), $f.DirectoryName) -replace '\\', '/'
            $expected = 'PimModule' + $(if ($folder -ne '.') { '.' + ($folder -replace '/', '.') } else { '' })
            $match = Select-String -LiteralPath $f.FullName -Pattern '^namespace ([\w.]+);' | Select-Object -First 1
            if ($match -and $match.Matches[0].Groups[1].Value -ne $expected) { "$(Get-Relative $f.FullName): $($match.Matches[0].Groups[1].Value) (expected $expected)" }
        }
        $wrong | Should -BeNullOrEmpty
    }
}

Describe 'One cmdlet per file, named after it' {
    It '<File>' -ForEach $cmdletFiles {
        $text = Get-Content $Path -Raw
        $attributes = [regex]::Matches($text, '\[Cmdlet\(Verbs\w+\.(\w+),\s*"(\w+)"')
        $attributes.Count | Should -Be 1
        "$($attributes[0].Groups[1].Value)$($attributes[0].Groups[2].Value)Command.cs" | Should -Be $File
    }
}

# Issue 29: small files. No source file of the engine or the module is over 400 lines (a class that grew is split by
# what its parts do: e.g. PimStore's opening, trust changes and command runner; the state replay by record kind).
Describe 'Source files stay small' {
    It 'no file under src/ is over 400 lines' {
        $big = Get-ChildItem (Join-Path $root 'src') -Recurse -Filter *.cs | Where-Object { $_.FullName -notmatch '[\\/](obj|bin)[\\/]' } |
            ForEach-Object { [pscustomobject]@{ File = Get-Relative $_.FullName; Lines = @(Get-Content -LiteralPath $_.FullName).Count } } |
            Where-Object Lines -gt 400 | ForEach-Object { "$($_.File): $($_.Lines) lines" }
        $big | Should -BeNullOrEmpty
    }
}

# Issue 29: namespaces follow folders, and no global using makes every layer see every other. Each file names what it
# uses; the layers below the services name only what they may: the kernel its vocabulary (Principal, RolePolicy and
# Limits, RoleCatalog, Schedules and Scope), the audit events the rows and policy they describe, the storage the errors,
# files, principals, roles and request rows it reads and writes. A using that crosses upwards fails here.
Describe 'Namespaces and the direction of dependencies (src/PimModule.Engine)' {
    BeforeAll {
        $engine = Join-Path $root 'src/PimModule.Engine'
        $files = Get-ChildItem $engine -Recurse -Filter *.cs | Where-Object { $_.FullName -notmatch '[\\/](obj|bin)[\\/]' }
        function Get-Uses([string] $folder) {
            $files | Where-Object { (Get-Relative $_.FullName) -like "src/PimModule.Engine/$folder/*" } | ForEach-Object {
                $f = $_
                Select-String -LiteralPath $f.FullName -Pattern '^using (PimModule[\w.]*);' | ForEach-Object { [pscustomobject]@{ File = Get-Relative $f.FullName; Uses = $_.Matches[0].Groups[1].Value } }
            }
        }
        function Find-Crossing([string] $folder, [string[]] $allowed) {
            Get-Uses $folder | Where-Object { $_.Uses -notin $allowed -and -not $_.Uses.StartsWith("PimModule.$($folder.Replace('/', '.')).") -and $_.Uses -ne "PimModule.$($folder.Replace('/', '.'))" } |
                ForEach-Object { "$($_.File) uses $($_.Uses)" }
        }
    }

    It 'has no global usings' {
        $files | Where-Object { (Get-Content -Raw -LiteralPath $_.FullName) -match '(?m)^\s*global using' } | ForEach-Object { Get-Relative $_.FullName } | Should -BeNullOrEmpty
    }

    It 'names each namespace after its folder' {
        $wrong = foreach ($f in $files) {
            $relative = (Get-Relative $f.DirectoryName) -replace '^src/PimModule\.Engine/?', ''
            $expected = if ($relative) { 'PimModule.' + ($relative -replace '/', '.') } else { 'PimModule' }
            $declared = (Select-String -LiteralPath $f.FullName -Pattern '^namespace ([\w.]+);' | Select-Object -First 1).Matches.Groups[1].Value
            if ($declared -ne $expected) { "$(Get-Relative $f.FullName): namespace $declared, folder $expected" }
        }
        $wrong | Should -BeNullOrEmpty
    }

    It 'the kernel names only its vocabulary' {
        Find-Crossing 'Kernel' @('PimModule.Identity', 'PimModule.Policy', 'PimModule.Roles', 'PimModule.Assignments') | Should -BeNullOrEmpty
    }

    It 'the audit events name only the rows and policy they describe' {
        Find-Crossing 'Audit/Events' @('PimModule.Storage', 'PimModule.Policy', 'PimModule.Identity', 'PimModule.Kernel', 'PimModule.Errors') | Should -BeNullOrEmpty
    }

    It 'the storage names no service, no verification and no audit above it' {
        Find-Crossing 'Storage' @('PimModule.Errors', 'PimModule.Files', 'PimModule.Identity', 'PimModule.Roles', 'PimModule.Requests', 'PimModule.Kernel', 'PimModule.Validation') |
            Should -BeNullOrEmpty
    }

    It 'the checkpoint names no replay and no service: the state replay decides what it becomes (Checkpoint/ICheckpointReplay)' {
        Find-Crossing 'Checkpoint' @('PimModule.Kernel', 'PimModule.Storage', 'PimModule.Identity', 'PimModule.Identity.Keys', 'PimModule.Errors') | Should -BeNullOrEmpty
        $files | Where-Object { (Get-Relative $_.FullName) -like 'src/PimModule.Engine/Checkpoint/*' } |
            Select-String -Pattern '\bVerification\.|\bStateReplay\b|\bCheckpointSync\b' | Where-Object { $_.Line -notmatch '^\s*//' } |
            ForEach-Object { "$($_.Filename):$($_.LineNumber): $($_.Line.Trim())" } | Should -BeNullOrEmpty
    }

    It 'PimStore is a facade of at most 150 lines over its session, and the services take the session, not the store (issue 29, part 4)' {
        $store = Join-Path $engine 'PimStore.cs'
        @(Get-Content -LiteralPath $store).Count | Should -BeLessOrEqual 150
        $files | Select-String -Pattern 'partial class PimStore\b' | ForEach-Object { "$($_.Filename):$($_.LineNumber)" } | Should -BeNullOrEmpty
        # A service that held the whole store could reach every other service and the store's trust: each takes what it uses.
        $files | Where-Object { $_.FullName -ne $store -and $_.Name -notin 'StoreFacts.cs', 'StoreTrust.cs', 'StoreOpening.cs' } |
            Select-String -Pattern '\bPimStore (store|_store)\b' | ForEach-Object { "$(Get-Relative $_.Path):$($_.LineNumber): $($_.Line.Trim())" } | Should -BeNullOrEmpty
    }

    It 'the state replay moves the checkpoint through its tables: no SQL in Verification/' {
        $files | Where-Object { (Get-Relative $_.FullName) -like 'src/PimModule.Engine/Verification/*' } |
            Select-String -Pattern '"\s*(SELECT|INSERT|UPDATE|DELETE) ' -CaseSensitive |
            ForEach-Object { "$($_.Filename):$($_.LineNumber): $($_.Line.Trim())" } | Should -BeNullOrEmpty
    }

    It 'validation and files stand on the model alone' {
        Find-Crossing 'Validation' @('PimModule.Errors') | Should -BeNullOrEmpty
        Find-Crossing 'Files' @('PimModule.Errors') | Should -BeNullOrEmpty
    }
}

# Issue 29 (part 3): a role setting is a row of Policy/RoleSettings.cs (its rule, its member, how it is read, written,
# checked, shown and filed), a property of RolePolicy and of PimRoleSetting, a parameter of Set-PimRoleSetting, its help
# and its test. Graph's expiration, enablement and authentication context rules are the settings' own rules, read and
# written member by member: the Graph policy code names none of their settings.
Describe 'A role setting lives in its row (src/PimModule.Engine/Policy/RoleSettings.cs)' {
    It 'the Graph policy reads and writes the settings'' rules, naming none of their settings' {
        $graph = Get-ChildItem (Join-Path $root 'src/PimModule.Engine/Interop') -Filter 'GraphPolicy*.cs'
        $graph.Count | Should -BeGreaterThan 1
        $graph | Select-String -Pattern '\bp\.(RequireTicket|RequireJustification|AllowPermanent\w+|\w+ExpiresAfter|RequireMfaOnActiveAssignment|RequireJustificationOnActiveAssignment|ActivationMaxDuration|AuthenticationContextId|ActivationRequirement)\b' |
            ForEach-Object { "$($_.Filename):$($_.LineNumber): $($_.Line.Trim())" } | Should -BeNullOrEmpty
        (Get-Content -Raw (Join-Path $root 'src/PimModule.Engine/Interop/GraphPolicy.cs')) | Should -Match 'RoleSettings\.RuleObjects\(p\)'
    }
}

# Issue 29 (part 2): typed audit events. One sealed record type per audit action (Audit/Events); what a service appends
# is one of them, and what the state replay, the seal verifier and the alerts read back is the same type — no anonymous
# object is written, no property name is read back as a string.
Describe 'The audit events (src/PimModule.Engine/Audit/Events)' {
    BeforeAll {
        $engine = Join-Path $root 'src/PimModule.Engine'
        $sources = Get-ChildItem $engine -Recurse -Filter *.cs | Where-Object { $_.FullName -notmatch '[\\/](obj|bin)[\\/]' }
        function Find-In([object[]] $files, [string] $pattern) {
            foreach ($f in $files) {
                Select-String -LiteralPath $f.FullName -Pattern $pattern -CaseSensitive | Where-Object { $_.Line -notmatch '^\s*///' } |
                    ForEach-Object { "$(Get-Relative $f.FullName):$($_.LineNumber): $($_.Line.Trim())" }
            }
        }
    }

    It 'services append events: only AuditLog itself writes a record as given' {
        Find-In ($sources | Where-Object Name -ne 'AuditLog.cs') 'AuditLog\.AppendRecord\(' | Should -BeNullOrEmpty
        # The one Append the services have takes an event.
        (Get-Content -Raw (Join-Path $engine 'Audit/AuditLog.cs')) | Should -Match 'public static void Append\(UnitOfWork work, Events\.AuditEvent e\)'
    }

    It 'the readers of the log read events, not property names' {
        $readers = $sources | Where-Object { $_.DirectoryName -like '*Verification' -or $_.Name -in 'Seals.cs', 'AlertService.cs', 'StoreIdentity.cs' }
        $readers.Count | Should -BeGreaterThan 5
        Find-In $readers 'TryGetProperty\("|\["[A-Z]\w*"\]|JsonDocument\.Parse|GetProperty\("' | Should -BeNullOrEmpty
    }

    It 'each payload type is written with the log''s options and read back with them' {
        Find-In $sources 'JsonSerializer\.Deserialize<(ActivationRequest|ExtensionRequest|RequestDecision|AssignmentView|AccessReview\w*|CredentialView|StoreGenesis|StoreProtection|Pruning|DirectoryObjectView|QueuedNotice|MfaRefusal)' | Should -BeNullOrEmpty
    }
}

# Issue 29 (part 1): the decision kernel. Its rules are pure — no store, no clock, no files, no errors of the layers above
# — and written once: the write path, the state replay and the seal verifier call them, none writes them again.
Describe 'The decision kernel (src/PimModule.Engine/Kernel)' {
    BeforeAll {
        $kernel = Join-Path $root 'src/PimModule.Engine/Kernel'
        $kernelFiles = Get-ChildItem $kernel -Filter *.cs
        $engineFiles = Get-ChildItem (Join-Path $root 'src/PimModule.Engine') -Recurse -Filter *.cs |
            Where-Object { $_.FullName -notmatch '[\\/](obj|bin)[\\/]' -and $_.DirectoryName -ne $kernel }
        function Find-Outside([string] $pattern, [string[]] $allowed) {
            foreach ($f in $engineFiles) {
                $relative = Get-Relative $f.FullName
                if ($allowed -contains $relative) { continue }
                Select-String -LiteralPath $f.FullName -Pattern $pattern | ForEach-Object { "$($relative):$($_.LineNumber): $($_.Line.Trim())" }
            }
        }
    }

    It 'exists and holds the rules' {
        ($kernelFiles.Name | Sort-Object) | Should -Be @('ActivationRequestRules.cs', 'ActivationRules.cs', 'Administrators.cs', 'ApprovalRules.cs', 'DirectoryRules.cs', 'EligibilityRules.cs', 'GroupRules.cs', 'Held.cs', 'RequestDecisionRules.cs', 'RequestLifetime.cs', 'RequestLimits.cs', 'RetentionRules.cs', 'ReviewRules.cs', 'RulesVersion.cs', 'TimeRule.cs')
    }

    It 'does no I/O and sees no layer above it' {
        $forbidden = '\b(UnitOfWork|PimStore|Dapper|SqlMapper|Sqlite\w*|Npgsql\w*|DbConnection|IDbConnection|File|Directory|Path|TimeProvider|Random|Console|HttpClient|Environment|PimErrors|AuditLog|Outbox|SettingsService|AssignmentsTable|RequestsTable|VerifiedState|StateReplay|Seals)\b|DateTime\.(Utc)?Now|Guid\.NewGuid|^using (?!PimModule\.(Kernel|Identity|Policy|Roles|Assignments);|System\.Globalization;)'
        $found = foreach ($f in $kernelFiles) {
            Select-String -LiteralPath $f.FullName -Pattern $forbidden | Where-Object { $_.Line -notmatch '^\s*///' } |
                ForEach-Object { "$($f.Name):$($_.LineNumber): $($_.Line.Trim())" }
        }
        $found | Should -BeNullOrEmpty
    }

    It '"administrator" is written once: its SQL form and its role test live in Kernel/Administrators.cs' {
        Find-Outside 'role_id IN \(@pra, @ga\)|RoleAdministrators\.Contains|== RoleCatalog\.(PrivilegedRoleAdministrator|GlobalAdministrator) \|\|' @() | Should -BeNullOrEmpty
    }

    It '"pending for 24 hours" is written once: Kernel/RequestLifetime.cs reads the limit' {
        Find-Outside 'PendingRequestLifetime' @('src/PimModule.Engine/Policy/Limits.cs') | Should -BeNullOrEmpty
    }

    It 'escalation, quorum and the approvers of a stage are written once: Kernel/ApprovalRules.cs' {
        Find-Outside 'EscalationAfter is \{ \} \w+ \?\s*[\w.]+\s*\+|RequiredApprovals \?\? 1|stage is \{ Approvers\.Count: > 0 \}|RequireApproverJustification &&' @() | Should -BeNullOrEmpty
    }

    It 'an activation''s maximum, its start tolerance and its need of MFA are written once: Kernel/ActivationRules.cs' {
        Find-Outside '\s>\s*[\w.]*ActivationMaxDuration\b|ActivationMaxDuration\s*\+|StartTolerance\s*=|ActivationRequirement != PimActivationRequirement\.None' @() | Should -BeNullOrEmpty
    }

    It 'the pending limits and the minimum activation are written once: Kernel/RequestLimits.cs, Kernel/ActivationRules.cs' {
        Find-Outside '[<>]=?\s*Limits\.MaxPendingActivationsPerRole|MinimumActivation\s*=|Now - \w+\.Start < ' @() | Should -BeNullOrEmpty
    }

    It 'an eligibility''s cover of an activation is written once: Kernel/EligibilityRules.cs' {
        Find-Outside 'OrderByDescending\(a => a\.End \?\? (DateTime|long)\.MaxValue\)|Scope\.Covers\(e\.Scope' @() | Should -BeNullOrEmpty
    }

    It 'an access review''s schedule and what it covers are written once: Kernel/ReviewRules.cs' {
        Find-Outside 'OccurrenceStart\(\w+, \w+, 2\) - |=> recurrence switch|a\.Type\.ToString\(\) == review\.AssignmentType|MemberType != "Direct"' @() | Should -BeNullOrEmpty
    }

    It 'an activation request is judged by one decision, in one order: Kernel/ActivationRequestRules.cs, told in Requests/RequestRefusals.cs' {
        # Request-PimActivation and the replay call ActivationRequestRules.Decide; neither applies its rules one by one.
        Find-Outside 'ActivationRules\.(StartsTooEarly|ExceedsMaximum|Overlapping)\(|RequestLimits\.WhyNot\(' @() | Should -BeNullOrEmpty
        Find-Outside 'RequestRefusal\.\w+\s*=>' @('src/PimModule.Engine/Requests/RequestRefusals.cs') | Should -BeNullOrEmpty
    }

    It 'a waiting request is approved, denied, canceled or expired by one decision: Kernel/RequestDecisionRules.cs' {
        # Approve-, Deny-, Stop-PimRequest and the replay call RequestDecisionRules.Decide; none counts a quorum, asks for an
        # approver's reason or tells an expired request from a pending one by itself.
        Find-Outside 'ApprovalRules\.(LacksJustification|Counted|WhyMayNotDecide)\(' @('src/PimModule.Engine/Requests/Approvals.cs') | Should -BeNullOrEmpty
        Find-Outside 'RequestDecisionRules\.Decide\(' @() | Measure-Object | Select-Object -ExpandProperty Count | Should -Be 2
    }

    It 'the last administrator''s guard and a deactivation are judged once: Kernel/Administrators.cs, Kernel/ActivationRules.cs' {
        Find-Outside 'DateTime\? horizon|Later\(Max\(' @() | Should -BeNullOrEmpty
        Find-Outside 'EndsAdministrationSooner\(' @() | Measure-Object | Select-Object -ExpandProperty Count | Should -Be 2
        Find-Outside 'TooSoonToDeactivate\(' @() | Should -BeNullOrEmpty
    }

    It 'an object''s name, the retention window, a review occurrence''s schedule and a deactivation''s outcome are each one decision the writer and the replay call (issue 29, part 4)' {
        foreach ($call in 'DirectoryRules\.WhyNot\(', 'RetentionRules\.(Cut|MayPruneBefore)\(', 'ReviewRules\.DecideOccurrence\(') {
            # Each is called on both sides: the writer's service and the replay's decider of the record (a *Records.cs).
            $callers = @(Find-Outside $call @() | ForEach-Object { ($_ -split ':')[0] } | Sort-Object -Unique)
            $callers | Where-Object { $_ -like '*Records.cs' } | Should -Not -BeNullOrEmpty -Because "the replay's decider calls $call"
            $callers | Where-Object { $_ -notlike '*Records.cs' } | Should -Not -BeNullOrEmpty -Because "the writer calls $call"
        }
        Find-Outside 'ActivationRules\.DeactivatedEnd\(' @() | Should -Not -BeNullOrEmpty
        # Nothing else writes the window or compares an occurrence with its series.
        Find-Outside 'Retention\.Ticks|Now - Retention|Retention = |Occurrence >= occurrence|\.Occurrence >= \w+\.Occurrence|taken != id' @() | Should -BeNullOrEmpty
    }

    It 'Verification/ is the replay driver and the state check: at most 500 lines, asking no rule itself (issue 29, part 4)' {
        $files = Get-ChildItem (Join-Path $root 'src/PimModule.Engine/Verification') -Filter *.cs
        ($files | ForEach-Object { @(Get-Content -LiteralPath $_.FullName).Count } | Measure-Object -Sum).Sum | Should -BeLessOrEqual 500
        # Every rule is the kernel's, asked by a record's decider beside its writer; the replay hands each record to its decider.
        $files | Select-String -CaseSensitive -Pattern '\b([A-Z]\w*Rules|Administrators|RequestLifetime|RequestLimits|Held|Schedules)\.\w+\(' | Where-Object { $_.Line -notmatch '^\s*//' } |
            ForEach-Object { "$($_.Filename):$($_.LineNumber): $($_.Line.Trim())" } | Should -BeNullOrEmpty
        $deciders = Get-ChildItem (Join-Path $root 'src/PimModule.Engine') -Recurse -Filter *Records.cs | Where-Object { $_.FullName -notmatch '[\\/](obj|bin)[\\/]' }
        ($deciders | ForEach-Object { Get-Relative $_.FullName } | Sort-Object) | Should -Be @('src/PimModule.Engine/Assignments/AssignmentRecords.cs',
            'src/PimModule.Engine/Groups/GroupRecords.cs', 'src/PimModule.Engine/Policy/SettingRecords.cs', 'src/PimModule.Engine/Requests/RequestRecords.cs', 'src/PimModule.Engine/Reviews/ReviewRecords.cs')
        # A decider decides and the checkpoint applies: no decider moves the checkpoint's tables itself.
        $deciders | Select-String -Pattern 'view\.(Put|Remove\w*|Add\w*|Close|NextStage|Complete\w*|Decide\w*|Keep\w*|Evolve)\(' |
            ForEach-Object { "$($_.Filename):$($_.LineNumber): $($_.Line.Trim())" } | Should -BeNullOrEmpty
    }

    It 'the state replay tells no kernel refusal itself: each is told in a *Refusals.cs beside its writer' {
        $files = Get-ChildItem (Join-Path $root 'src/PimModule.Engine/Verification') -Filter *.cs
        $files | Select-String -Pattern '\b\w+Refusal\.\w+\s*=>|case \w+Refusal\.\w+:' | ForEach-Object { "$($_.Filename):$($_.LineNumber): $($_.Line.Trim())" } |
            Should -BeNullOrEmpty
    }

    It 'what grants a role at a scope is written once: Kernel/Held.cs (GrantsAt)' {
        Find-Outside 'StateAt\(a\.Start, a\.End, at\) == PimAssignmentState\.Active' @() | Should -BeNullOrEmpty
    }
}
