using Microsoft.Playwright;
using System.IO.Compression;
using DicomKit.Data;
using DicomKit.IO;

namespace Gateway.Tests.Browser;

/// <summary>The study a recipient downloads from the overview is, file for file, the study the modality sent.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ZipDownloadTests(BrowserFixture browser) : IDisposable
{
    private readonly TempDirectory _dir = new("gw-zip-");

    public void Dispose() => _dir.Dispose();

    [BrowserFact]
    public async Task The_downloaded_ZIP_holds_every_sent_instance_with_an_identical_data_set()
    {
        var files = Phantom.Write(Path.Combine(_dir.Path, "study"), 12);
        await using var session = await ViewerSession.StartAsync(browser, _dir.Path, files);
        await session.OpenStudyAsync();

        var download = await session.Page.RunAndWaitForDownloadAsync(() => session.Page.Locator("#download-zip").ClickAsync(),
            new PageRunAndWaitForDownloadOptions { Timeout = 60_000 });
        (await download.FailureAsync()).Should().BeNull();
        download.SuggestedFilename.Should().EndWith(".zip");
        var zipPath = Path.Combine(_dir.Path, "download.zip");
        await download.SaveAsAsync(zipPath);

        var sent = files.Select(f => DicomFile.Open(f)).ToDictionary(f => f.Dataset.GetString(Tags.SOPInstanceUID)!);
        var received = new HashSet<string>();
        using (var zip = ZipFile.OpenRead(zipPath))
        {
            foreach (var entry in zip.Entries.Where(e => e.Length > 0 && !e.FullName.EndsWith("DICOMDIR", StringComparison.OrdinalIgnoreCase)))
            {
                await using var stream = entry.Open();
                var bytes = new byte[entry.Length];
                await stream.ReadExactlyAsync(bytes);
                if (bytes.Length < 132 || !bytes.AsSpan(128, 4).SequenceEqual("DICM"u8)) continue; // a readme, an index
                var got = DicomFile.Open(new MemoryStream(bytes));
                var uid = got.Dataset.GetString(Tags.SOPInstanceUID)!;
                sent.Should().ContainKey(uid, $"{entry.FullName} is one of the sent instances");
                received.Add(uid).Should().BeTrue($"{uid} is in the ZIP once");
                DatasetComparer.Differences(sent[uid].Dataset, got.Dataset).Should().BeEmpty($"{entry.FullName} is the sent data set");
            }
        }
        received.Should().BeEquivalentTo(sent.Keys);
        session.PageErrors.Should().BeEmpty();

        // The download is in the audit trail: who, from where, what.
        await using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={session.Gateway.DatabasePath};Mode=ReadOnly;Pooling=False");
        var events = (await Dapper.SqlMapper.QueryAsync<(string Actor, string? Address, string Detail)>(db,
            "SELECT actor, actor_address, detail FROM audit_events WHERE event_id = '110106' AND detail LIKE '%ZIP%'")).ToList();
        events.Should().ContainSingle("one ZIP was downloaded");
        events[0].Actor.Should().Be("dr.novak@example.org");
        events[0].Address.Should().Be("127.0.0.1");
        events[0].Detail.Should().Contain("\"files\":12").And.Contain("\"scope\":\"study\"");
    }
}
