using System.Net.Mail;

namespace DicomGateway.AddressBook;

/// <summary>What makes an address usable for a recipient, wherever one is written: a contact, a rule's recipient, a held study's addressing.</summary>
public static class Addressing
{
    /// <summary>The languages the notifications are written in.</summary>
    public static IReadOnlySet<string> Languages { get; } = new HashSet<string>(["cs", "pl", "en"], StringComparer.Ordinal);

    /// <summary>A bare address (no display name, nothing around it), as the mail transport sends to it.</summary>
    public static bool IsEmailAddress(string text) =>
        text.Length <= 254 && MailAddress.TryCreate(text, out var address) && address.Address == text && string.IsNullOrEmpty(address.DisplayName);
}
