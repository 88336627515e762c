using System.Buffers;

namespace DicomKit.Network.Pdus;

/// <summary>A-ASSOCIATE-RQ PDU (PS3.8 9.3.2).</summary>
internal sealed class AssociateRq : IWritablePdu
{
    /// <summary>The only application context name DICOM defines (PS3.7 A.2.1).</summary>
    public const string DicomApplicationContext = "1.2.840.10008.3.1.1.1";

    /// <summary>Most presentation contexts one association can carry: ids are odd numbers 1 to 255 (PS3.8 9.3.2.2).</summary>
    public const int MaxPresentationContexts = 128;

    public ushort ProtocolVersion { get; init; } = 1;
    public required string CalledAeTitle { get; init; }
    public required string CallingAeTitle { get; init; }
    public string ApplicationContext { get; init; } = DicomApplicationContext;
    public List<PresentationContextRq> PresentationContexts { get; } = [];
    public UserInformation UserInformation { get; init; } = new();

    public int BodyLength => AssociateHeader.Length(ApplicationContext)
        + PresentationContexts.Sum(pc => 4 + pc.ItemLength)
        + 4 /* user information item header */ + UserInformation.ItemLength;

    public int EncodedLength => RawPdu.HeaderLength + BodyLength;

    public void Write(ref PduWriter w)
    {
        new AssociateHeader(ProtocolVersion, CalledAeTitle, CallingAeTitle).Write(ref w, PduType.AssociateRq, BodyLength, ApplicationContext);
        foreach (var pc in PresentationContexts)
            pc.Write(ref w);
        UserInformation.Write(ref w);
    }

    /// <exception cref="DicomProtocolException">Malformed items, or more than 128 presentation contexts.</exception>
    public static AssociateRq Parse(ReadOnlySequence<byte> body)
    {
        var r = new SequenceReader<byte>(body);
        var (version, called, calling) = AssociateHeader.Read(ref r, "A-ASSOCIATE-RQ");
        string? context = null;
        UserInformation? user = null;
        var contexts = new List<PresentationContextRq>();
        while (r.Remaining > 0)
        {
            var item = ItemReading.ReadItem(ref r, out var type, "A-ASSOCIATE-RQ");
            switch (type)
            {
                case ItemType.ApplicationContext:
                    context = ItemReading.ReadRest(ref item, "application context");
                    break;
                case ItemType.PresentationContextRq:
                    if (contexts.Count == MaxPresentationContexts)
                        throw ItemReading.Invalid($"A-ASSOCIATE-RQ proposes more than {MaxPresentationContexts} presentation contexts");
                    contexts.Add(PresentationContextRq.Parse(ref item));
                    break;
                case ItemType.UserInformation:
                    user = UserInformation.Parse(ref item);
                    break;
                default:
                    break; // unknown items are skipped (PS3.8 9.3.1)
            }
        }
        if (context is null)
            throw ItemReading.Invalid("A-ASSOCIATE-RQ has no application context item");
        if (contexts.Count == 0)
            throw ItemReading.Invalid("A-ASSOCIATE-RQ has no presentation context");
        var rq = new AssociateRq
        {
            ProtocolVersion = version,
            CalledAeTitle = called,
            CallingAeTitle = calling,
            ApplicationContext = context,
            UserInformation = user ?? throw ItemReading.Invalid("A-ASSOCIATE-RQ has no user information item"),
        };
        rq.PresentationContexts.AddRange(contexts);
        return rq;
    }
}
