#requires -Version 7.4
<#
.SYNOPSIS
    Builds PimModule's external help: docs/help/<Verb-Noun>.md -> en-US/PimModule.dll-Help.xml (MAML).
.DESCRIPTION
    Reads one Markdown file per cmdlet from <Source>/help, takes the syntax, parameter types, mandatory,
    position, aliases and pipeline input from the real cmdlets (a fresh pwsh imports <ModulePath> against a
    throw-away store and dumps `Get-Command -Module PimModule` as JSON) and writes one MAML file that
    Get-Help reads for the binary cmdlets. <Source>/about_PimModule.help.txt is copied beside it.

    The build fails (this script throws, listing every problem) when
      - an exported cmdlet has no Markdown file, or its file lacks a SYNOPSIS or DESCRIPTION;
      - a Markdown file documents a parameter the cmdlet does not have;
      - a parameter of the cmdlet (other than the common parameters) is not documented, or has no text;
      - a cmdlet has fewer than 2 examples, or an example has no code.
    A Markdown file for a cmdlet that the module does not export (yet) is skipped with a warning.
    -WhatIf and -Confirm get the standard text unless the Markdown file documents them itself.

    MARKDOWN FORMAT (docs/help/<Verb-Noun>.md; headings inside ``` fences are not headings):

        # Verb-Noun
        ## SYNOPSIS
        One line.
        ## DESCRIPTION
        Paragraphs, separated by blank lines. Lines starting with '- ' are list items.
        ## PARAMETERS
        ### -Name
        What the parameter does (paragraphs). One ### heading per parameter.
        ## EXAMPLES
        ### Example 1: Title
        Optional text before the code (shown after it, with the remarks).
        ```powershell
        code
        ```
        Remarks text.
        ## INPUTS
        ### Type.Name
        What is taken from the pipeline. (Text without ### headings: its first line is the type name.)
        ## OUTPUTS
        ### Type.Name
        What is written to the pipeline.
        ## NOTES
        Paragraphs.
        ## RELATED LINKS
        - Get-PimRole
        - [Title](https://uri)

    Parameters hidden with DontShow are documented but left out of the syntax.
    INPUTS and OUTPUTS default to the pipeline parameters' types and the cmdlet's [OutputType] when missing.
    Inline Markdown is flattened for the console: `code` and **bold** lose their marks, [text](uri) becomes
    'text (uri)'.
.EXAMPLE
    ./docs/Build-Help.ps1 -Source ./docs -Destination ./out/PimModule/en-US -ModulePath ./out/PimModule
#>
[CmdletBinding()]
param(
    # The docs folder (holds help/*.md and about_PimModule.help.txt).
    [Parameter(Mandatory)] [string] $Source,

    # Where PimModule.dll-Help.xml is written (the module's en-US folder).
    [Parameter(Mandatory)] [string] $Destination,

    # The staged module (folder or manifest) whose cmdlets are documented; by default the parent of -Destination.
    [string] $ModulePath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Source = (Resolve-Path -LiteralPath $Source).Path
if (-not $ModulePath) { $ModulePath = Split-Path -Parent $Destination }
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).Path
$HelpFolder = Join-Path $Source 'help'
$MamlFile = 'PimModule.dll-Help.xml'

#region Cmdlet metadata (from a fresh pwsh)

function Get-CmdletMetadata {
    <# Imports the module in a fresh pwsh against a temporary store and returns its cmdlets' metadata. #>
    param([string] $Path)
    $temp = Join-Path ([IO.Path]::GetTempPath()) ("pimhelp-{0}" -f [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $temp -Force | Out-Null
    $json = Join-Path $temp 'commands.json'
    # Only single quotes in here: the text goes to the child process as one -Command argument.
    $script = @'
$ErrorActionPreference = 'Stop'
Import-Module -Name $env:PIMHELP_MODULE
$optional = [System.Management.Automation.Cmdlet]::OptionalCommonParameters
$common = [System.Management.Automation.Cmdlet]::CommonParameters
function Get-TypeInfo($type) {
    $t = $type
    $array = $false
    if ($t.IsArray) { $array = $true; $t = $t.GetElementType() }
    $u = [Nullable]::GetUnderlyingType($t)
    if ($u) { $t = $u }
    $values = @()
    if ($t.IsEnum) { $values = [enum]::GetNames($t) }
    [ordered]@{ FullName = $t.FullName + $(if ($array) { '[]' } else { '' }); Name = $t.Name + $(if ($array) { '[]' } else { '' }); IsSwitch = ($t -eq [System.Management.Automation.SwitchParameter]); Values = @($values) }
}
$commands = foreach ($c in Get-Command -Module PimModule -CommandType Cmdlet | Sort-Object Name) {
    $params = foreach ($p in $c.Parameters.Values) {
        if ($common -contains $p.Name) { continue }
        $ti = Get-TypeInfo $p.ParameterType
        $set = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | ForEach-Object { $_.ValidValues })
        if ($set.Count) { $ti.Values = $set }
        [ordered]@{
            Name = $p.Name; Type = $ti; Aliases = @($p.Aliases)
            Globbing = [bool]@($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count
            IsOptionalCommon = ($optional -contains $p.Name)
            DontShow = [bool]@($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow }).Count
        }
    }
    $sets = foreach ($s in $c.ParameterSets) {
        [ordered]@{
            Name = $s.Name; IsDefault = $s.IsDefault
            Parameters = @(foreach ($p in $s.Parameters) {
                if ($common -contains $p.Name) { continue }
                [ordered]@{
                    Name = $p.Name; IsMandatory = $p.IsMandatory
                    Position = $(if ($p.Position -eq [int]::MinValue) { -1 } else { $p.Position })
                    ByValue = $p.ValueFromPipeline; ByPropertyName = $p.ValueFromPipelineByPropertyName
                }
            })
        }
    }
    [ordered]@{
        Name = $c.Name; Verb = $c.Verb; Noun = $c.Noun
        OutputTypes = @($c.OutputType | ForEach-Object { if ($_.Type) { $_.Type.FullName } else { $_.Name } } | Where-Object { $_ -and $_ -ne 'System.Void' })
        Parameters = @($params); ParameterSets = @($sets)
    }
}
ConvertTo-Json -InputObject @($commands) -Depth 10 | Set-Content -LiteralPath $env:PIMHELP_OUT -Encoding utf8
'@
    $saved = @{}
    $vars = @{ PIMHELP_MODULE = $Path; PIMHELP_OUT = $json; PIM_STORE_PATH = (Join-Path $temp 'pim.db'); PIM_STORE_CONNECTION = $null }
    foreach ($k in $vars.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $vars[$k]) }
    try {
        $output = & ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $script 2>&1
        $code = $LASTEXITCODE
        if ($code -ne 0 -or -not (Test-Path -LiteralPath $json)) {
            throw "Could not read the cmdlets of '$Path' (pwsh exit code $code):`n$($output -join "`n")"
        }
        Get-Content -LiteralPath $json -Raw | ConvertFrom-Json -Depth 10
    }
    finally {
        foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
        Remove-Item -LiteralPath $temp -Recurse -Force -ErrorAction SilentlyContinue
    }
}

