using System.Buffers;

namespace DicomKit.Network.Pdus;

/// <summary>SCP/SCU role selection sub-item (PS3.7 D.3.3.4).</summary>
internal sealed record RoleSelection(string SopClassUid, bool ScuRole, bool ScpRole)
{
    public int ItemLength => sizeof(ushort) /* uid length */ + SopClassUid.Length + sizeof(byte) /* scu */ + sizeof(byte) /* scp */;
}

/// <summary>SOP class extended negotiation sub-item (PS3.7 D.3.3.5): opaque service-class information.</summary>
internal sealed record SopClassExtendedNegotiation(string SopClassUid, byte[] ServiceClassApplicationInformation)
{
    public int ItemLength => sizeof(ushort) /* uid length */ + SopClassUid.Length + ServiceClassApplicationInformation.Length;
}

/// <summary>SOP class common extended negotiation sub-item (PS3.7 D.3.3.6); request only.</summary>
internal sealed record SopClassCommonExtendedNegotiation(string SopClassUid, string ServiceClassUid, IReadOnlyList<string> RelatedGeneralSopClassUids)
{
    public int ItemLength => sizeof(ushort) /* sop class uid length */ + SopClassUid.Length
        + sizeof(ushort) /* service class uid length */ + ServiceClassUid.Length
        + sizeof(ushort) /* related general sop class identification length */ + RelatedLength;

    public int RelatedLength => RelatedGeneralSopClassUids.Sum(u => sizeof(ushort) + u.Length);
}

/// <summary>User identity negotiation request sub-item (PS3.7 D.3.3.7.1). Never logged: it may hold a password.</summary>
internal sealed record UserIdentityRq(byte IdentityType, bool PositiveResponseRequested, byte[] PrimaryField, byte[] SecondaryField)
{
    public int ItemLength => sizeof(byte) /* type */ + sizeof(byte) /* positive response requested */
        + sizeof(ushort) + PrimaryField.Length + sizeof(ushort) + SecondaryField.Length;

    public override string ToString() => $"UserIdentityRq {{ Type = {IdentityType}, PositiveResponseRequested = {PositiveResponseRequested} }}";
}

/// <summary>
/// User information item (PS3.8 9.3.2.3 and PS3.7 Annex D.3.3): the extended negotiation that rides on
/// A-ASSOCIATE-RQ and -AC. Sub-items not listed here are skipped on reading, as PS3.7 D.3.3 requires.
/// </summary>
internal sealed class UserInformation
{
    /// <summary>Largest P-DATA-TF body the sender of this item will receive; 0 means no limit.</summary>
    public uint MaximumLength { get; set; }
    public string? ImplementationClassUid { get; set; }
    public string? ImplementationVersionName { get; set; }
    public (ushort Invoked, ushort Performed)? AsynchronousOperationsWindow { get; set; }
    public List<RoleSelection> RoleSelections { get; } = [];
    public List<SopClassExtendedNegotiation> ExtendedNegotiations { get; } = [];
    public List<SopClassCommonExtendedNegotiation> CommonExtendedNegotiations { get; } = [];
    public UserIdentityRq? UserIdentityRequest { get; set; }

    /// <summary>Our side's item: the maximum length we receive and DicomKit's implementation identity.</summary>
    public static UserInformation Ours(int maxPduLength) => new()
    {
        MaximumLength = (uint)maxPduLength,
        ImplementationClassUid = Services.KnownUids.ImplementationClassUid,
        ImplementationVersionName = Services.KnownUids.ImplementationVersionName,
    };
    /// <summary>Server response of a user identity AC sub-item (PS3.7 D.3.3.7.2).</summary>
    public byte[]? UserIdentityResponse { get; set; }

