using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>
/// Registers a TOTP authenticator for a principal: the secret and otpauth:// URI are returned once, and the URI is shown
/// as a QR code on the host, for an authenticator app to scan.
/// </summary>
[Cmdlet(VerbsLifecycle.Register, "PimMfaMethod", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PimMfaRegistration))]
public sealed class RegisterPimMfaMethodCommand : PimCmdlet
{
    /// <summary>Whose method; the acting principal by default (another principal needs a role administrator).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(PrincipalCompleter))]
    public string? Principal { get; set; }

    /// <summary>Replace an existing method.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessPim()
    {
        var registration = Store.Mfa.Register(Principal, Force, ShouldProcess);
        if (registration is null) return;
        ShowQrCode(registration);
        WriteObject(registration);
    }

    /// <summary>
    /// The registration's otpauth:// URI as a QR code, written to the host as Write-Host writes (the information stream,
    /// tagged PSHOST): shown even when the output is assigned ($mfa = Register-PimMfaMethod), never part of the output;
    /// 6>&amp;1, -InformationVariable or -InformationAction Ignore take it like any Write-Host text. Drawn black on white,
    /// in half blocks where the host can draw them, else in '#'. Nothing of it goes to -Verbose or a log.
    /// </summary>
    private void ShowQrCode(PimMfaRegistration registration)
    {
        var style = CanDrawBlocks() ? TerminalQrCode.Style.HalfBlocks : TerminalQrCode.Style.Ascii;
        ToHost($"Scan this QR code with an authenticator app to add {registration.Principal}'s PimModule method (or type in the Secret); it is shown only now:");
        foreach (var line in TerminalQrCode.Render(registration.Uri, style)) ToHost(line, ConsoleColor.Black, ConsoleColor.White);
    }

    /// <summary>
    /// True when the host is a terminal that draws the half blocks: UTF-8 output to a console (not redirected) through a
    /// host that draws on it (SupportsVirtualTerminal).
    /// </summary>
    private bool CanDrawBlocks()
    {
        try
        {
            return Console.OutputEncoding.CodePage == 65001 && !Console.IsOutputRedirected && Host?.UI?.SupportsVirtualTerminal == true;
        }
        catch (Exception e) when (e is IOException or PlatformNotSupportedException or InvalidOperationException or NotImplementedException or System.Management.Automation.Host.HostException)
        {
            return false;
        }
    }

    private void ToHost(string text, ConsoleColor? foreground = null, ConsoleColor? background = null)
        => WriteInformation(new HostInformationMessage { Message = text, NoNewLine = false, ForegroundColor = foreground, BackgroundColor = background },
            ["PSHOST"]);
}