#endregion

#region Markdown

function Read-HelpMarkdown {
    <# Splits a help file into its # title, ## sections and ### subsections (raw lines; fences respected). #>
    param([string] $Path)
    $doc = [ordered]@{ Title = $null; Sections = [ordered]@{}; File = $Path }
    $section = $null; $sub = $null; $fence = $false
    foreach ($line in (Get-Content -LiteralPath $Path)) {
        if ($line -match '^\s*(```|~~~)') { $fence = -not $fence }
        elseif (-not $fence -and $line -match '^#\s+(.+?)\s*$') { $doc.Title = $Matches[1]; $section = $null; $sub = $null; continue }
        elseif (-not $fence -and $line -match '^##\s+(.+?)\s*$') {
            $section = [ordered]@{ Lines = [Collections.Generic.List[string]]::new(); Subs = [Collections.Generic.List[object]]::new() }
            $doc.Sections[$Matches[1].ToUpperInvariant()] = $section; $sub = $null; continue
        }
        elseif (-not $fence -and $line -match '^###\s+(.+?)\s*$' -and $section) {
            $sub = [ordered]@{ Title = $Matches[1]; Lines = [Collections.Generic.List[string]]::new() }
            $section.Subs.Add($sub); continue
        }
        if ($sub) { $sub.Lines.Add($line) } elseif ($section) { $section.Lines.Add($line) }
    }
    $doc
}

