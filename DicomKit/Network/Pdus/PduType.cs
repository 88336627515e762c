namespace DicomKit.Network.Pdus;

/// <summary>The seven PDU types of PS3.8 9.3; any other first byte on the wire is an unrecognised PDU.</summary>
internal enum PduType : byte
{
    AssociateRq = 0x01,
    AssociateAc = 0x02,
    AssociateRj = 0x03,
    PDataTf = 0x04,
    ReleaseRq = 0x05,
    ReleaseRp = 0x06,
    Abort = 0x07,
}

/// <summary>Item types inside A-ASSOCIATE-RQ/AC (PS3.8 9.3.2, 9.3.3 and PS3.7 Annex D.3.3).</summary>
internal static class ItemType
{
    public const byte ApplicationContext = 0x10;
    public const byte PresentationContextRq = 0x20;
    public const byte PresentationContextAc = 0x21;
    public const byte AbstractSyntax = 0x30;
    public const byte TransferSyntax = 0x40;
    public const byte UserInformation = 0x50;
    public const byte MaximumLength = 0x51;
    public const byte ImplementationClassUid = 0x52;
    public const byte AsynchronousOperationsWindow = 0x53;
    public const byte RoleSelection = 0x54;
    public const byte ImplementationVersionName = 0x55;
    public const byte SopClassExtendedNegotiation = 0x56;
    public const byte SopClassCommonExtendedNegotiation = 0x57;
    public const byte UserIdentityRq = 0x58;
    public const byte UserIdentityAc = 0x59;
}
