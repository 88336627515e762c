using DicomKit.Data;
using DicomKit.IO;
using DicomKit.Network;
using DicomKit.Tests.Network.Support;

namespace DicomKit.Tests.Network;

/// <summary>Our SCU sending Part-10 files: in their own syntax when accepted, transcoded when the peer accepts only another.</summary>
public sealed class ScuFileTests : IDisposable
{
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData("+te", "+xa", "1.2.840.10008.1.2.1")]   // accepted as stored: bytes go straight from the file
    [InlineData("+tb", "+xi", "1.2.840.10008.1.2")]     // big endian file, peer takes implicit only: transcoded
    [InlineData("+te", "+xi", "1.2.840.10008.1.2")]     // explicit file, peer takes implicit only: transcoded
    [InlineData("+td", "+xi", "1.2.840.10008.1.2")]     // deflated file, peer takes implicit only: inflated and transcoded
    public async Task A_file_reaches_storescp_with_the_same_data_set_whatever_syntax_the_peer_accepts(string fileSyntax, string storescpPolicy, string expectedSyntax)
    {
        var received = _files.NewDirectory("storescp");
        using var storescp = await StorescpPeer.StartAsync(received, 0, "+B", storescpPolicy);
        var (path, _) = await _files.CreateImageAsync(fileSyntax, size: 300);
        var source = DicomInstanceSource.Open(path);

        var options = new DicomClientOptions { Port = storescp.Port, CalledAeTitle = StorescpPeer.AeTitle };
        await using (var association = await DicomClient.AssociateAsync(options, DicomClientAssociation.ProposalsFor([source])))
        {
            (await association.StoreFileAsync(path)).Status.Should().Be(DimseStatus.Success);
            await association.ReleaseAsync();
        }

        var arrived = DicomFile.Open(Directory.GetFiles(received).Should().ContainSingle().Subject);
        arrived.TransferSyntax.Uid.Should().Be(expectedSyntax);
        var sent = DicomFile.Open(path).Dataset;
        foreach (var item in sent.Where(i => !i.Tag.IsGroupLength))
        {
            var other = arrived.Dataset[item.Tag];
            other.Should().NotBeNull($"{item.Tag} was sent");
            if (item is DicomElement e)
                ((DicomElement)other!).Value.Memory.ToArray().Should().Equal(e.Value.Memory.ToArray(), $"{item.Tag} must arrive unchanged");
        }
        arrived.Dataset.Count(i => !i.Tag.IsGroupLength).Should().Be(sent.Count(i => !i.Tag.IsGroupLength));
    }

    [Fact]
    public async Task A_compressed_file_the_peer_cannot_take_is_refused_before_anything_is_sent()
    {
        var received = _files.NewDirectory("storescp");
        using var storescp = await StorescpPeer.StartAsync(received, 0, "+xi");
        var (plain, _) = await _files.CreateImageAsync("+te", size: 32);
        var rle = Path.Combine(_files.Directory, "rle.dcm");
        (await RunAsync("dcmcrle", plain, rle)).Should().Be(0);

        var options = new DicomClientOptions { Port = storescp.Port, CalledAeTitle = StorescpPeer.AeTitle };
        await using var association = await DicomClient.AssociateAsync(options,
            [PresentationContextProposal.Verification, .. DicomClientAssociation.ProposalsFor([DicomInstanceSource.Open(rle)])]);
        var act = () => association.StoreFileAsync(rle);
        await act.Should().ThrowAsync<DicomPresentationContextException>();
        (await association.EchoAsync()).Should().Be(DimseStatus.Success, "the association is still usable");
        await association.ReleaseAsync();
        Directory.GetFiles(received).Should().BeEmpty();
    }

    private static async Task<int> RunAsync(string tool, params string[] args)
    {
        using var p = System.Diagnostics.Process.Start(tool, args);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(cts.Token);
        return p.ExitCode;
    }
}