function Format-Inline {
    param([string] $Text)
    $t = $Text -replace '\[([^\]]+)\]\(([^)]+)\)', '$1 ($2)'
    $t = $t -replace '\*\*([^*]+)\*\*', '$1'
    $t = $t -replace '`([^`]+)`', '$1'
    $t
}

function ConvertTo-Paragraph {
    <# Markdown lines -> console paragraphs: prose joined, list items one per line, code and tables verbatim. #>
    param([string[]] $Lines)
    $paras = [Collections.Generic.List[string]]::new()
    $current = [Collections.Generic.List[string]]::new()
    $kind = $null   # prose | list | code | table
    $flush = {
        if ($current.Count) {
            $sep = if ($kind -eq 'prose') { ' ' } else { "`n" }
            $paras.Add(($current -join $sep))
            $current.Clear()
        }
    }
    foreach ($line in $Lines) {
        if ($kind -eq 'code') {
            if ($line -match '^\s*(```|~~~)') { . $flush; $kind = $null } else { $current.Add($line) }
            continue
        }
        if ($line -match '^\s*(```|~~~)') { . $flush; $kind = 'code'; continue }
        if ($line -match '^\s*$') { . $flush; $kind = $null; continue }
        if ($line -match '^\s*\|') {
            if ($kind -ne 'table') { . $flush; $kind = 'table' }
            if ($line -notmatch '^\s*\|[\s:|-]+\|\s*$') { $current.Add((Format-Inline $line.Trim())) }
            continue
        }
        if ($line -match '^(\s*)([-*]|\d+\.)\s+(.*)$') {
            if ($kind -ne 'list') { . $flush; $kind = 'list' }
            $bullet = if ($Matches[2] -match '\d') { $Matches[2] } else { '-' }
            $current.Add(('{0}{1} {2}' -f $Matches[1], $bullet, (Format-Inline $Matches[3])))
            continue
        }
        if ($kind -eq 'list' -and $current.Count) { $current[$current.Count - 1] += ' ' + (Format-Inline $line.Trim()); continue }
        if ($kind -ne 'prose') { . $flush; $kind = 'prose' }
        $current.Add((Format-Inline $line.Trim()))
    }
    . $flush
    , $paras.ToArray()
}

function Split-Example {
    <# One ### Example: the first fenced block is the code; the text around it the remarks. #>
    param([string[]] $Lines)
    $code = $null; $before = @(); $after = [Collections.Generic.List[string]]::new(); $inCode = $false; $codeLines = @()
    foreach ($line in $Lines) {
        if ($null -eq $code) {
            if ($inCode) {
                if ($line -match '^\s*(```|~~~)') { $code = $codeLines -join "`n"; $inCode = $false } else { $codeLines += $line }
            }
            elseif ($line -match '^\s*(```|~~~)') { $inCode = $true }
            else { $before += $line }
        }
        else { $after.Add($line) }
    }
    [pscustomobject]@{ Code = $code; Remarks = @(ConvertTo-Paragraph (@($before) + @('') + @($after))) }
}

#endregion

#region MAML

$ns = @{
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
}

function Write-Paras {
    param($W, [string] $Element, [string] $Prefix, [string[]] $Paras)
    $W.WriteStartElement($Prefix, $Element, $ns[$Prefix])
    foreach ($p in @($Paras | Where-Object { $_ })) { $W.WriteElementString('maml', 'para', $ns.maml, $p) }
    $W.WriteEndElement()
}

