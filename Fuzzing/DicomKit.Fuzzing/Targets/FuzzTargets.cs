namespace DicomKit.Fuzzing.Targets;

/// <summary>
/// The fuzz targets by name. Each takes arbitrary bytes and returns normally when DicomKit handled them: either it
/// parsed them or it refused them with the exception its API documents for bad input. Any other exception, a hang
/// (bounded inside the target) or an allocation beyond the reader's limits escapes and is a finding.
/// The same entry points serve the libFuzzer runner (Program.cs) and the in-process corpus replay test.
/// </summary>
public static class FuzzTargets
{
    /// <summary>Target names, which are also the corpus folder names under Fuzzing/corpus/.</summary>
    public static IReadOnlyList<string> Names { get; } = ["pdu", "association", "dataset"];

    public static void Run(string target, ReadOnlySpan<byte> input)
    {
        switch (target)
        {
            case "pdu":
                PduTarget.Run(input);
                break;
            case "association":
                AssociationTarget.Run(input);
                break;
            case "dataset":
                DatasetTarget.Run(input);
                break;
            default:
                throw new ArgumentException($"unknown fuzz target '{target}'; known: {string.Join(", ", Names)}", nameof(target));
        }
    }
}
