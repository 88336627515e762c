using DicomGateway.Ingest;
using DicomGateway.Storage;
using DicomKit.Data;
using DicomKit.IO;
using DicomKit.Network;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests;

/// <summary>The Storage SCP's sink in the Gateway: complete instances become Part-10 files, incomplete ones leave nothing.</summary>
public sealed class FileStorageSinkTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("gw-sink-").FullName;
    private readonly InstanceFileStore _store;
    private readonly FileStorageSink _sink;

    public FileStorageSinkTests()
    {
        var options = Options.Create(new StorageOptions { DataDirectory = "data" });
        _store = new InstanceFileStore(options, new StoragePaths(options, new Env(_root)), NullLogger<InstanceFileStore>.Instance);
        _sink = new FileStorageSink(_store);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static StoreRequestContext Context(string syntax = "1.2.840.10008.1.2.1") => new()
    {
        AssociationId = 1,
        CallingAeTitle = "CT01",
        CalledAeTitle = "DICOMGATEWAY",
        SopClassUid = DicomUids.CTImageStorage.Value,
        SopInstanceUid = "1.2.826.0.1.3680043.10.99.1",
        TransferSyntaxUid = syntax,
        PresentationContextId = 1,
        MessageId = 1,
    };

    [Fact]
    public async Task A_committed_instance_is_a_Part10_file_named_by_an_internal_id_under_incoming()
    {
        var dir = Directory.CreateTempSubdirectory("gw-src-").FullName;
        try
        {
            var path = Instances.WriteCt(dir, 7);
            var sent = DicomFile.Open(path);
            await using (var incoming = await _sink.BeginAsync(Context(), CancellationToken.None))
            {
                await using (var source = File.OpenRead(path))
                {
                    source.Position = sent.DatasetOffset;
                    await source.CopyToAsync(incoming.Content);
                }
                (await incoming.CommitAsync(CancellationToken.None)).Should().Be(DimseStatus.Success);
            }

            var stored = Directory.GetFiles(_store.IncomingDirectory).Should().ContainSingle().Subject;
            Path.GetFileName(stored).Should().MatchRegex("^[0-9a-f]{32}\\.dcm$");
            var file = DicomFile.Open(stored);
            file.Layout.Should().Be(DicomFileLayout.Part10);
            file.FileMetaInformation.GetString(Tags.MediaStorageSOPInstanceUID).Should().Be("1.2.826.0.1.3680043.10.99.1");
            file.FileMetaInformation.GetString(Tags.SourceApplicationEntityTitle).Should().Be("CT01");
            file.FileMetaInformation.GetString(Tags.ImplementationClassUID).Should().Be(DicomFile.ImplementationClassUid);
            DatasetComparer.Differences(sent.Dataset, file.Dataset).Should().BeEmpty();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task An_aborted_instance_leaves_no_file_behind()
    {
        await using (var incoming = await _sink.BeginAsync(Context(), CancellationToken.None))
        {
            await incoming.Content.WriteAsync(new byte[5000]);
            await incoming.AbortAsync(CancellationToken.None);
        }
        Directory.GetFiles(_store.IncomingDirectory).Should().BeEmpty();
    }

    [Fact]
    public async Task An_instance_disposed_without_commit_leaves_no_file_behind()
    {
        await using (var incoming = await _sink.BeginAsync(Context(), CancellationToken.None))
            await incoming.Content.WriteAsync(new byte[100]);
        Directory.GetFiles(_store.IncomingDirectory).Should().BeEmpty();
    }

    [Fact]
    public async Task A_store_that_cannot_write_fails_instead_of_answering_success()
    {
        await using var incoming = await _sink.BeginAsync(Context(), CancellationToken.None);
        Directory.Delete(_store.IncomingDirectory, recursive: true); // the disk went away under us
        var commit = async () => await incoming.CommitAsync(CancellationToken.None);
        await commit.Should().ThrowAsync<Exception>();
    }

    [Fact]
    public void A_partial_file_left_by_an_interrupted_transfer_is_removed_at_start()
    {
        var leftover = Path.Combine(_store.IncomingDirectory, "0123456789abcdef0123456789abcdef.dcm.part");
        File.WriteAllBytes(leftover, new byte[300]);
        var kept = Path.Combine(_store.IncomingDirectory, "fedcba9876543210fedcba9876543210.dcm");
        File.WriteAllBytes(kept, new byte[300]);

        var options = Options.Create(new StorageOptions { DataDirectory = "data" });
        _ = new InstanceFileStore(options, new StoragePaths(options, new Env(_root)), NullLogger<InstanceFileStore>.Instance);

        File.Exists(leftover).Should().BeFalse("it was never acknowledged, and the sender will send it again");
        File.Exists(kept).Should().BeTrue();
    }

    private sealed class Env(string root) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Test";
        public string ApplicationName { get; set; } = "Gateway.Tests";
        public string ContentRootPath { get; set; } = root;
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
