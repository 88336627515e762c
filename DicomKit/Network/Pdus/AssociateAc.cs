using System.Buffers;

namespace DicomKit.Network.Pdus;

/// <summary>A-ASSOCIATE-AC PDU (PS3.8 9.3.3).</summary>
internal sealed class AssociateAc : IWritablePdu
{
    public ushort ProtocolVersion { get; init; } = 1;
    /// <summary>Echoed from the request; PS3.8 says the receiver shall not test it.</summary>
    public required string CalledAeTitle { get; init; }
    public required string CallingAeTitle { get; init; }
    public string ApplicationContext { get; init; } = AssociateRq.DicomApplicationContext;
    public List<PresentationContextAc> PresentationContexts { get; } = [];
    public UserInformation UserInformation { get; init; } = new();

    public int BodyLength => AssociateRq.FixedFieldsLength
        + 4 /* application context item header */ + ApplicationContext.Length
        + PresentationContexts.Sum(pc => 4 + pc.ItemLength)
        + 4 /* user information item header */ + UserInformation.ItemLength;

    public int EncodedLength => RawPdu.HeaderLength + BodyLength;

    public void Write(ref PduWriter w)
    {
        w.WritePduHeader(PduType.AssociateAc, BodyLength);
        w.WriteUInt16(ProtocolVersion);
        w.WriteZeros(2);
        w.WriteAeTitle(CalledAeTitle);
        w.WriteAeTitle(CallingAeTitle);
        w.WriteZeros(32);
        w.WriteItemHeader(ItemType.ApplicationContext, ApplicationContext.Length);
        w.WriteAscii(ApplicationContext);
        foreach (var pc in PresentationContexts)
            pc.Write(ref w);
        UserInformation.Write(ref w);
    }

    public static AssociateAc Parse(ReadOnlySequence<byte> body)
    {
        var r = new SequenceReader<byte>(body);
        var version = ItemReading.ReadUInt16(ref r, "A-ASSOCIATE-AC");
        ItemReading.Skip(ref r, 2, "A-ASSOCIATE-AC");
        var called = ItemReading.ReadAeTitle(ref r, "A-ASSOCIATE-AC");
        var calling = ItemReading.ReadAeTitle(ref r, "A-ASSOCIATE-AC");
        ItemReading.Skip(ref r, 32, "A-ASSOCIATE-AC");
        var context = AssociateRq.DicomApplicationContext;
        var user = new UserInformation();
        var contexts = new List<PresentationContextAc>();
        while (r.Remaining > 0)
        {
            var item = ItemReading.ReadItem(ref r, out var type, "A-ASSOCIATE-AC");
            switch (type)
            {
                case ItemType.ApplicationContext:
                    context = ItemReading.ReadRest(ref item, "application context");
                    break;
                case ItemType.PresentationContextAc:
                    if (contexts.Count == AssociateRq.MaxPresentationContexts)
                        throw ItemReading.Invalid("A-ASSOCIATE-AC answers more than 128 presentation contexts");
                    contexts.Add(PresentationContextAc.Parse(ref item));
                    break;
                case ItemType.UserInformation:
                    user = UserInformation.Parse(ref item);
                    break;
                default:
                    break;
            }
        }
        var ac = new AssociateAc
        {
            ProtocolVersion = version,
            CalledAeTitle = called,
            CallingAeTitle = calling,
            ApplicationContext = context,
            UserInformation = user,
        };
        ac.PresentationContexts.AddRange(contexts);
        return ac;
    }
}
