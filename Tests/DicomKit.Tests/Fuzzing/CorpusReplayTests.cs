using DicomKit.Fuzzing.Targets;

namespace DicomKit.Tests.Fuzzing;

/// <summary>
/// Runs every seed (Fuzzing/corpus/&lt;target&gt;/) and every saved finding (Fuzzing/crashes/&lt;target&gt;/) through the
/// fuzz targets in-process, as Fuzzing/run.sh does under libFuzzer: a finding that comes back, or a seed the targets
/// no longer handle, fails here in ./test.sh without any fuzzing tools installed.
/// </summary>
public class CorpusReplayTests
{
    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        foreach (var target in FuzzTargets.Names)
        {
            foreach (var folder in new[] { "corpus", "crashes" })
            {
                var directory = RepositoryRoot.Combine("Fuzzing", folder, target);
                if (!Directory.Exists(directory))
                    continue;
                foreach (var file in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
                    data.Add(target, Path.GetRelativePath(RepositoryRoot.Path, file));
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Every_seed_and_saved_finding_is_handled(string target, string input)
    {
        var bytes = File.ReadAllBytes(RepositoryRoot.Combine(input));

        var act = () => FuzzTargets.Run(target, bytes);

        act.Should().NotThrow();
    }

    [Fact]
    public void Every_target_has_seeds()
    {
        foreach (var target in FuzzTargets.Names)
            Directory.EnumerateFiles(RepositoryRoot.Combine("Fuzzing", "corpus", target)).Should().NotBeEmpty(target);
    }

    [Fact]
    public void An_unknown_target_is_refused_by_name()
    {
        var act = () => FuzzTargets.Run("no-such-target", [1, 2, 3]);

        act.Should().Throw<ArgumentException>().WithMessage("*no-such-target*");
    }

    [Theory]
    [InlineData("pdu")]
    [InlineData("association")]
    [InlineData("dataset")]
    public void Empty_and_tiny_inputs_are_handled(string target)
    {
        FuzzTargets.Run(target, []);
        for (var b = 0; b < 256; b += 17)
            FuzzTargets.Run(target, [(byte)b]);
        FuzzTargets.Run(target, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
    }
}
