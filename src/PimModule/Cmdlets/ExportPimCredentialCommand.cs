using System.Management.Automation;
using PimModule.Cmdlets.Common;
using PimModule.Hosting;

namespace PimModule.Cmdlets;

/// <summary>
/// Prints, or writes to -Path, the PUBLIC half of a principal's key (PEM "PUBLIC KEY") — what they hand to an
/// administrator, who registers it with Register-PimCredential -PublicKeyPath. Run by the principal, on their machine;
/// never writes or prints the private key. No store is needed.
/// </summary>
/// <remarks>
/// The output is the PEM text itself (a string), because that is what every next step takes as it is: Set-Content and
/// Out-File write it, Set-Clipboard and a mail carry it, Register-PimCredential -PublicKey binds it by value. It carries
/// Principal and Thumbprint as note properties (as Get-Content's lines carry PSPath), so that
/// <c>Export-PimCredential -Principal x | Register-PimCredential</c> binds -Principal too on one machine.
/// </remarks>
[Cmdlet(VerbsData.Export, "PimCredential", SupportsShouldProcess = true)]
[OutputType(typeof(string))]
[OutputType(typeof(FileInfo))]
public sealed class ExportPimCredentialCommand : PimCmdlet
{
    /// <summary>Whose key: by default the session's acting principal (or the operating-system user), as New-PimCredential.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PrincipalCompleter))]
    public string? Principal { get; set; }

    /// <summary>Writes the public key to this file (0600; -Force replaces one) instead of printing it.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>The private key's file, when it is not in the principal's key folder (New-PimCredential -Path).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CredentialPath { get; set; }

    /// <summary>The passphrase of an encrypted key (an encrypted key file holds no public key in the clear).</summary>
    [Parameter]
    public System.Security.SecureString? Passphrase { get; set; }

    /// <summary>Replaces the -Path file if it exists.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>With -Path: returns the file written.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessPim()
    {
        var principal = global::PimModule.Identity.Principal.Validate(Principal ?? PimSession.Current?.Principal ?? global::PimModule.Identity.Principal.Current());
        var keyFile = CredentialPath is null ? Identity.CredentialService.KeyFileOf(principal) : ResolveFilePath(CredentialPath, nameof(CredentialPath));
        var credentialPath = CredentialPath is null ? null : keyFile;
        if (!File.Exists(keyFile) && !Directory.Exists(keyFile)) throw NotFound(principal, keyFile, credentialPath);
        var keyText = InputFile.ReadText(keyFile, 1, "Give the key file New-PimCredential wrote (-CredentialPath).",
            (message, _, _, inner) => PimErrors.CredentialNotFound(message, principal, PimErrors.OnboardingSteps(principal, credentialPath), inner));
        var passphrase = Passphrase is null ? "" : new System.Net.NetworkCredential("", Passphrase).Password;
        var credential = Identity.CredentialService.PublicHalf(principal, keyFile, keyText, passphrase);
        WriteVerbose($"The public key of {credential.Principal} ({credential.Algorithm}, thumbprint {credential.Thumbprint}), from '{keyFile}'.");
        if (Path is null)
        {
            var text = new PSObject(credential.PublicKey);
            text.Properties.Add(new PSNoteProperty(nameof(PimCredential.Principal), credential.Principal));
            text.Properties.Add(new PSNoteProperty(nameof(PimCredential.Thumbprint), credential.Thumbprint));
            WriteObject(text);
            return;
        }
        var path = ResolveFilePath(Path);
        // The private key's own file is never the target: replacing it with its public half would lose the key.
        if (string.Equals(RealPath(path), RealPath(keyFile), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
            throw PimErrors.InputValueInvalid($"-Path '{path}' is the private key's own file; writing the public key there would destroy the key. Nothing was written.", path,
                $"Give another -Path, such as {PimErrors.Argument(PimErrors.PublicKeyFileName(principal))}.");
        if (!ShouldProcess(path, $"Write the public key of {credential.Principal} ({credential.Thumbprint})")) return;
        OwnerOnlyFile.WriteText(path, Force, credential.PublicKey + "\n");
        if (PassThru) WriteObject(new FileInfo(path));
    }

    /// <summary>
    /// The path with every symbolic link along it resolved (its folders', and its own if it is one), so that two paths to
    /// one file compare equal: a key folder reached through a linked XDG_DATA_HOME is still the key folder.
    /// </summary>
    internal static string RealPath(string path, int depth = 0)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (depth > 32) return full; // a cycle of links: the file system refuses to follow it anyway
        var root = System.IO.Path.GetPathRoot(full) ?? "";
        var current = root;
        foreach (var part in full[root.Length..].Split(System.IO.Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = System.IO.Path.Combine(current, part);
            try
            {
                var info = new FileInfo(next);
                if (info.LinkTarget is { } target)
                    next = RealPath(System.IO.Path.IsPathRooted(target) ? target : System.IO.Path.Combine(current, target), depth + 1);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // a part that cannot be read is compared as it is written
            }
            current = next;
        }
        return current;
    }

    private static PimException NotFound(string principal, string keyFile, string? credentialPath)
        => PimErrors.CredentialNotFound(credentialPath is null
                ? $"{principal} has no key on this machine (there is none at '{keyFile}'); there is nothing to export."
                : $"There is no key file at '{keyFile}' (-CredentialPath); there is nothing to export.",
            principal, PimErrors.OnboardingSteps(principal, credentialPath));
}
