namespace DicomGateway.Hosting;

/// <summary>
/// Names of the per-client-address rate limits (<c>Web:RateLimits</c>). They live here, below every feature, because the
/// web module defines the limits while the administration module names one on its sign-in endpoint.
/// </summary>
public static class RateLimitPolicies
{
    /// <summary>A recipient's unlock attempts: the code is guessed here.</summary>
    public const string Unlock = "unlock";

    /// <summary>A recipient asking for the SMS code again: each one costs an SMS.</summary>
    public const string CodeResend = "code-resend";

    /// <summary>Administrator sign-in with a password: passwords are guessed here.</summary>
    public const string SignIn = "sign-in";
}
