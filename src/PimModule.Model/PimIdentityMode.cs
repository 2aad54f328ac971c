namespace PimModule;

/// <summary>
/// How a store knows who acts. Lab: principals are claimed (Connect-PimStore -Principal x acts as x) — labs, demos,
/// tests, one person's file. Verified: a principal acts only with their own private key, every transaction is sealed
/// with it, and the log can be checked by anyone.
/// </summary>
public enum PimIdentityMode
{
    Lab,
    Verified,
}