    public int ItemLength
    {
        get
        {
            var length = 4 /* max length header */ + sizeof(uint);
            if (ImplementationClassUid is not null) length += 4 + ImplementationClassUid.Length;
            if (AsynchronousOperationsWindow is not null) length += 4 + sizeof(ushort) + sizeof(ushort);
            length += RoleSelections.Sum(x => 4 + x.ItemLength);
            if (ImplementationVersionName is not null) length += 4 + ImplementationVersionName.Length;
            length += ExtendedNegotiations.Sum(x => 4 + x.ItemLength);
            length += CommonExtendedNegotiations.Sum(x => 4 + x.ItemLength);
            if (UserIdentityRequest is not null) length += 4 + UserIdentityRequest.ItemLength;
            if (UserIdentityResponse is not null) length += 4 + sizeof(ushort) + UserIdentityResponse.Length;
            return length;
        }
    }

    /// <summary>Writes the sub-items in the order of PS3.7 D.3.3 (max length first, implementation class UID next).</summary>
    public void Write(ref PduWriter w)
    {
        w.WriteItemHeader(ItemType.UserInformation, ItemLength);
        w.WriteItemHeader(ItemType.MaximumLength, sizeof(uint));
        w.WriteUInt32(MaximumLength);
        if (ImplementationClassUid is not null)
        {
            w.WriteItemHeader(ItemType.ImplementationClassUid, ImplementationClassUid.Length);
            w.WriteAscii(ImplementationClassUid);
        }
        if (AsynchronousOperationsWindow is { } window)
        {
            w.WriteItemHeader(ItemType.AsynchronousOperationsWindow, sizeof(ushort) + sizeof(ushort));
            w.WriteUInt16(window.Invoked);
            w.WriteUInt16(window.Performed);
        }
        foreach (var role in RoleSelections)
        {
            w.WriteItemHeader(ItemType.RoleSelection, role.ItemLength);
            w.WriteUInt16((ushort)role.SopClassUid.Length);
            w.WriteAscii(role.SopClassUid);
            w.WriteByte(role.ScuRole ? (byte)1 : (byte)0);
            w.WriteByte(role.ScpRole ? (byte)1 : (byte)0);
        }
        if (ImplementationVersionName is not null)
        {
            w.WriteItemHeader(ItemType.ImplementationVersionName, ImplementationVersionName.Length);
            w.WriteAscii(ImplementationVersionName);
        }
        foreach (var ext in ExtendedNegotiations)
        {
            w.WriteItemHeader(ItemType.SopClassExtendedNegotiation, ext.ItemLength);
            w.WriteUInt16((ushort)ext.SopClassUid.Length);
            w.WriteAscii(ext.SopClassUid);
            w.WriteBytes(ext.ServiceClassApplicationInformation);
        }
        foreach (var common in CommonExtendedNegotiations)
        {
            w.WriteItemHeader(ItemType.SopClassCommonExtendedNegotiation, common.ItemLength);
            w.WriteUInt16((ushort)common.SopClassUid.Length);
            w.WriteAscii(common.SopClassUid);
            w.WriteUInt16((ushort)common.ServiceClassUid.Length);
            w.WriteAscii(common.ServiceClassUid);
            w.WriteUInt16((ushort)common.RelatedLength);
            foreach (var related in common.RelatedGeneralSopClassUids)
            {
                w.WriteUInt16((ushort)related.Length);
                w.WriteAscii(related);
            }
        }
        if (UserIdentityRequest is { } id)
        {
            w.WriteItemHeader(ItemType.UserIdentityRq, id.ItemLength);
            w.WriteByte(id.IdentityType);
            w.WriteByte(id.PositiveResponseRequested ? (byte)1 : (byte)0);
            w.WriteUInt16((ushort)id.PrimaryField.Length);
            w.WriteBytes(id.PrimaryField);
            w.WriteUInt16((ushort)id.SecondaryField.Length);
            w.WriteBytes(id.SecondaryField);
        }
        if (UserIdentityResponse is not null)
        {
            w.WriteItemHeader(ItemType.UserIdentityAc, sizeof(ushort) + UserIdentityResponse.Length);
            w.WriteUInt16((ushort)UserIdentityResponse.Length);
            w.WriteBytes(UserIdentityResponse);
        }
    }

