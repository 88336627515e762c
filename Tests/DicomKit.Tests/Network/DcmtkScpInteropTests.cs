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
    public async Task Storescu_delivers_the_dataset_bytes_unchanged(string propose, string writeSyntax, string expectedSyntax)
    {
        var received = _files.NewDirectory("received");
        await using var scp = await ListenerHarness.StartAsync(output, received);
        var (file, uid) = await _files.CreateImageAsync(writeSyntax);

        var result = await scp.StorescuAsync([propose, "-v"], [file]);
        output.WriteLine(result.Output);

        result.ExitCode.Should().Be(0);
        var stored = scp.Sink.Committed.Should().ContainSingle().Subject;
        stored.Context.SopInstanceUid.Should().Be(uid);
        stored.Context.TransferSyntaxUid.Should().Be(expectedSyntax);
        File.ReadAllBytes(stored.Path!).Should().Equal(TestFiles.DataSetOf(file));
    }
}
