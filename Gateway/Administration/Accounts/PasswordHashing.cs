namespace DicomGateway.Administration;

/// <summary>The cost of a stored password hash.</summary>
public static class PasswordHashing
{
    /// <summary>
    /// PBKDF2-HMAC-SHA512 iterations: OWASP's Password Storage Cheat Sheet asks 210,000 for this hash function. The
    /// framework's hasher marks a hash with fewer as needing a rehash, which a successful sign-in then writes.
    /// </summary>
    public const int Iterations = 210_000;
}
