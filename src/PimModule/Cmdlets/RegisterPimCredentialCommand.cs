using System.Management.Automation;
using PimModule.Cmdlets.Common;

namespace PimModule.Cmdlets;

/// <summary>
/// Binds a public key to a principal in a Verified store (administrators; a principal may add a key of their own while
/// acting with their current one). One key belongs to one principal. A second key for a principal who has one needs their
/// current key, or -Propose and a second administrator running the same command; the principal is told by mail.
/// The key comes as Export-PimCredential wrote it (-PublicKeyPath, or its text: -PublicKey, a string, an array of lines,
/// or lines piped one by one from Get-Content), as New-PimCredential's output, or as a certificate. Text holding a
/// private key is refused (PimCredentialPrivateKeyGiven) and never repeated anywhere.
/// </summary>
[Cmdlet(VerbsLifecycle.Register, "PimCredential", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = ParameterSets.PublicKey)]
[OutputType(typeof(PimCredential))]
public sealed class RegisterPimCredentialCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PrincipalCompleter))]
    public string Principal { get; set; } = "";

    /// <summary>
    /// The public key: PEM text (BEGIN PUBLIC KEY, as Export-PimCredential prints it, or BEGIN CERTIFICATE; also as an
    /// array of lines), a PimCredential (New-PimCredential's output), a file (FileInfo) or an X509Certificate2.
    /// </summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ParameterSets.PublicKey)]
    [ValidateNotNull]
    public object PublicKey { get; set; } = null!;

    /// <summary>The file Export-PimCredential wrote (a PEM PUBLIC KEY or a certificate's PEM).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ParameterSets.PublicKeyPath)]
    [ValidateNotNullOrEmpty]
    public string PublicKeyPath { get; set; } = "";

    /// <summary>For a principal who already has a key: propose this one; it acts once a second administrator confirms it (the same command).</summary>
    [Parameter]
    public SwitchParameter Propose { get; set; }

    /// <summary>
    /// A root-level key (run by a root-level principal acting with their root key): for yourself, a root rotation — the key
    /// you act with is retired in the same sealed transaction; for a principal with no key, a break-glass second root.
    /// </summary>
    [Parameter]
    public SwitchParameter Root { get; set; }

    /// <summary>Lines of one PEM piped one by one (Get-Content's output), from its BEGIN line until its END line.</summary>
    private List<string>? _lines;

    protected override void ProcessPim()
    {
        object value;
        if (ParameterSetName == ParameterSets.PublicKeyPath) value = ReadKeyFile(ResolveFilePath(PublicKeyPath, nameof(PublicKeyPath)));
        else if (Lines(PublicKey) is not { } key) return; // a line of a PEM coming one by one: registered at its END line
        else value = key;
        Register(value);
    }

    protected override void EndPim()
    {
        if (_lines is null) return;
        _lines = null;
        // Said without the lines: they may be a private key's.
        throw PimErrors.CredentialInvalid("The lines piped in hold a PEM's BEGIN line but no END line: the key is cut short. Nothing was changed.", Principal,
            "Give the whole file: Register-PimCredential -PublicKeyPath <the file Export-PimCredential wrote>.");
    }

    private void Register(object value)
    {
        var result = Store.Credentials.Register(Principal, value, Propose, ShouldProcess, Root);
        if (result is null) return;
        if (Root && global::PimModule.Identity.Principal.Same(result.Principal, Store.Principal) && result.Thumbprint != Store.CredentialThumbprint)
            WriteWarning($"The key you acted with is retired: connect again with the new root key {result.Thumbprint} (Connect-PimStore -CredentialPath <its file>).");
        WriteObject(result);
    }

    /// <summary>
    /// The key as the engine takes it: a PimCredential, a certificate or one PEM text. An array of lines (Get-Content's)
    /// is joined; a file is read; a line piped alone is kept until its PEM's END line (null until then).
    /// </summary>
    private object? Lines(object given)
    {
        var value = given is PSObject pso ? pso.BaseObject : given;
        if (value is FileInfo file) return ReadKeyFile(file.FullName);
        if (value is object[] array)
        {
            var items = array.Select(i => i is PSObject p ? p.BaseObject : i).ToArray();
            if (items.Length > 0 && items.All(i => i is string)) return string.Join("\n", items.Cast<string>());
            if (items.Length == 1) return items[0];
        }
        if (value is not string line || !MyInvocation.ExpectingInput) return value;
        var begins = line.Contains("-----BEGIN", StringComparison.Ordinal);
        var ends = line.Contains("-----END", StringComparison.Ordinal);
        if (_lines is null)
        {
            if (!begins || ends) return line; // a whole PEM, or not a PEM's line at all (refused as such)
            _lines = [line];
            return null;
        }
        _lines.Add(line);
        if (!ends) return null;
        var pem = string.Join("\n", _lines);
        _lines = null;
        return pem;
    }

    private string ReadKeyFile(string path)
    {
        var p = global::PimModule.Identity.Principal.IsValid(Principal) ? global::PimModule.Identity.Principal.Validate(Principal) : null;
        var export = p is null ? "Export-PimCredential -Principal <upn> -Path <upn>.pem"
            : $"Export-PimCredential -Principal {PimErrors.Argument(p)} -Path {PimErrors.Argument(PimErrors.PublicKeyFileName(p))}";
        return InputFile.ReadText(path, 1, $"Give the file Export-PimCredential wrote ({export}, run by {p ?? "the principal"} on their machine).",
            PimErrors.CredentialNotFound);
    }
}
