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

    public int BodyLength => AssociateHeader.Length(ApplicationContext)
        + PresentationContexts.Sum(pc => 4 + pc.ItemLength)
        + 4 /* user information item header */ + UserInformation.ItemLength;

    public int EncodedLength => RawPdu.HeaderLength + BodyLength;

    public void Write(ref PduWriter w)
    {
        new AssociateHeader(ProtocolVersion, CalledAeTitle, CallingAeTitle).Write(ref w, PduType.AssociateAc, BodyLength, ApplicationContext);
        foreach (var pc in PresentationContexts)
            pc.Write(ref w);
        UserInformation.Write(ref w);
    }

    public static AssociateAc Parse(ReadOnlySequence<byte> body)
    {
        var r = new SequenceReader<byte>(body);
        var (version, called, calling) = AssociateHeader.Read(ref r, "A-ASSOCIATE-AC");
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