function Write-Type {
    param($W, [string] $Name)
    $W.WriteStartElement('dev', 'type', $ns.dev)
    $W.WriteElementString('maml', 'name', $ns.maml, $Name)
    $W.WriteElementString('maml', 'uri', $ns.maml, '')
    $W.WriteEndElement()
}

function Get-PipelineText {
    param([bool] $ByValue, [bool] $ByPropertyName)
    $how = @(); if ($ByPropertyName) { $how += 'ByPropertyName' }; if ($ByValue) { $how += 'ByValue' }
    if ($how) { "True ($($how -join ', '))" } else { 'False' }
}

function Write-Parameter {
    <# One command:parameter, in a syntax item (with the set's attributes) or in command:parameters. #>
    param($W, $Meta, [bool] $Required, [int] $Position, [string] $Pipeline, [string[]] $Description, [switch] $InSyntax)
    $W.WriteStartElement('command', 'parameter', $ns.command)
    $W.WriteAttributeString('required', $Required.ToString().ToLowerInvariant())
    $W.WriteAttributeString('variableLength', ($Meta.Type.Name -like '*[[]]').ToString().ToLowerInvariant())
    $W.WriteAttributeString('globbing', ([bool]$Meta.Globbing).ToString().ToLowerInvariant())
    $W.WriteAttributeString('pipelineInput', $Pipeline)
    $W.WriteAttributeString('position', $(if ($Position -ge 0) { "$Position" } else { 'named' }))
    $W.WriteAttributeString('aliases', $(if (@($Meta.Aliases).Count) { @($Meta.Aliases) -join ', ' } else { 'none' }))
    $W.WriteElementString('maml', 'name', $ns.maml, $Meta.Name)
    Write-Paras $W 'description' 'maml' $Description
    $values = @($Meta.Type.Values)
    if ($InSyntax -and $values.Count) {
        $W.WriteStartElement('command', 'parameterValueGroup', $ns.command)
        foreach ($v in $values) {
            $W.WriteStartElement('command', 'parameterValue', $ns.command)
            $W.WriteAttributeString('required', 'false'); $W.WriteAttributeString('command', 'variableLength', $ns.command, 'false')
            $W.WriteString($v); $W.WriteEndElement()
        }
        $W.WriteEndElement()
    }
    if (-not ($InSyntax -and $Meta.Type.IsSwitch)) {
        $W.WriteStartElement('command', 'parameterValue', $ns.command)
        $W.WriteAttributeString('required', (-not $Meta.Type.IsSwitch).ToString().ToLowerInvariant())
        $W.WriteAttributeString('variableLength', ($Meta.Type.Name -like '*[[]]').ToString().ToLowerInvariant())
        $W.WriteString($Meta.Type.Name); $W.WriteEndElement()
    }
    Write-Type $W $Meta.Type.FullName
    $W.WriteElementString('dev', 'defaultValue', $ns.dev, $(if ($Meta.Type.IsSwitch) { 'False' } else { 'None' }))
    $W.WriteEndElement()
}

$StandardText = @{
    WhatIf  = 'Shows what would happen if the cmdlet runs. The cmdlet is not run and the store is not changed.'
    Confirm = 'Prompts you for confirmation before running the cmdlet.'
}

#endregion

#region Main

if (-not (Test-Path -LiteralPath $HelpFolder)) { throw "The help sources folder '$HelpFolder' does not exist." }
Write-Verbose "Reading the cmdlets of $ModulePath"
$commands = @(Get-CmdletMetadata -Path $ModulePath)
if (-not $commands.Count) { throw "The module at '$ModulePath' exports no cmdlets." }

$docs = @{}
foreach ($file in Get-ChildItem -LiteralPath $HelpFolder -Filter '*.md' -File) { $docs[$file.BaseName] = $file.FullName }

