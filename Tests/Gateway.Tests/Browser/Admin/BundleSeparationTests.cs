using System.Text.RegularExpressions;

namespace Gateway.Tests.Browser.Admin;

/// <summary>
/// The recipient's page and the administration console are two entries of one Vite build (Viewer/index.html and
/// Viewer/admin.html). Neither may load the other's code: a recipient's browser gets no administration code, and the
/// console does not pull in cornerstone3D or the shipment crypto. Read from the built files in wwwroot/ beside the
/// tests, following every static and dynamic import from each page's script.
/// </summary>
public sealed partial class BundleSeparationTests
{
    private static readonly string WebRoot = Path.Combine(AppContext.BaseDirectory, "wwwroot");

    [Fact]
    public void The_recipients_page_loads_no_administration_code()
    {
        var chunks = Reachable("index.html");
        chunks.Should().Contain(c => c.StartsWith("viewerPage-", StringComparison.Ordinal), "the viewer's code is reachable from its page");
        chunks.Should().NotContain(c => AdminChunk().IsMatch(c), "no administration module is reachable from the recipient's page");
    }

    [Fact]
    public void The_administration_console_loads_no_viewer_code()
    {
        var chunks = Reachable("admin.html");
        chunks.Should().Contain(c => c.StartsWith("rules-", StringComparison.Ordinal), "the console's pages are reachable from it");
        chunks.Should().NotContain(c => ViewerChunk().IsMatch(c), "neither cornerstone3D nor the viewer's pages are reachable from the console");
    }

    /// <summary>The file names of the scripts <paramref name="page"/> loads, directly or by import, static or dynamic.</summary>
    private static HashSet<string> Reachable(string page)
    {
        var html = File.ReadAllText(Path.Combine(WebRoot, page));
        var queue = new Queue<string>(ScriptSrc().Matches(html).Select(m => Path.GetFileName(m.Groups[1].Value)));
        queue.Should().NotBeEmpty($"{page} has a module script");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (queue.TryDequeue(out var name))
        {
            if (!seen.Add(name)) continue;
            var js = File.ReadAllText(Path.Combine(WebRoot, "assets", name));
            foreach (Match m in ImportedChunk().Matches(js)) queue.Enqueue(m.Groups[1].Value);
        }
        return seen;
    }

    [GeneratedRegex("""<script[^>]*\bsrc="([^"]+\.js)""")]
    private static partial Regex ScriptSrc();

    // from"./x.js", import"./x.js", import(`./x.js`) and the preload lists ("assets/x.js").
    [GeneratedRegex("""(?:\./|assets/)([A-Za-z0-9_.-]+\.js)(?=["'`])""")]
    private static partial Regex ImportedChunk();

    [GeneratedRegex("^(admin|accounts|audit|auditTable|configuration|contacts|forwarding|held|nodes|rules|shipments|statistics)-")]
    private static partial Regex AdminChunk();

    [GeneratedRegex("^(index|viewerPage|overview|decodeImageFrameWorker)-")]
    private static partial Regex ViewerChunk();
}
