using System.Buffers;

namespace DicomKit.Network.Pdus;

/// <summary>
/// The fields A-ASSOCIATE-RQ and A-ASSOCIATE-AC share (PS3.8 Tables 9-11 and 9-17 are laid out alike): protocol
/// version, called and calling AE titles, the reserved bytes, and the application context item that follows them.
/// Written and read once here so the two PDUs cannot drift apart.
/// </summary>
internal readonly record struct AssociateHeader(ushort ProtocolVersion, string CalledAeTitle, string CallingAeTitle)
{
    public const int FixedFieldsLength = sizeof(ushort) /* protocol version */ + sizeof(ushort) /* reserved */
        + 16 /* called AE */ + 16 /* calling AE */ + 32 /* reserved */;

    /// <summary>Length of the fixed fields plus the application context item.</summary>
    public static int Length(string applicationContext) => FixedFieldsLength + 4 /* item header */ + applicationContext.Length;

    public void Write(ref PduWriter w, PduType type, int bodyLength, string applicationContext)
    {
        w.WritePduHeader(type, bodyLength);
        w.WriteUInt16(ProtocolVersion);
        w.WriteZeros(2);
        w.WriteAeTitle(CalledAeTitle);
        w.WriteAeTitle(CallingAeTitle);
        w.WriteZeros(32);
        w.WriteItemHeader(ItemType.ApplicationContext, applicationContext.Length);
        w.WriteAscii(applicationContext);
    }

    public static AssociateHeader Read(ref SequenceReader<byte> r, string pdu)
    {
        var version = ItemReading.ReadUInt16(ref r, pdu);
        ItemReading.Skip(ref r, 2, pdu);
        var called = ItemReading.ReadAeTitle(ref r, pdu);
        var calling = ItemReading.ReadAeTitle(ref r, pdu);
        ItemReading.Skip(ref r, 32, pdu);
        return new AssociateHeader(version, called, calling);
    }
}
