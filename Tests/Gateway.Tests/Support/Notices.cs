using DicomGateway.Notifications;

namespace Gateway.Tests.Support;

/// <summary>A notice with secrets that are easy to look for.</summary>
internal static class Notices
{
    public const string Token = "Tq9ZkR3mXw7pLs2VbN8cYd";
    public const string KeyShare = "Ej4HuT6yGf1QaZo0PxWm5Kr";
    public const string Link = "https://gateway.hospital.test/s/" + Token + "#" + KeyShare;
    public const string Code = "ABCDEFGH";

    public static ShipmentNotice For(long shipmentId, long recipientId, string reference = "K7M2-9QXD", string? email = "doctor@clinic.test",
        string? phone = "603 000 000", string language = "cs") => new()
    {
        ShipmentId = shipmentId,
        RecipientId = recipientId,
        Reference = reference,
        Email = email,
        Phone = phone,
        Language = language,
        Link = Link,
        Code = Code,
        ExpiresAt = new DateTimeOffset(2026, 3, 12, 13, 30, 0, TimeSpan.Zero),
        InstanceCount = 412,
        TotalBytes = 12_345_678,
        SenderName = "MUDr. Jana Nováková",
        SenderOrganisation = "Fakultní nemocnice Test",
    };
}
