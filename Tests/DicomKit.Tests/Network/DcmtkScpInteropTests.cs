using DicomKit.Tests.Network.Support;

namespace DicomKit.Tests.Network;

/// <summary>Real DCMTK SCUs (echoscu, storescu) against our in-process listener.</summary>
public sealed class DcmtkScpInteropTests(ITestOutputHelper output) : IDisposable
{
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Echoscu_gets_a_successful_echo()
    {
        await using var scp = await ListenerHarness.StartAsync(output, null);
        var result = await scp.EchoscuAsync("-v");
        output.WriteLine(result.Output);
        result.ExitCode.Should().Be(0);
        result.Output.Should().Contain("Received Echo Response (Success)");
    }

    [Theory]
    [InlineData("-xi", "+ti", TestFiles.ImplicitLE)]
    [InlineData("-xe", "+te", TestFiles.ExplicitLE)]
    [InlineData("-xb", "+tb", TestFiles.ExplicitBE)]
    [InlineData("-xd", "+td", TestFiles.Deflated)]
    public async Task Storescu_delivers_the_dataset_bytes_unchanged(string propose, string writeSyntax, string expectedSyntax)
    {
        var received = _files.NewDirectory("received");
        await using var scp = await ListenerHarness.StartAsync(output, received);
        var (file, uid) = await _files.CreateImageAsync(writeSyntax);

        var result = await scp.StorescuAsync([propose, "-v", "+v"], [file]);
        output.WriteLine(result.Output);

        result.ExitCode.Should().Be(0);
        var stored = scp.Sink.Committed.Should().ContainSingle().Subject;
        stored.Context.SopInstanceUid.Should().Be(uid);
        stored.Context.TransferSyntaxUid.Should().Be(expectedSyntax);
        File.ReadAllBytes(stored.Path!).Should().Equal(ExpectedOnTheWire(file, expectedSyntax));
    }

    [Theory]
    [InlineData("dcmcjpeg", "", "-xs", TestFiles.JpegLossless)]
    [InlineData("dcmcjpeg", "+eb +un", "-xy", TestFiles.JpegBaseline)]
    [InlineData("dcmcrle", "", "-xr", TestFiles.Rle)]
    [InlineData("dcmcjpls", "", "-xt", TestFiles.JpegLsLossless)]
    public async Task Storescu_sends_compressed_files_in_their_own_syntax(string tool, string option, string propose, string expectedSyntax)
    {
        var received = _files.NewDirectory("received");
        await using var scp = await ListenerHarness.StartAsync(output, received);
        var (plain, uid) = await _files.CreateImageAsync("+te");
        var file = await _files.CompressAsync(plain, tool, option.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        TestFiles.TransferSyntaxOf(file).Should().Be(expectedSyntax);

        var result = await scp.StorescuAsync([propose, "-v"], [file]);
        output.WriteLine(result.Output);

        result.ExitCode.Should().Be(0);
        var stored = scp.Sink.Committed.Should().ContainSingle().Subject;
        stored.Context.SopInstanceUid.Should().Be(uid);
        stored.Context.TransferSyntaxUid.Should().Be(expectedSyntax);
        File.ReadAllBytes(stored.Path!).Should().Equal(TestFiles.DataSetOf(file));
    }

    [Fact]
    public async Task Storescu_sends_an_img2dcm_jpeg_as_jpeg_baseline()
    {
        var received = _files.NewDirectory("received");
        await using var scp = await ListenerHarness.StartAsync(output, received);
        var jpeg = Path.Combine(_files.Directory, "small.jpg");
        var (source, _) = await _files.CreateImageAsync("+te", size: 32);
        (await ExternalTool.RunAsync("dcmj2pnm", "+oj", source, jpeg)).ThrowIfFailed();
        var file = Path.Combine(_files.Directory, "small.dcm");
        (await ExternalTool.RunAsync("img2dcm", jpeg, file)).ThrowIfFailed();
        TestFiles.TransferSyntaxOf(file).Should().Be(TestFiles.JpegBaseline);

        var result = await scp.StorescuAsync(["-xy", "-v"], [file]);
        output.WriteLine(result.Output);

        result.ExitCode.Should().Be(0);
        var stored = scp.Sink.Committed.Should().ContainSingle().Subject;
        stored.Context.TransferSyntaxUid.Should().Be(TestFiles.JpegBaseline);
        File.ReadAllBytes(stored.Path!).Should().Equal(TestFiles.DataSetOf(file));
    }

    /// <summary>
    /// The data set bytes after the meta header. A deflated bitstream of odd length travels with one trailing
    /// NUL (PS3.5 A.5), which the file need not carry.
    /// </summary>
    private static byte[] ExpectedOnTheWire(string file, string syntax)
    {
        var bytes = TestFiles.DataSetOf(file);
        return syntax == TestFiles.Deflated && bytes.Length % 2 == 1 ? [.. bytes, 0] : bytes;
    }
}
