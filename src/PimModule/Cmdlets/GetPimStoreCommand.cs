using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Shows the store this session works on: provider, location, schema version, acting principal, counts.</summary>
[Cmdlet(VerbsCommon.Get, "PimStore")]
[OutputType(typeof(PimStoreInfo))]
public sealed class GetPimStoreCommand : PimCmdlet
{
    protected override void ProcessPim() => WriteObject(Store.GetInfo());
}
