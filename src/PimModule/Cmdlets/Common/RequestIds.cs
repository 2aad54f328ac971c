using System.Management.Automation;

namespace PimModule.Cmdlets.Common;

internal static class RequestIds
{
    public static Guid Parse(string text) => Guid.TryParse(Input.Text(text, "RequestId", Input.IdLength)?.Trim(), out var g) ? g
        : throw PimErrors.RequestIdInvalid($"'{text}' is not a request id: request ids are GUIDs.", text,
            "Copy the RequestId from Get-PimRequest, or pipe the request object.");
}
