using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DicomGateway.Crypto;
using DicomGateway.Shipments;
using DicomGateway.Studies;

namespace Gateway.Tests.Support;

/// <summary>
/// Opens a shipment the way a recipient's browser does, with nothing but the e-mailed link and the SMS code:
/// derive the proof from E and S, unlock, unwrap the data key with E, S and the released Ks, then fetch and
/// decrypt the manifest and every instance.
/// </summary>
public sealed class RecipientClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly RecipientLink _link;
    private readonly string _code;
    private byte[]? _dataKey;

    public RecipientClient(Uri gateway, string link, string code)
    {
        RecipientLink.TryParse(link, out var parsed).Should().BeTrue("the e-mail carries a well-formed link");
        _link = parsed!;
        _code = ShipmentKeys.NormalizeCode(code) ?? throw new ArgumentException("not a code", nameof(code));
        _http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), UseCookies = true }) { BaseAddress = gateway };
    }

    public sealed record UnlockResponse(HttpStatusCode Status, JsonElement Body);

    public async Task<UnlockResponse> UnlockAsync(string? code = null)
    {
        var s = code is null ? _code : ShipmentKeys.NormalizeCode(code) ?? code;
        var proof = ShipmentKeys.DeriveUnlockProof(_link.FragmentKey, s, _link.Token);
        using var response = await _http.PostAsJsonAsync("/api/recipient/unlock",
            new { token = Base64Url.EncodeToString(_link.Token), proof = Base64Url.EncodeToString(proof) });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (response.StatusCode == HttpStatusCode.OK)
        {
            var share = Base64Url.DecodeFromChars(body.GetProperty("serverShare").GetString());
            var wrapped = Base64Url.DecodeFromChars(body.GetProperty("wrappedKey").GetString());
            _dataKey = ShipmentKeys.UnwrapDataKey(wrapped, _link.FragmentKey, s, _link.Token, share);
        }
        return new UnlockResponse(response.StatusCode, body);
    }

    /// <summary>The shipment's data key, once unlocked (for measurements that decrypt in-process).</summary>
    public ReadOnlyMemory<byte> DataKey => _dataKey ?? throw new InvalidOperationException("unlock first");

    public async Task<byte[]> FetchBlobAsync(int ordinal)
    {
        using var response = await _http.GetAsync($"/api/recipient/blobs/{ordinal}");
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsByteArrayAsync();
    }

    public async Task<HttpResponseMessage> GetAsync(string path) => await _http.GetAsync(path);

    public async Task<Manifest> ManifestAsync()
    {
        var plaintext = await DecryptBlobAsync(0);
        return JsonSerializer.Deserialize<Manifest>(plaintext, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    public async Task<byte[]> DecryptBlobAsync(int ordinal)
    {
        _dataKey.Should().NotBeNull("unlock first");
        var ciphertext = await FetchBlobAsync(ordinal);
        using var input = new MemoryStream(ciphertext);
        using var output = new MemoryStream();
        await SegmentedBlob.DecryptAsync(input, output, _dataKey, (uint)ordinal, CancellationToken.None);
        return output.ToArray();
    }

    public void Dispose() => _http.Dispose();
}
