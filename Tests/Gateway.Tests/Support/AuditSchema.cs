using DicomGateway.Tests.Support;

namespace Gateway.Tests.Support;

/// <summary>
/// Checks audit messages against the DICOM audit message schema (PS3.15 A.5.1, TestData/audit/) with Debian's
/// xmllint, so that "schema-valid" is judged by an independent validator, not by the code that wrote the messages.
/// </summary>
public static class AuditSchema
{
    public static string RngFile => RepositoryRoot.Combine("TestData", "audit", "dicom-audit-message.rng");

    /// <summary>Null when every message is valid; otherwise xmllint's report naming the failing files.</summary>
    public static async Task<string?> ProblemsAsync(IReadOnlyList<string> messages)
    {
        using var directory = new TempDirectory("dgw-audit-xml-");
        var files = new List<string>();
        for (var i = 0; i < messages.Count; i++)
        {
            var file = Path.Combine(directory.Path, $"message-{i:D4}.xml");
            await File.WriteAllTextAsync(file, messages[i]);
            files.Add(file);
        }
        if (files.Count == 0) return null;
        var result = await ExternalTool.RunAsync("xmllint", ["--noout", "--relaxng", RngFile, .. files], ExternalTool.DefaultTimeout);
        return result.ExitCode == 0 ? null : result.Output;
    }
}
