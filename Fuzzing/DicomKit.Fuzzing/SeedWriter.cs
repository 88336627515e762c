using DicomKit.Network.Dimse;
using DicomKit.Network.Pdus;

namespace DicomKit.Fuzzing;

/// <summary>
/// Writes the generated seeds: PDUs and whole peer conversations encoded by DicomKit's own writers, so the seeds
/// follow the encoders when they change. Each seed starts with the target's selector byte (segment or piece length).
/// The dataset seeds come from TestData instead (Fuzzing/run.sh copies a few small files).
/// </summary>
internal static class SeedWriter
{
    private const string CalledAeTitle = "FUZZSCP";
    private const string CtImageStorage = "1.2.840.10008.5.1.4.1.1.2";
    private const string ImplicitVrLittleEndian = "1.2.840.10008.1.2";
    private const string ExplicitVrLittleEndian = "1.2.840.10008.1.2.1";

    public static void Write(string corpusDirectory)
    {
        var pdu = Directory.CreateDirectory(Path.Combine(corpusDirectory, "pdu")).FullName;
        var association = Directory.CreateDirectory(Path.Combine(corpusDirectory, "association")).FullName;

        var rq = Encode(Request());
        var ac = Encode(Accept());
        var rj = Encode(new AssociateRj(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CalledAeTitleNotRecognized));
        var echo = Command(1, new CEchoRq(1, "1.2.840.10008.1.1").ToCommand());
        var storeCommand = Command(3, new CStoreRq(2, CtImageStorage, "2.25.1234").ToCommand());
        var storeData = Data(3, SmallDataset(), isLast: true);
        var release = Encode(ReleaseRq.Instance);
        var releaseRp = Encode(ReleaseRp.Instance);
        var abort = Encode(new AbortPdu(AbortSource.ServiceUser, AbortReason.NotSpecified));

        Save(pdu, "associate-rq", 0, rq);
        Save(pdu, "associate-ac", 3, ac);
        Save(pdu, "associate-rj", 5, rj);
        Save(pdu, "p-data-c-echo", 0, echo);
        Save(pdu, "p-data-c-store", 7, [.. storeCommand, .. storeData]);
        Save(pdu, "release-rq-rp", 0, [.. release, .. releaseRp]);
        Save(pdu, "abort", 1, abort);

        Save(association, "echo-release", 60, [.. rq, .. echo, .. release]);
        Save(association, "store-release", 12, [.. rq, .. storeCommand, .. storeData, .. release]);
        Save(association, "store-in-fragments", 3, [.. rq, .. storeCommand, .. Data(3, SmallDataset()[..10], isLast: false),
            .. Data(3, SmallDataset()[10..], isLast: true), .. release]);
        Save(association, "abort-mid-store", 20, [.. rq, .. storeCommand, .. abort]);
        Save(association, "wrong-called-ae", 60, Encode(Request("SOMEONEELSE")));
    }

    private static AssociateRq Request(string calledAeTitle = CalledAeTitle)
    {
        var rq = new AssociateRq { CalledAeTitle = calledAeTitle, CallingAeTitle = "FUZZSCU", UserInformation = UserInformation.Ours(16 * 1024) };
        rq.PresentationContexts.Add(new PresentationContextRq(1, "1.2.840.10008.1.1", [ImplicitVrLittleEndian]));
        rq.PresentationContexts.Add(new PresentationContextRq(3, CtImageStorage, [ExplicitVrLittleEndian, ImplicitVrLittleEndian]));
        return rq;
    }

    private static AssociateAc Accept()
    {
        var ac = new AssociateAc { CalledAeTitle = CalledAeTitle, CallingAeTitle = "FUZZSCU", UserInformation = UserInformation.Ours(16 * 1024) };
        ac.PresentationContexts.Add(new PresentationContextAc(1, PresentationContextResult.Acceptance, ImplicitVrLittleEndian));
        ac.PresentationContexts.Add(new PresentationContextAc(3, PresentationContextResult.AbstractSyntaxNotSupported, ImplicitVrLittleEndian));
        return ac;
    }

    // (0008,0016) SOP Class UID and (0010,0010) Patient Name in explicit VR little endian: enough for a C-STORE's data set.
    private static byte[] SmallDataset() =>
    [
        0x08, 0x00, 0x16, 0x00, (byte)'U', (byte)'I', 26, 0, .. "1.2.840.10008.5.1.4.1.1.2\0"u8,
        0x10, 0x00, 0x10, 0x00, (byte)'P', (byte)'N', 4, 0, .. "FUZZ"u8,
    ];

    private static byte[] Command(byte contextId, CommandSet command) => Pdv(contextId, command.ToArray(), isCommand: true, isLast: true);

    private static byte[] Data(byte contextId, byte[] fragment, bool isLast) => Pdv(contextId, fragment, isCommand: false, isLast);

    private static byte[] Pdv(byte contextId, byte[] fragment, bool isCommand, bool isLast)
    {
        var pdu = new byte[PDataTf.SinglePdvOverhead + fragment.Length];
        PDataTf.WriteSinglePdvHeader(pdu, contextId, isCommand, isLast, fragment.Length);
        fragment.CopyTo(pdu, PDataTf.SinglePdvOverhead);
        return pdu;
    }

    private static byte[] Encode(IWritablePdu pdu)
    {
        var bytes = new byte[pdu.EncodedLength];
        var w = new PduWriter(bytes);
        pdu.Write(ref w);
        return bytes;
    }

    private static void Save(string directory, string name, byte selector, byte[] body) =>
        File.WriteAllBytes(Path.Combine(directory, name), [selector, .. body]);
}
