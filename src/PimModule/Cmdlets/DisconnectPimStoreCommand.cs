using System.Management.Automation;
using PimModule.Hosting;

namespace PimModule.Cmdlets;

/// <summary>Closes the session's store (and forgets a failed connect). The next command opens the default store again.</summary>
[Cmdlet(VerbsCommunications.Disconnect, "PimStore")]
[OutputType(typeof(void))]
public sealed class DisconnectPimStoreCommand : PimCmdlet
{
    protected override void ProcessPim()
    {
        var current = PimSession.Current;
        if (current is not null) WriteVerbose($"Closing the store '{current.Location}'.");
        PimSession.Close();
    }
}