$problems = [Collections.Generic.List[string]]::new()
foreach ($name in $docs.Keys | Sort-Object) {
    if (-not ($commands.Name -contains $name)) { Write-Warning "help/$name.md documents '$name', which the module does not export; skipped." }
}

$help = foreach ($cmd in $commands) {
    if (-not $docs.ContainsKey($cmd.Name)) { $problems.Add("$($cmd.Name): no help file docs/help/$($cmd.Name).md."); continue }
    $md = Read-HelpMarkdown $docs[$cmd.Name]
    $where = "help/$($cmd.Name).md"
    if ($md.Title -ne $cmd.Name) { $problems.Add("${where}: its '# ' title is '$($md.Title)', not '$($cmd.Name)'.") }
    $section = { param($n) if ($md.Sections.Contains($n)) { $md.Sections[$n] } }
    $synopsis = if (& $section 'SYNOPSIS') { @(ConvertTo-Paragraph (& $section 'SYNOPSIS').Lines) } else { @() }
    $description = if (& $section 'DESCRIPTION') { @(ConvertTo-Paragraph (& $section 'DESCRIPTION').Lines) } else { @() }
    if (-not $synopsis.Count) { $problems.Add("${where}: no SYNOPSIS.") }
    if (-not $description.Count) { $problems.Add("${where}: no DESCRIPTION.") }

    # Parameters: documented <=> real.
    $paramDocs = [ordered]@{}
    $paramSection = & $section 'PARAMETERS'
    if ($paramSection) {
        foreach ($s in $paramSection.Subs) {
            if ($s.Title -notmatch '^-(\w+)$') { $problems.Add("${where}: parameter heading '### $($s.Title)' must be '### -Name'."); continue }
            $pn = $Matches[1]
            $real = @($cmd.Parameters | Where-Object Name -EQ $pn)
            if (-not $real.Count) { $problems.Add("${where}: documents -$pn, which $($cmd.Name) does not have."); continue }
            $text = @(ConvertTo-Paragraph $s.Lines)
            if (-not $text.Count) { $problems.Add("${where}: -$pn has no description.") }
            $paramDocs[$real[0].Name] = $text
        }
    }
    foreach ($p in $cmd.Parameters) {
        if ($paramDocs.Contains($p.Name)) { continue }
        if ($p.IsOptionalCommon -and $StandardText.ContainsKey($p.Name)) { $paramDocs[$p.Name] = @($StandardText[$p.Name]); continue }
        $problems.Add("${where}: parameter -$($p.Name) of $($cmd.Name) is not documented.")
    }

    # Examples.
    $examples = @()
    $exampleSection = & $section 'EXAMPLES'
    if ($exampleSection) {
        foreach ($s in $exampleSection.Subs) {
            $e = Split-Example $s.Lines
            if ([string]::IsNullOrWhiteSpace($e.Code)) { $problems.Add("${where}: '$($s.Title)' has no code block."); continue }
            $examples += [pscustomobject]@{ Title = $s.Title; Code = $e.Code; Remarks = $e.Remarks }
        }
    }
    if ($examples.Count -lt 2) { $problems.Add("${where}: $($examples.Count) example(s); at least 2 are required.") }

    # Inputs and outputs: from the Markdown, else from the metadata.
    $typeEntries = {
        param($sectionName, [string[]] $fallback, [string] $fallbackText)
        $sec = & $section $sectionName
        $entries = @()
        if ($sec -and $sec.Subs.Count) {
            foreach ($s in $sec.Subs) { $entries += [pscustomobject]@{ Name = $s.Title; Text = @(ConvertTo-Paragraph $s.Lines) } }
        }
        elseif ($sec -and @(ConvertTo-Paragraph $sec.Lines).Count) {
            $paras = @(ConvertTo-Paragraph $sec.Lines)
            $entries += [pscustomobject]@{ Name = $paras[0]; Text = @($paras | Select-Object -Skip 1) }
        }
        elseif ($fallback) {
            foreach ($t in $fallback) { $entries += [pscustomobject]@{ Name = $t; Text = @($fallbackText) } }
        }
        else { $entries += [pscustomobject]@{ Name = 'None'; Text = @() } }
        , $entries
    }
    $pipelineTypes = @(foreach ($set in $cmd.ParameterSets) { foreach ($p in $set.Parameters) { if ($p.ByValue -or $p.ByPropertyName) { ($cmd.Parameters | Where-Object Name -EQ $p.Name).Type.FullName } } }) | Sort-Object -Unique
    $inputs = & $typeEntries 'INPUTS' $pipelineTypes ''
    $outputs = & $typeEntries 'OUTPUTS' @($cmd.OutputTypes) ''
    $notes = if (& $section 'NOTES') { @(ConvertTo-Paragraph (& $section 'NOTES').Lines) } else { @() }
    $links = @()
    if (& $section 'RELATED LINKS') {
        foreach ($l in (& $section 'RELATED LINKS').Lines) {
            if ($l -match '^\s*[-*]\s+\[([^\]]+)\]\(([^)]*)\)') { $links += [pscustomobject]@{ Text = $Matches[1]; Uri = $Matches[2] } }
            elseif ($l -match '^\s*[-*]\s+(.+?)\s*$') { $links += [pscustomobject]@{ Text = $Matches[1]; Uri = '' } }
        }
    }
    [pscustomobject]@{
        Command = $cmd; Synopsis = $synopsis; Description = $description; ParamDocs = $paramDocs
        Examples = $examples; Inputs = $inputs; Outputs = $outputs; Notes = $notes; Links = $links
    }
}

