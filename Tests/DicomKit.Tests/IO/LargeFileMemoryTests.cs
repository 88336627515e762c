using System.Buffers.Binary;
using DicomKit.Data;
using DicomKit.IO;
using Xunit.Abstractions;

namespace DicomKit.Tests.IO;

/// <summary>
/// Issue #2: large values stay byte ranges of their file and are copied stream to stream. The files are sparse:
/// the header is written with DicomKit, the pixel data element header by hand, and SetLength extends the file
/// without writing the gigabyte, so the tests cost neither disk nor time.
/// </summary>
public sealed class LargeFileMemoryTests(ITestOutputHelper output) : IDisposable
{
    private const long OneGiB = 1L << 30;

    /// <summary>The budget for reading the header of a 1 GiB file. Managed allocation is held well under it.</summary>
    private const long HeaderReadBudget = 50L * 1024 * 1024;

    private readonly TempDirectory _dir = new("dicomkit-largefile-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Reading_a_1_GiB_multi_frame_file_leaves_pixel_data_in_the_file_and_allocates_little()
    {
        const int frames = 2048;
        var path = Path.Combine(_dir.Path, "multiframe.dcm");
        var pixelOffset = WriteSparseMultiFrame(path, frames, frameBytes: 512 * 512 * 2);
        new FileInfo(path).Length.Should().Be(pixelOffset + OneGiB);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var file = DicomFile.Open(path);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        output.WriteLine($"header {pixelOffset} bytes, managed allocation while reading {allocated / 1024} KiB");
        var pixels = file.Dataset.GetElement(Tags.PixelData);
        pixels.Should().NotBeNull();
        var range = pixels!.Value.Should().BeOfType<FileRangeValueSource>().Subject;
        range.Offset.Should().Be(pixelOffset);
        range.Length.Should().Be(OneGiB);
        file.Dataset.GetSequence(Tags.PerFrameFunctionalGroupsSequence)!.Items.Should().HaveCount(frames);
        allocated.Should().BeLessThan(HeaderReadBudget / 5,
            "the header of {0} frames is under a megabyte on disk and the gigabyte of pixel data must not be read", frames);
    }

    [Fact]
    public void Saving_a_copy_of_a_200_MB_file_streams_the_pixel_data()
    {
        const long pixelBytes = 200L * 1024 * 1024;
        var source = Path.Combine(_dir.Path, "source.dcm");
        var copy = Path.Combine(_dir.Path, "copy.dcm");
        WriteSparseMultiFrame(source, frames: 400, frameBytes: (int)(pixelBytes / 400));
        MarkLastBytes(source, "TAIL"u8);
        var file = DicomFile.Open(source);

        var before = GC.GetAllocatedBytesForCurrentThread();
        file.Save(copy);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        output.WriteLine($"managed allocation while saving a copy {allocated / 1024} KiB");
        allocated.Should().BeLessThan(8L * 1024 * 1024, "a 200 MB value is copied through a small buffer, not loaded");
        new FileInfo(copy).Length.Should().Be(new FileInfo(source).Length);
        var reopened = DicomFile.Open(copy).Dataset.GetElement(Tags.PixelData)!;
        reopened.Length.Should().Be(pixelBytes);
        ReadLastBytes(copy, 4).Should().Equal("TAIL"u8.ToArray());
    }

    /// <summary>
    /// Writes an Enhanced CT-like header with a per-frame functional group for each frame, then the pixel data element
    /// header, then extends the file sparse to the full pixel data length. Returns the offset of the pixel data value.
    /// </summary>
    private static long WriteSparseMultiFrame(string path, int frames, int frameBytes)
    {
        var ds = new DicomDataset();
        ds.AddOrUpdate(Tags.SOPClassUID, DicomVR.UI, DicomUids.EnhancedCTImageStorage.Value);
        ds.AddOrUpdate(Tags.SOPInstanceUID, DicomVR.UI, "2.25.1234567890123456789012345678901234567");
        ds.AddOrUpdate(Tags.Modality, DicomVR.CS, "CT");
        ds.AddOrUpdate(Tags.PatientName, DicomVR.PN, "Large^File");
        ds.AddOrUpdate(Tags.NumberOfFrames, DicomVR.IS, frames.ToString(System.Globalization.CultureInfo.InvariantCulture));
        ds.AddOrUpdate<ushort>(Tags.Rows, DicomVR.US, 512);
        ds.AddOrUpdate<ushort>(Tags.Columns, DicomVR.US, (ushort)(frameBytes / 1024));
        ds.AddOrUpdate<ushort>(Tags.BitsAllocated, DicomVR.US, 16);
        ds.AddOrUpdate(new DicomSequence(Tags.PerFrameFunctionalGroupsSequence, Enumerable.Range(0, frames).Select(FrameGroups)));

        using var fs = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite);
        new DicomFile(ds, DicomTransferSyntax.ExplicitVRLittleEndian).Save(fs);
        var pixelBytes = (long)frames * frameBytes;
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt16LittleEndian(header, Tags.PixelData.Group);
        BinaryPrimitives.WriteUInt16LittleEndian(header[2..], Tags.PixelData.Element);
        header[4] = (byte)'O';
        header[5] = (byte)'W';
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], checked((uint)pixelBytes));
        fs.Write(header);
        var pixelOffset = fs.Position;
        fs.SetLength(pixelOffset + pixelBytes);
        return pixelOffset;
    }

    private static DicomDataset FrameGroups(int frame)
    {
        var position = new DicomDataset();
        position.AddOrUpdate(Tags.ImagePositionPatient, DicomVR.DS, "-189.6", "-352.6", (-0.5 * frame).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var content = new DicomDataset();
        content.AddOrUpdate<uint>(Tags.InStackPositionNumber, DicomVR.UL, (uint)frame + 1);
        content.AddOrUpdate<uint>(Tags.DimensionIndexValues, DicomVR.UL, 1u, (uint)frame + 1);
        var item = new DicomDataset();
        item.AddOrUpdate(new DicomSequence(Tags.FrameContentSequence, [content]));
        item.AddOrUpdate(new DicomSequence(Tags.PlanePositionSequence, [position]));
        return item;
    }

    private static void MarkLastBytes(string path, ReadOnlySpan<byte> marker)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Write);
        fs.Seek(-marker.Length, SeekOrigin.End);
        fs.Write(marker);
    }

    private static byte[] ReadLastBytes(string path, int count)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read);
        fs.Seek(-count, SeekOrigin.End);
        var bytes = new byte[count];
        fs.ReadExactly(bytes);
        return bytes;
    }
}
