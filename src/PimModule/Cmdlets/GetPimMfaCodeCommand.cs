using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>
/// The current TOTP code, as an authenticator app shows it: from an otpauth:// URI or a base32 secret the caller holds
/// (no store is opened), or from the store's copy of a principal's secret in a Lab store.
/// </summary>
[Cmdlet(VerbsCommon.Get, "PimMfaCode", DefaultParameterSetName = ParameterSets.Uri)]
[OutputType(typeof(string))]
public sealed class GetPimMfaCodeCommand : PimCmdlet
{
    /// <summary>An otpauth://totp/ URI (Register-PimMfaMethod's Uri); binds from a piped registration's Uri property.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ParameterSets.Uri, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [AllowNull, AllowEmptyString]
    public string Uri { get; set; } = "";

    /// <summary>A base32 secret (Register-PimMfaMethod's Secret): HMAC-SHA-1, 6 digits, 30-second steps.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ParameterSets.Secret)]
    [AllowNull, AllowEmptyString]
    public string Secret { get; set; } = "";

    /// <summary>Whose code, from the store's copy of their secret: Lab stores only.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ParameterSets.Principal)]
    [AllowNull, AllowEmptyString]
    [ArgumentCompleter(typeof(PrincipalCompleter))]
    public string Principal { get; set; } = "";

    protected override void ProcessPim() => WriteObject(ParameterSetName switch
    {
        // -Uri and -Secret never touch Store: they work with no store, or a store that cannot be opened.
        ParameterSets.Secret => AuthenticatorCode.FromSecret(Secret),
        ParameterSets.Principal => Store.Mfa.CurrentCode(Principal),
        _ => AuthenticatorCode.FromUri(Uri),
    });
}