    public static UserInformation Parse(ref SequenceReader<byte> r)
    {
        var info = new UserInformation();
        var count = 0;
        while (r.Remaining > 0)
        {
            if (++count > 1024)
                throw ItemReading.Invalid("user information holds more than 1024 sub-items");
            var sub = ItemReading.ReadItem(ref r, out var type, "user information");
            switch (type)
            {
                case ItemType.MaximumLength:
                    info.MaximumLength = ItemReading.ReadUInt32(ref sub, "maximum length");
                    break;
                case ItemType.ImplementationClassUid:
                    info.ImplementationClassUid = ItemReading.ReadRest(ref sub, "implementation class UID");
                    break;
                case ItemType.ImplementationVersionName:
                    info.ImplementationVersionName = ItemReading.ReadRest(ref sub, "implementation version name");
                    break;
                case ItemType.AsynchronousOperationsWindow:
                    info.AsynchronousOperationsWindow = (ItemReading.ReadUInt16(ref sub, "asynchronous operations window"),
                        ItemReading.ReadUInt16(ref sub, "asynchronous operations window"));
                    break;
                case ItemType.RoleSelection:
                {
                    var uidLength = ItemReading.ReadUInt16(ref sub, "role selection");
                    var uid = ItemReading.ReadAscii(ref sub, uidLength, "role selection");
                    var scu = ItemReading.ReadByte(ref sub, "role selection") == 1;
                    var scp = ItemReading.ReadByte(ref sub, "role selection") == 1;
                    info.RoleSelections.Add(new RoleSelection(uid, scu, scp));
                    break;
                }
                case ItemType.SopClassExtendedNegotiation:
                {
                    var uidLength = ItemReading.ReadUInt16(ref sub, "extended negotiation");
                    var uid = ItemReading.ReadAscii(ref sub, uidLength, "extended negotiation");
                    info.ExtendedNegotiations.Add(new SopClassExtendedNegotiation(uid, ItemReading.ReadBytes(ref sub, (int)sub.Remaining, "extended negotiation")));
                    break;
                }
                case ItemType.SopClassCommonExtendedNegotiation:
                {
                    var uidLength = ItemReading.ReadUInt16(ref sub, "common extended negotiation");
                    var uid = ItemReading.ReadAscii(ref sub, uidLength, "common extended negotiation");
                    var serviceLength = ItemReading.ReadUInt16(ref sub, "common extended negotiation");
                    var service = ItemReading.ReadAscii(ref sub, serviceLength, "common extended negotiation");
                    var relatedLength = ItemReading.ReadUInt16(ref sub, "common extended negotiation");
                    if (sub.Remaining < relatedLength)
                        throw ItemReading.Invalid("truncated common extended negotiation");
                    var relatedReader = new SequenceReader<byte>(sub.UnreadSequence.Slice(0, relatedLength));
                    var related = new List<string>();
                    while (relatedReader.Remaining > 0)
                    {
                        var length = ItemReading.ReadUInt16(ref relatedReader, "related general SOP class");
                        related.Add(ItemReading.ReadAscii(ref relatedReader, length, "related general SOP class"));
                    }
                    info.CommonExtendedNegotiations.Add(new SopClassCommonExtendedNegotiation(uid, service, related));
                    break;
                }
                case ItemType.UserIdentityRq:
                {
                    var identityType = ItemReading.ReadByte(ref sub, "user identity");
                    var positive = ItemReading.ReadByte(ref sub, "user identity") == 1;
                    var primary = ItemReading.ReadBytes(ref sub, ItemReading.ReadUInt16(ref sub, "user identity"), "user identity");
                    var secondary = ItemReading.ReadBytes(ref sub, ItemReading.ReadUInt16(ref sub, "user identity"), "user identity");
                    info.UserIdentityRequest = new UserIdentityRq(identityType, positive, primary, secondary);
                    break;
                }
                case ItemType.UserIdentityAc:
                    info.UserIdentityResponse = ItemReading.ReadBytes(ref sub, ItemReading.ReadUInt16(ref sub, "user identity response"), "user identity response");
                    break;
                default:
                    break; // unknown sub-items are skipped (PS3.7 D.3.3)
            }
        }
        return info;
    }
}
