using System.Buffers;

namespace DicomKit.Network.Pdus;

/// <summary>Result/reason of a presentation context in A-ASSOCIATE-AC (PS3.8 Table 9-18).</summary>
public enum PresentationContextResult : byte
{
    Acceptance = 0,
    UserRejection = 1,
    NoReason = 2,
    AbstractSyntaxNotSupported = 3,
    TransferSyntaxesNotSupported = 4,
}

/// <summary>Presentation context item of A-ASSOCIATE-RQ (PS3.8 9.3.2.2): one abstract syntax, the transfer syntaxes offered for it.</summary>
internal sealed record PresentationContextRq(byte Id, string AbstractSyntax, IReadOnlyList<string> TransferSyntaxes)
{
    public int ItemLength => sizeof(byte) /* id */ + 3 /* reserved */
        + 4 /* abstract syntax item header */ + AbstractSyntax.Length
        + TransferSyntaxes.Sum(ts => 4 /* transfer syntax item header */ + ts.Length);

    public void Write(ref PduWriter w)
    {
        w.WriteItemHeader(ItemType.PresentationContextRq, ItemLength);
        w.WriteByte(Id);
        w.WriteZeros(3);
        w.WriteItemHeader(ItemType.AbstractSyntax, AbstractSyntax.Length);
        w.WriteAscii(AbstractSyntax);
        foreach (var ts in TransferSyntaxes)
        {
            w.WriteItemHeader(ItemType.TransferSyntax, ts.Length);
            w.WriteAscii(ts);
        }
    }

    public static PresentationContextRq Parse(ref SequenceReader<byte> r)
    {
        var id = ItemReading.ReadByte(ref r, "presentation context");
        ItemReading.Skip(ref r, 3, "presentation context");
        string? abstractSyntax = null;
        var transferSyntaxes = new List<string>();
        while (r.Remaining > 0)
        {
            var sub = ItemReading.ReadItem(ref r, out var type, "presentation context");
            switch (type)
            {
                case ItemType.AbstractSyntax:
                    abstractSyntax = ItemReading.ReadRest(ref sub, "abstract syntax");
                    break;
                case ItemType.TransferSyntax when transferSyntaxes.Count < 64:
                    transferSyntaxes.Add(ItemReading.ReadRest(ref sub, "transfer syntax"));
                    break;
                case ItemType.TransferSyntax:
                    throw ItemReading.Invalid($"presentation context {id} offers more than 64 transfer syntaxes");
                default:
                    break; // unknown sub-items are skipped (PS3.8 9.3.1)
            }
        }
        if (abstractSyntax is null || abstractSyntax.Length == 0)
            throw ItemReading.Invalid($"presentation context {id} has no abstract syntax");
        return new PresentationContextRq(id, abstractSyntax, transferSyntaxes);
    }
}

/// <summary>Presentation context item of A-ASSOCIATE-AC (PS3.8 9.3.3.2): the acceptor's answer for one context.</summary>
internal sealed record PresentationContextAc(byte Id, PresentationContextResult Result, string TransferSyntax)
{
    public int ItemLength => sizeof(byte) /* id */ + sizeof(byte) /* reserved */ + sizeof(byte) /* result */
        + sizeof(byte) /* reserved */ + 4 /* transfer syntax item header */ + TransferSyntax.Length;

    public void Write(ref PduWriter w)
    {
        w.WriteItemHeader(ItemType.PresentationContextAc, ItemLength);
        w.WriteByte(Id);
        w.WriteByte(0);
        w.WriteByte((byte)Result);
        w.WriteByte(0);
        w.WriteItemHeader(ItemType.TransferSyntax, TransferSyntax.Length);
        w.WriteAscii(TransferSyntax);
    }

    public static PresentationContextAc Parse(ref SequenceReader<byte> r)
    {
        var id = ItemReading.ReadByte(ref r, "presentation context");
        ItemReading.ReadByte(ref r, "presentation context");
        var result = ItemReading.ReadByte(ref r, "presentation context");
        ItemReading.ReadByte(ref r, "presentation context");
        var ts = "";
        while (r.Remaining > 0)
        {
            var sub = ItemReading.ReadItem(ref r, out var type, "presentation context");
            if (type == ItemType.TransferSyntax)
                ts = ItemReading.ReadRest(ref sub, "transfer syntax");
        }
        return new PresentationContextAc(id, (PresentationContextResult)result, ts);
    }
}
