using DicomGateway.Forwarding;
using DicomKit.Data;
using DicomKit.IO;
using Xunit.Abstractions;

namespace Gateway.Tests.Forwarding;

/// <summary>Runs alone (allocation is measured for the whole process), after the tests that may run in parallel.</summary>
[CollectionDefinition(nameof(ForwardingMemoryTests), DisableParallelization = true)]
public sealed class ForwardingMemoryCollection;

/// <summary>A forwarded instance streams from its encrypted blob to the socket; it is never held whole in memory.</summary>
[Collection(nameof(ForwardingMemoryTests))]
public sealed class ForwardingMemoryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_48_MiB_instance_is_streamed_without_being_held_in_memory()
    {
        await using var gateway = new ForwardingHarness();
        await using var destination = new ScriptedDestination();
        await destination.StartAsync();
        var large = LargeInstance(Path.Combine(gateway.Scratch, "large.dcm"), 48 * 1024 * 1024);
        var study = await gateway.SeedStudyAsync([large]);
        var node = await gateway.AddNodeAsync(destination.Port, ScriptedDestination.AeTitle);
        await gateway.StartAsync();
        GC.Collect();

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var id = await gateway.EnqueueAsync(study.StudyId, node);
        var row = await gateway.WaitForAsync(id, r => r.State is "done" or "failed", 60);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        row.State.Should().Be("done", row.LastError);
        destination.Received.Should().HaveCount(1);
        output.WriteLine($"allocated {allocated / 1024} KiB while forwarding {new FileInfo(large).Length / 1024} KiB");
        allocated.Should().BeLessThan(16L * 1024 * 1024, "48 MiB went through sender and receiver in this process, a segment or a PDU at a time");
    }

    /// <summary>A secondary capture whose pixel data makes the file about <paramref name="pixelBytes"/> long.</summary>
    private static string LargeInstance(string path, int pixelBytes)
    {
        var ds = new DicomDataset();
        ds.AddOrUpdate(Tags.SOPClassUID, DicomVR.UI, DicomUids.SecondaryCaptureImageStorage.Value);
        ds.AddOrUpdate(Tags.SOPInstanceUID, DicomVR.UI, Instances.StudyUid + ".9.1");
        ds.AddOrUpdate(Tags.StudyInstanceUID, DicomVR.UI, Instances.StudyUid);
        ds.AddOrUpdate(Tags.SeriesInstanceUID, DicomVR.UI, Instances.StudyUid + ".9");
        ds.AddOrUpdate(Tags.Modality, DicomVR.CS, "OT");
        ds.AddOrUpdate<ushort>(Tags.SamplesPerPixel, DicomVR.US, 1);
        ds.AddOrUpdate(Tags.PhotometricInterpretation, DicomVR.CS, "MONOCHROME2");
        ds.AddOrUpdate<ushort>(Tags.Rows, DicomVR.US, 4096);
        ds.AddOrUpdate<ushort>(Tags.Columns, DicomVR.US, (ushort)(pixelBytes / 4096));
        ds.AddOrUpdate<ushort>(Tags.BitsAllocated, DicomVR.US, 8);
        ds.AddOrUpdate<ushort>(Tags.BitsStored, DicomVR.US, 8);
        ds.AddOrUpdate<ushort>(Tags.HighBit, DicomVR.US, 7);
        ds.AddOrUpdate<ushort>(Tags.PixelRepresentation, DicomVR.US, 0);
        var pixels = new byte[pixelBytes];
        Random.Shared.NextBytes(pixels);
        ds.AddOrUpdate(new DicomElement(Tags.PixelData, DicomVR.OB, ValueSource.FromBytes(pixels)));
        new DicomFile(ds, DicomTransferSyntax.ExplicitVRLittleEndian).Save(path);
        return path;
    }

}