if ($problems.Count) {
    throw "The help of PimModule is incomplete ($($problems.Count) problem(s)):`n  " + ($problems -join "`n  ")
}

New-Item -ItemType Directory -Path $Destination -Force | Out-Null
$target = Join-Path (Resolve-Path -LiteralPath $Destination).Path $MamlFile
$settings = [Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.Encoding = [Text.UTF8Encoding]::new($false)
$w = [Xml.XmlWriter]::Create($target, $settings)
try {
    $w.WriteStartDocument()
    $w.WriteStartElement('helpItems', 'http://msh')
    $w.WriteAttributeString('schema', 'maml')
    foreach ($h in $help) {
        $cmd = $h.Command
        $w.WriteStartElement('command', 'command', $ns.command)
        foreach ($p in 'maml', 'command', 'dev') { $w.WriteAttributeString('xmlns', $p, $null, $ns[$p]) }

        $w.WriteStartElement('command', 'details', $ns.command)
        $w.WriteElementString('command', 'name', $ns.command, $cmd.Name)
        $w.WriteElementString('command', 'verb', $ns.command, $cmd.Verb)
        $w.WriteElementString('command', 'noun', $ns.command, $cmd.Noun)
        Write-Paras $w 'description' 'maml' $h.Synopsis
        $w.WriteEndElement()
        Write-Paras $w 'description' 'maml' $h.Description

        # Syntax: one item per parameter set, the default first; positional, then mandatory, then the rest
        # (in the Markdown's order), WhatIf/Confirm last. DontShow parameters are left out, as PowerShell does.
        $docOrder = @($h.ParamDocs.Keys)
        $w.WriteStartElement('command', 'syntax', $ns.command)
        foreach ($set in @($cmd.ParameterSets | Sort-Object { -not $_.IsDefault })) {
            $w.WriteStartElement('command', 'syntaxItem', $ns.command)
            $w.WriteElementString('maml', 'name', $ns.maml, $cmd.Name)
            $ordered = @($set.Parameters | Where-Object { -not ($cmd.Parameters | Where-Object Name -EQ $_.Name).DontShow } | Sort-Object `
                @{ Expression = { $meta = $cmd.Parameters | Where-Object Name -EQ $_.Name; if ($meta.IsOptionalCommon) { 3 } elseif ($_.Position -ge 0) { 0 } elseif ($_.IsMandatory) { 1 } else { 2 } } },
                @{ Expression = { $_.Position } },
                @{ Expression = { [array]::IndexOf($docOrder, $_.Name) } })
            foreach ($sp in $ordered) {
                $meta = $cmd.Parameters | Where-Object Name -EQ $sp.Name
                Write-Parameter $w $meta $sp.IsMandatory $sp.Position (Get-PipelineText $sp.ByValue $sp.ByPropertyName) $h.ParamDocs[$sp.Name] -InSyntax
            }
            $w.WriteEndElement()
        }
        $w.WriteEndElement()

        # Parameters: in the Markdown's order (WhatIf/Confirm last); attributes merged over the sets.
        $w.WriteStartElement('command', 'parameters', $ns.command)
        foreach ($pn in $h.ParamDocs.Keys) {
            $meta = $cmd.Parameters | Where-Object Name -EQ $pn
            $inSets = @(foreach ($set in $cmd.ParameterSets) { $set.Parameters | Where-Object Name -EQ $pn })
            $required = [bool]($inSets.Count -and -not @($inSets | Where-Object { -not $_.IsMandatory }).Count)
            $positions = @($inSets | Where-Object { $_.Position -ge 0 } | ForEach-Object Position)
            $position = if ($positions.Count) { $positions[0] } else { -1 }
            $pipeline = Get-PipelineText ([bool]@($inSets | Where-Object ByValue).Count) ([bool]@($inSets | Where-Object ByPropertyName).Count)
            Write-Parameter $w $meta $required $position $pipeline $h.ParamDocs[$pn]
        }
        $w.WriteEndElement()

        $w.WriteStartElement('command', 'inputTypes', $ns.command)
        foreach ($i in $h.Inputs) {
            $w.WriteStartElement('command', 'inputType', $ns.command); Write-Type $w $i.Name; Write-Paras $w 'description' 'maml' $i.Text; $w.WriteEndElement()
        }
        $w.WriteEndElement()
        $w.WriteStartElement('command', 'returnValues', $ns.command)
        foreach ($o in $h.Outputs) {
            $w.WriteStartElement('command', 'returnValue', $ns.command); Write-Type $w $o.Name; Write-Paras $w 'description' 'maml' $o.Text; $w.WriteEndElement()
        }
        $w.WriteEndElement()

        $w.WriteStartElement('maml', 'alertSet', $ns.maml)
        $w.WriteStartElement('maml', 'alert', $ns.maml)
        foreach ($p in $h.Notes) { $w.WriteElementString('maml', 'para', $ns.maml, $p) }
        $w.WriteEndElement(); $w.WriteEndElement()

        $w.WriteStartElement('command', 'examples', $ns.command)
        foreach ($e in $h.Examples) {
            $w.WriteStartElement('command', 'example', $ns.command)
            $w.WriteElementString('maml', 'title', $ns.maml, "--------- $($e.Title) ---------")
            $w.WriteElementString('dev', 'code', $ns.dev, $e.Code)
            Write-Paras $w 'remarks' 'dev' $e.Remarks
            $w.WriteEndElement()
        }
        $w.WriteEndElement()

        $w.WriteStartElement('command', 'relatedLinks', $ns.command)
        foreach ($l in $h.Links) {
            $w.WriteStartElement('maml', 'navigationLink', $ns.maml)
            $w.WriteElementString('maml', 'linkText', $ns.maml, $l.Text)
            $w.WriteElementString('maml', 'uri', $ns.maml, $l.Uri)
            $w.WriteEndElement()
        }
        $w.WriteEndElement()

        $w.WriteEndElement() # command:command
    }
    $w.WriteEndElement()
    $w.WriteEndDocument()
}
finally {
    $w.Dispose()
}
Write-Verbose "Wrote $target ($(@($help).Count) cmdlets)."

$about = Join-Path $Source 'about_PimModule.help.txt'
if (Test-Path -LiteralPath $about) { Copy-Item -LiteralPath $about -Destination $Destination -Force }

#endregion
