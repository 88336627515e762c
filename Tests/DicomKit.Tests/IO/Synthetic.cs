namespace DicomKit.Tests.IO;

/// <summary>Data sets built byte by byte for what the DCMTK-built corpus cannot hold.</summary>
internal static class Synthetic
{
    public const string ExplicitLittle = "1.2.840.10008.1.2.1";
    public const string ExplicitBig = "1.2.840.10008.1.2.2";
    public const string ImplicitLittle = "1.2.840.10008.1.2";

    /// <summary>One private element of each of the 34 VRs, multi-valued where the VR allows, in group 0011.</summary>
    public static byte[] AllVRs(bool bigEndian)
    {
        var d = new DicomBytes(explicitVR: true, bigEndian);
        d.Text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7");
        d.Text(0x0008, 0x0018, "UI", "1.2.826.0.1.3680043.10.1347.99.1");
        d.Text(0x0011, 0x0010, "LO", "DICOMKIT ALL VRS");
        d.Text(0x0011, 0x1001, "AE", "STORESCP");
        d.Text(0x0011, 0x1002, "AS", "054Y");
        d.Binary(0x0011, 0x1003, "AT", 2, DicomBytes.LE((ushort)0x0010, (ushort)0x0010, (ushort)0x0028, (ushort)0x0010));
        d.Text(0x0011, 0x1004, "CS", "ALPHA\\BETA");
        d.Text(0x0011, 0x1005, "DA", "20240102");
        d.Text(0x0011, 0x1006, "DS", "1.5\\-2");
        d.Text(0x0011, 0x1007, "DT", "20240102101530.5+0100");
        d.Binary(0x0011, 0x1008, "FD", 8, DicomBytes.LE(1.5, -2.25));
        d.Binary(0x0011, 0x1009, "FL", 4, DicomBytes.LE(0.5f, 3.25f));
        d.Text(0x0011, 0x100A, "IS", "12\\-3");
        d.Text(0x0011, 0x100B, "LO", "long string");
        d.Text(0x0011, 0x100C, "LT", "text with \\ a backslash");
        d.Binary(0x0011, 0x100D, "OB", 1, [1, 2, 3, 4]);
        d.Binary(0x0011, 0x100E, "OD", 8, DicomBytes.LE(0.125, 1e10));
        d.Binary(0x0011, 0x100F, "OF", 4, DicomBytes.LE(0.25f, -8f));
        d.Binary(0x0011, 0x1010, "OL", 4, DicomBytes.LE(1u, 0x01020304u));
        d.Binary(0x0011, 0x1011, "OV", 8, DicomBytes.LE(1ul, 0x0102030405060708ul));
        d.Binary(0x0011, 0x1012, "OW", 2, DicomBytes.LE((ushort)1, (ushort)0x0102));
        d.Text(0x0011, 0x1013, "PN", "Doe^Jane");
        d.Text(0x0011, 0x1014, "SH", "short");
        d.Binary(0x0011, 0x1015, "SL", 4, DicomBytes.LE(-5, 70000));
        d.Header(0x0011, 0x1016, "SQ", DicomBytes.Undefined).Item().Text(0x0011, 0x1014, "SH", "in item").ItemEnd().SequenceEnd();
        d.Binary(0x0011, 0x1017, "SS", 2, DicomBytes.LE((short)-7, (short)300));
        d.Text(0x0011, 0x1018, "ST", "short text");
        d.Binary(0x0011, 0x1019, "SV", 8, DicomBytes.LE(-9_000_000_000L, 42L));
        d.Text(0x0011, 0x101A, "TM", "101530");
        d.Text(0x0011, 0x101B, "UC", "unlimited\\characters");
        d.Text(0x0011, 0x101C, "UI", "1.2.3.4");
        d.Binary(0x0011, 0x101D, "UL", 4, DicomBytes.LE(7u, 4_000_000_000u));
        d.Binary(0x0011, 0x101E, "UN", 1, [9, 8, 7, 6]);
        d.Text(0x0011, 0x101F, "UR", "http://example.com/a");
        d.Binary(0x0011, 0x1020, "US", 2, DicomBytes.LE((ushort)1, (ushort)65535));
        d.Text(0x0011, 0x1021, "UT", "unlimited text");
        d.Binary(0x0011, 0x1022, "UV", 8, DicomBytes.LE(18_000_000_000_000_000_000ul, 3ul));
        return DicomBytes.Part10(bigEndian ? ExplicitBig : ExplicitLittle, d.ToArray());
    }

    /// <summary>
    /// An explicit VR file holding an unknown element of VR UN with undefined length, whose items are implicit VR
    /// little endian (PS3.5 6.2.2), including a nested sequence, whatever the byte order of the file.
    /// </summary>
    public static byte[] UndefinedLengthUN(bool bigEndian)
    {
        var d = new DicomBytes(explicitVR: true, bigEndian);
        d.Text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7");
        d.Text(0x0011, 0x0010, "LO", "DICOMKIT UN");
        d.Header(0x0011, 0x1001, "UN", DicomBytes.Undefined);
        var inner = new DicomBytes(explicitVR: false, bigEndian: false);
        inner.Item().Text(0x0011, 0x1002, "", "implicit text").Header(0x0011, 0x1003, "", DicomBytes.Undefined)
            .Item(12).Text(0x0011, 0x1004, "", "deep").SequenceEnd().ItemEnd();
        inner.Item().Text(0x0011, 0x1002, "", "second").ItemEnd().SequenceEnd();
        d.Raw(inner.ToArray());
        d.Text(0x0011, 0x1010, "LO", "after");
        return DicomBytes.Part10(bigEndian ? ExplicitBig : ExplicitLittle, d.ToArray());
    }

    /// <summary>An encapsulated file with made-up fragments: an offset table for two frames and three fragments.</summary>
    public static byte[] Encapsulated(string transferSyntaxUid)
    {
        var d = new DicomBytes();
        d.Text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7");
        d.Text(0x0028, 0x0008, "IS", "2");
        d.Header(0x7FE0, 0x0010, "OB", DicomBytes.Undefined);
        d.Item(8).Raw(DicomBytes.LE(0u, 24u));
        d.Item(16).Raw([0xFF, 0x4F, 0xFF, 0x51, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        d.Item(0);
        d.Item(6).Raw([0xFF, 0x4F, 0, 0, 0xFF, 0xD9]);
        d.SequenceEnd();
        return DicomBytes.Part10(transferSyntaxUid, d.ToArray());
    }

    /// <summary><paramref name="depth"/> sequences nested in one another, each with one item.</summary>
    public static byte[] Nested(int depth, bool undefinedLengths)
    {
        var d = new DicomBytes();
        d.Text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7");
        if (undefinedLengths)
        {
            for (var i = 0; i < depth; i++) d.Header(0x0040, 0xA730, "SQ", DicomBytes.Undefined).Item();
            d.Text(0x0040, 0xA160, "UT", "leaf");
            for (var i = 0; i < depth; i++) d.ItemEnd().SequenceEnd();
        }
        else
        {
            var leaf = new DicomBytes().Text(0x0040, 0xA160, "UT", "leaf").ToArray();
            var body = leaf;
            for (var i = 0; i < depth; i++)
            {
                var item = new DicomBytes().Item((uint)body.Length).Raw(body).ToArray();
                body = new DicomBytes().Header(0x0040, 0xA730, "SQ", (uint)item.Length).Raw(item).ToArray();
            }
            d.Raw(body);
        }
        return DicomBytes.Part10(ExplicitLittle, d.ToArray());
    }
}
