using DicomKit.Data;
using DicomKit.IO;

namespace DicomKit.Tests.Network;

/// <summary>The conformance statement must name every SOP class and transfer syntax the SCP accepts.</summary>
public class ConformanceStatementTests
{
    private static string Statement() => File.ReadAllText(RepositoryRoot.Combine("docs", "conformance.md"));

    [Fact]
    public void Every_storage_SOP_class_of_the_registry_is_listed()
    {
        var text = Statement();
        DicomUids.StorageSopClasses.Where(u => !text.Contains($"| {u.Value} |", StringComparison.Ordinal))
            .Select(u => u.Name).Should().BeEmpty();
    }

    [Fact]
    public void Every_transfer_syntax_the_SCP_accepts_is_listed()
    {
        var text = Statement();
        DicomTransferSyntax.All.Where(t => !text.Contains($"| {t.Uid} |", StringComparison.Ordinal))
            .Select(t => t.Name).Should().BeEmpty();
    }
}
