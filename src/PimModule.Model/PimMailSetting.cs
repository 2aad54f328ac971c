namespace PimModule;

/// <summary>How Send-PimNotification reaches the mail server (the password is never shown).</summary>
public sealed class PimMailSetting
{
    public string? SmtpServer { get; init; }
    public int Port { get; init; }
    public string? From { get; init; }
    public bool UseSsl { get; init; }
    public string? UserName { get; init; }
    public bool HasPassword { get; init; }
    /// <summary>Verified stores: the principal whose keys the SMTP password is encrypted to — who sends (Send-PimNotification).</summary>
    public string? Mailer { get; init; }
    /// <summary>True when the administrator allowed the login to travel without TLS (Set-PimMailSetting -AllowInsecureAuthentication).</summary>
    public bool AllowInsecureAuthentication { get; init; }
}
