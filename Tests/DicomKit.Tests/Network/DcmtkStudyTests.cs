using System.Diagnostics;
using DicomKit.Tests.Network.Support;

namespace DicomKit.Tests.Network;

/// <summary>A 300-instance study from stock storescu: over one association, and over four in parallel.</summary>
public sealed class DcmtkStudyTests(ITestOutputHelper output) : IDisposable
{
    private const int Instances = 300;
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private async Task<List<(string Path, string Uid)>> CreateStudyAsync(string directory)
    {
        var study = TestFiles.NewUid();
        var made = new List<(string, string)>();
        for (var i = 0; i < Instances; i += 10)
        {
            var batch = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => _files.CreateImageAsync("+te", 8, directory, study)));
            made.AddRange(batch);
        }
        return made;
    }

    [Fact]
    public async Task A_300_instance_study_over_one_association_arrives_complete_and_fast()
    {
        var source = _files.NewDirectory("study");
        var study = await CreateStudyAsync(source);
        await using var scp = await ListenerHarness.StartAsync(null, sinkDirectory: null);

        var clock = Stopwatch.StartNew();
        var result = await scp.StorescuAsync(["-xe", "+sd", "-nh"], [source], TimeSpan.FromSeconds(120));
        clock.Stop();

        result.ExitCode.Should().Be(0, result.Output);
        scp.Sink.Committed.Select(r => r.Context.SopInstanceUid).Should().BeEquivalentTo(study.Select(s => s.Uid));
        var perSecond = Instances / clock.Elapsed.TotalSeconds;
        output.WriteLine($"storescu -> DicomListener: {Instances} instances in {clock.Elapsed.TotalMilliseconds:0} ms = {perSecond:0} instances/s");
        // ~21/s is what a delayed-ACK stall per response looks like; anything near it means a PDU left in two sends.
        perSecond.Should().BeGreaterThan(150);
    }

    [Fact]
    public async Task A_300_instance_study_over_four_parallel_associations_arrives_complete()
    {
        var source = _files.NewDirectory("study");
        var study = await CreateStudyAsync(source);
        var parts = study.Select((s, i) => (s, i)).GroupBy(x => x.i % 4, x => x.s.Path).ToList();
        var received = _files.NewDirectory("received");
        await using var scp = await ListenerHarness.StartAsync(null, received);

        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(parts.Select(part => scp.StorescuAsync(["-xe", "-nh"], part, TimeSpan.FromSeconds(120))));
        clock.Stop();

        results.Should().OnlyContain(r => r.ExitCode == 0);
        scp.Sink.Committed.Select(r => r.Context.SopInstanceUid).Should().BeEquivalentTo(study.Select(s => s.Uid));
        scp.Sink.Committed.Select(r => r.Context.AssociationId).Distinct().Should().HaveCount(4);
        foreach (var (path, uid) in study.Take(20))
            File.ReadAllBytes(Path.Combine(received, uid + ".bin")).Should().Equal(TestFiles.DataSetOf(path));
        output.WriteLine($"4 x storescu -> DicomListener: {Instances} instances in {clock.Elapsed.TotalMilliseconds:0} ms = {Instances / clock.Elapsed.TotalSeconds:0} instances/s");
    }
}
