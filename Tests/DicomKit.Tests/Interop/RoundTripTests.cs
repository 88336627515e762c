using DicomKit.Data;
using DicomKit.IO;

namespace DicomKit.Tests.Interop;

/// <summary>What DicomKit writes, DCMTK reads back to the same elements; in the source's own syntax, to the same bytes.</summary>
public sealed class RoundTripTests : IDisposable
{
    private readonly TempDirectory _scratch = new("dicomkit-tests-");

    public void Dispose() => _scratch.Dispose();

    public static TheoryData<string> Files() => [.. TestPaths.CorpusFiles()];

    public static TheoryData<string> UncompressedSources() =>
        ["ct-16bit.dcm", "sc-8bit.dcm", "mf-8bit.dcm", "ct-16bit.undefined-lengths.dcm", "ct-16bit.implicit.dcm", "mf-8bit.implicit.dcm", "ct-16bit.big.dcm", "ct-16bit.padded.dcm"];

    [Theory]
    [MemberData(nameof(Files))]
    public void Writing_in_the_same_syntax_gives_what_dcmdump_reads_as_the_same_elements(string name)
    {
        var source = TestPaths.Corpus(name);
        var written = Path.Combine(_scratch.Path, name);
        DicomFile.Open(source).Save(written);

        DumpDiff.Between(Dcmdump.Read(source), Dcmdump.Read(written)).Should().BeEmpty();
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Writing_in_the_same_syntax_keeps_the_data_set_bytes_of_a_dcmtk_file(string name)
    {
        var source = TestPaths.Corpus(name);
        var file = DicomFile.Open(source);
        if (file.TransferSyntax.IsDeflated) return; // compressed bytes depend on the deflater; elements are compared above
        var written = Path.Combine(_scratch.Path, name);
        file.Save(written);

        var before = File.ReadAllBytes(source).AsSpan((int)file.DatasetOffset);
        var after = File.ReadAllBytes(written).AsSpan((int)DicomFile.Open(written).DatasetOffset);
        after.SequenceEqual(before).Should().BeTrue(
            $"the data set of {name} should be written back byte for byte (first difference at {FirstDifference(before, after)})");
    }

    [Theory]
    [MemberData(nameof(UncompressedSources))]
    public void Converting_to_big_endian_and_back_is_byte_identical(string name)
        => ThereAndBack(name, DicomTransferSyntax.ExplicitVRBigEndian);

    [Theory]
    [MemberData(nameof(UncompressedSources))]
    public void Converting_to_deflated_and_back_is_byte_identical(string name)
        => ThereAndBack(name, DicomTransferSyntax.DeflatedExplicitVRLittleEndian);

    [Theory]
    [MemberData(nameof(UncompressedSources))]
    public void Converting_to_big_endian_gives_what_dcmtk_converts_to(string name)
        => SameAsDcmtk(name, DicomTransferSyntax.ExplicitVRBigEndian, "+tb");

    [Theory]
    [MemberData(nameof(UncompressedSources))]
    public void Converting_to_implicit_vr_gives_what_dcmtk_converts_to(string name)
        => SameAsDcmtk(name, DicomTransferSyntax.ImplicitVRLittleEndian, "+ti");

    [Theory]
    [MemberData(nameof(UncompressedSources))]
    public void Converting_to_implicit_vr_and_back_keeps_every_value(string name)
    {
        var original = DicomFile.Open(TestPaths.Corpus(name));
        var implicitPath = Path.Combine(_scratch.Path, "implicit.dcm");
        original.Save(implicitPath, DicomTransferSyntax.ImplicitVRLittleEndian);
        var back = Path.Combine(_scratch.Path, "back.dcm");
        DicomFile.Open(implicitPath).Save(back, DicomTransferSyntax.ExplicitVRLittleEndian);

        // VRs lost in implicit VR come back from the dictionary; until it knows a tag, DCMTK sees UN there.
        var expected = Dcmdump.Read(TestPaths.Corpus(name)).ToList();
        var actual = Dcmdump.Read(back);
        // A sequence of defined length whose tag the dictionary does not know stays bytes (UN) in implicit VR;
        // its items are then not visible to dcmdump either. Once the dictionary knows the tag this narrows to nothing.
        foreach (var unknown in expected.Where(e => e.VR == "SQ" && DicomDictionary.GetDefaultVR(e.Tag) == DicomVR.UN
                     && actual.Any(a => a.Path == e.Path && a.VR == "UN")).Select(e => e.Path + "/").ToList())
            expected.RemoveAll(e => e.Path.StartsWith(unknown, StringComparison.Ordinal));
        actual.Select(e => e.Path).Should().Equal(expected.Select(e => e.Path));
        for (var i = 0; i < expected.Count; i++)
        {
            var (a, e) = (actual[i], expected[i]);
            // Pixel data is OW in implicit VR (PS3.5 A.1), so 8-bit OB pixel data comes back as OW.
            var vrKnown = (DicomDictionary.GetDefaultVR(e.Tag) != DicomVR.UN || e.Tag.Element == 0) && e.Tag != new DicomTag(0x7FE0, 0x0010);
            if (vrKnown) a.VR.Should().Be(e.VR, $"{e.Path} keeps its VR");
            if (a.VR == e.VR) a.Value.Should().Be(e.Value, $"{e.Path} keeps its value");
            if (e.VR != "SQ") a.Length.Should().Be(e.Length, $"{e.Path} keeps its length");
        }
    }

    private void ThereAndBack(string name, DicomTransferSyntax via)
    {
        var source = TestPaths.Corpus(name);
        var original = DicomFile.Open(source);
        var there = Path.Combine(_scratch.Path, "there.dcm");
        original.Save(there, via);
        var back = Path.Combine(_scratch.Path, "back.dcm");
        DicomFile.Open(there).Save(back, original.TransferSyntax);

        var before = File.ReadAllBytes(source).AsSpan((int)original.DatasetOffset);
        var after = File.ReadAllBytes(back).AsSpan((int)DicomFile.Open(back).DatasetOffset);
        after.SequenceEqual(before).Should().BeTrue($"{name} through {via.Name} should come back unchanged (first difference at {FirstDifference(before, after)})");
    }

    private void SameAsDcmtk(string name, DicomTransferSyntax to, string dcmconvOption)
    {
        var source = TestPaths.Corpus(name);
        var ours = Path.Combine(_scratch.Path, "ours.dcm");
        DicomFile.Open(source).Save(ours, to);
        var theirs = Path.Combine(_scratch.Path, "theirs.dcm");
        // dcmconv writes defined lengths unless told otherwise (-e); we keep what the source had.
        var lengths = name.Contains("undefined-lengths", StringComparison.Ordinal) ? "-e" : "+e";
        var r = ExternalTool.Run("dcmconv", "-q", lengths, dcmconvOption, source, theirs);
        r.ExitCode.Should().Be(0, r.StandardError);

        DumpDiff.Between(Dcmdump.Read(theirs), Dcmdump.Read(ours)).Should().BeEmpty();
        var oursBytes = File.ReadAllBytes(ours).AsSpan((int)DicomFile.Open(ours).DatasetOffset);
        var theirBytes = File.ReadAllBytes(theirs).AsSpan((int)DicomFile.Open(theirs).DatasetOffset);
        oursBytes.SequenceEqual(theirBytes).Should().BeTrue($"our {to.Name} data set should be DCMTK's byte for byte (first difference at {FirstDifference(theirBytes, oursBytes)})");
    }

    private static int FirstDifference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var n = Math.Min(a.Length, b.Length);
        for (var i = 0; i < n; i++) if (a[i] != b[i]) return i;
        return a.Length == b.Length ? -1 : n;
    }
}
