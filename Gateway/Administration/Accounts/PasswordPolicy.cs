namespace DicomGateway.Administration;

/// <summary>
/// What a password must be: at least <see cref="MinimumLength"/> characters and not the user name. Length is what
/// makes a password strong; composition rules only make it harder to remember (NIST SP 800-63B, 5.1.1.2).
/// </summary>
public static class PasswordPolicy
{
    public const int MinimumLength = 12;

    public const int MaximumLength = 256;

    /// <summary>Null when <paramref name="password"/> is acceptable for <paramref name="username"/>; else why not.</summary>
    public static string? Check(string username, string? password)
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinimumLength) return $"The password must have at least {MinimumLength} characters.";
        if (password.Length > MaximumLength) return $"The password may have at most {MaximumLength} characters.";
        if (string.Equals(password.Trim(), username.Trim(), StringComparison.OrdinalIgnoreCase)) return "The password may not be the user name.";
        return null;
    }
}
