using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Tests.Support;

/// <summary>
/// Orthanc (Debian's package) on 127.0.0.1 with its own DICOM and HTTP ports and storage in a temporary directory,
/// configured by the test (DICOM TLS, modalities); driven through its REST API.
/// </summary>
internal sealed class OrthancPeer : IAsyncDisposable
{
    public const string AeTitle = "ORTHANC";

    private readonly Process _process;
    private readonly TempDirectory _directory;
    private readonly HttpClient _http;

    private OrthancPeer(Process process, TempDirectory directory, int dicomPort, int httpPort)
    {
        _process = process;
        _directory = directory;
        DicomPort = dicomPort;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public int DicomPort { get; }

    /// <summary>
    /// Starts Orthanc with <paramref name="settings"/> merged over a minimal loopback configuration, and waits (at most
    /// 30 s) until its REST API answers.
    /// </summary>
    public static async Task<OrthancPeer> StartAsync(JsonObject settings)
    {
        var directory = new TempDirectory("orthanc-");
        int dicomPort = LoopbackPort.Free(), httpPort = LoopbackPort.Free();
        var configuration = new JsonObject
        {
            ["Name"] = "test", ["DicomAet"] = AeTitle, ["DicomPort"] = dicomPort, ["HttpPort"] = httpPort,
            ["StorageDirectory"] = directory.Subdirectory("storage"), ["IndexDirectory"] = directory.Subdirectory("index"),
            ["RemoteAccessAllowed"] = false, ["AuthenticationEnabled"] = false, ["HttpServerEnabled"] = true,
            ["DicomServerEnabled"] = true, ["Plugins"] = new JsonArray(),
        };
        foreach (var (key, value) in settings)
            configuration[key] = value?.DeepClone();
        var file = Path.Combine(directory.Path, "orthanc.json");
        await File.WriteAllTextAsync(file, configuration.ToJsonString());
        var start = new ProcessStartInfo("Orthanc") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(file);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("Orthanc did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("Orthanc is not installed; ./test.sh installs Debian's orthanc package.", e);
        }
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var peer = new OrthancPeer(process, directory, dicomPort, httpPort);
        var up = await Eventually.TrueAsync(async () =>
        {
            if (process.HasExited) return true;
            try { return (await peer._http.GetAsync(new Uri("/system", UriKind.Relative))).IsSuccessStatusCode; }
            catch (HttpRequestException) { return false; }
        }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));
        if (up && !process.HasExited) return peer;
        await peer.DisposeAsync();
        lock (output) throw new InvalidOperationException("Orthanc did not start within 30 s: " + output);
    }

    /// <summary>Uploads a Part-10 file (POST /instances); its Orthanc id.</summary>
    public async Task<string> UploadAsync(string path)
    {
        using var content = new ByteArrayContent(await File.ReadAllBytesAsync(path));
        using var response = await _http.PostAsync(new Uri("/instances", UriKind.Relative), content);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("ID").GetString()!;
    }

    /// <summary>C-STORE of <paramref name="ids"/> to a configured modality (POST /modalities/{name}/store); the HTTP status and body.</summary>
    public async Task<(int Status, string Body)> StoreToAsync(string modality, IEnumerable<string> ids)
    {
        // Orthanc's field names are PascalCase; the JSON defaults of HttpClient would write them camelCase.
        var request = new JsonObject { ["Resources"] = new JsonArray([.. ids.Select(i => JsonValue.Create(i))]), ["Synchronous"] = true };
        using var content = new StringContent(request.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync(new Uri($"/modalities/{modality}/store", UriKind.Relative), content);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Asks a configured modality for storage commitment of <paramref name="sops"/> (POST /modalities/{name}/storage-commitment,
    /// Orthanc as SCU); the Transaction UID Orthanc chose, by which <see cref="StorageCommitmentReportAsync"/> finds the report.
    /// </summary>
    public async Task<string> RequestStorageCommitmentAsync(string modality, IEnumerable<(string SopClassUid, string SopInstanceUid)> sops)
    {
        var instances = new JsonArray([.. sops.Select(s => new JsonObject { ["SOPClassUID"] = s.SopClassUid, ["SOPInstanceUID"] = s.SopInstanceUid })]);
        var request = new JsonObject { ["DicomInstances"] = instances };
        using var content = new StringContent(request.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync(new Uri($"/modalities/{modality}/storage-commitment", UriKind.Relative), content);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"storage commitment request refused: {(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("ID").GetString()!;
    }

    /// <summary>Orthanc's view of a storage commitment it asked for (GET /storage-commitment/{id}): Status, Success, Failures.</summary>
    public async Task<JsonElement> StorageCommitmentReportAsync(string transactionUid)
    {
        using var json = JsonDocument.Parse(await _http.GetStringAsync(new Uri($"/storage-commitment/{transactionUid}", UriKind.Relative)));
        return json.RootElement.Clone();
    }

    /// <summary>The SOP Instance UIDs Orthanc holds.</summary>
    public async Task<IReadOnlyList<string>> SopInstanceUidsAsync()
    {
        var ids = await _http.GetFromJsonAsync<string[]>(new Uri("/instances", UriKind.Relative)) ?? [];
        var uids = new List<string>();
        foreach (var id in ids)
        {
            using var tags = JsonDocument.Parse(await _http.GetStringAsync(new Uri($"/instances/{id}/simplified-tags", UriKind.Relative)));
            uids.Add(tags.RootElement.GetProperty("SOPInstanceUID").GetString()!);
        }
        return uids;
    }

    public static string PortText(int port) => port.ToString(CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync(new CancellationTokenSource(10_000).Token);
        _process.Dispose();
        _directory.Dispose();
    }
}
