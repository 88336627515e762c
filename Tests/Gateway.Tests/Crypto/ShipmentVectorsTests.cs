using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DicomGateway.Crypto;

namespace Gateway.Tests.Crypto;

/// <summary>
/// Our code reproduces every value of docs/shipment-vectors.json, the vectors the browser implementation is held to,
/// and each vector also decrypts with nothing but HKDF and AES-GCM as the spec spells them out.
/// </summary>
public class ShipmentVectorsTests
{
    /// <summary>The published vectors, which <see cref="ShipmentVectorGenerator"/> writes and these tests check.</summary>
    internal static string VectorsPath => RepositoryRoot.Combine("docs", "shipment-vectors.json");

    private static readonly Lazy<JsonDocument> Vectors = new(() => JsonDocument.Parse(File.ReadAllText(VectorsPath)));

    private static JsonElement Root => Vectors.Value.RootElement;

    public static TheoryData<string> BlobNames
    {
        get
        {
            var names = new TheoryData<string>();
            foreach (var blob in Root.GetProperty("blobs").EnumerateArray()) names.Add(blob.GetProperty("name").GetString()!);
            return names;
        }
    }

    private static JsonElement Blob(string name) => Root.GetProperty("blobs").EnumerateArray().Single(b => b.GetProperty("name").GetString() == name);

    private static byte[] Hex(JsonElement element, string property) => Convert.FromHexString(element.GetProperty(property).GetString()!);

    private static byte[] PlaintextOf(JsonElement vector) =>
        vector.TryGetProperty("plaintext", out _) ? Hex(vector, "plaintext") : ShipmentVectorGenerator.LargePlaintext(vector.GetProperty("plaintextLength").GetInt32());

    [Fact]
    public void The_vectors_cover_the_sizes_the_spec_promises()
    {
        var blobs = Root.GetProperty("blobs").EnumerateArray().ToList();

        blobs.Select(b => b.GetProperty("plaintextLength").GetInt32()).Should().Contain([0, 5, 16, 17, 65537]);
        blobs.Should().Contain(b => b.GetProperty("segmentSize").GetInt32() == 65536);
        blobs.Should().Contain(b => b.GetProperty("ordinal").GetUInt32() == 0, "the manifest's ordinal is covered");
    }

    [Theory]
    [MemberData(nameof(BlobNames))]
    public async Task Our_encryptor_reproduces_the_blob_vector(string name)
    {
        var vector = Blob(name);
        var dataKey = Hex(vector, "dataKey");
        var ordinal = vector.GetProperty("ordinal").GetUInt32();
        var segmentSize = vector.GetProperty("segmentSize").GetInt32();
        var plaintext = PlaintextOf(vector);

        using var output = new MemoryStream();
        await using (var encrypting = new SegmentedEncryptingStream(output, dataKey, ordinal, segmentSize, leaveOpen: true, Hex(vector, "salt")))
        {
            await encrypting.WriteAsync(plaintext);
            await encrypting.CompleteAsync(CancellationToken.None);
        }
        var blob = output.ToArray();

        blob.Length.Should().Be(vector.GetProperty("blobLength").GetInt32());
        if (vector.TryGetProperty("blob", out _)) blob.Should().Equal(Hex(vector, "blob"));
        else SHA256.HashData(blob).Should().Equal(Hex(vector, "blobSha256"));
        blob[..SegmentedBlob.HeaderSize].Should().Equal(Hex(vector, "header"));
        var blobKey = new byte[32];
        ShipmentKeys.DeriveBlobKey(dataKey, Hex(vector, "salt"), ordinal, blobKey);
        blobKey.Should().Equal(Hex(vector, "blobKey"));
    }

    [Theory]
    [MemberData(nameof(BlobNames))]
    public async Task Our_decryptors_read_the_blob_vector(string name)
    {
        var vector = Blob(name);
        var blob = await RebuildBlobAsync(vector);
        var dataKey = Hex(vector, "dataKey");
        var ordinal = vector.GetProperty("ordinal").GetUInt32();

        (await Blobs.DecryptAsync(blob, ordinal, dataKey)).Should().Equal(PlaintextOf(vector));
        (await Blobs.ReadThroughSeekableAsync(blob, ordinal, dataKey)).Should().Equal(PlaintextOf(vector));
    }

    [Theory]
    [MemberData(nameof(BlobNames))]
    public async Task Each_segment_of_the_vector_decrypts_with_plain_HKDF_and_AES_GCM_as_the_spec_describes(string name)
    {
        var vector = Blob(name);
        var blob = await RebuildBlobAsync(vector);
        var plaintext = PlaintextOf(vector);
        var header = Hex(vector, "header");
        var segmentSize = vector.GetProperty("segmentSize").GetInt32();

        // Header fields, big-endian, at the offsets of the spec's table.
        Encoding.ASCII.GetString(header, 0, 4).Should().Be("DGWS");
        header[4].Should().Be(1);
        header[5].Should().Be(1);
        BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(6)).Should().Be(0);
        BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8)).Should().Be((uint)segmentSize);
        BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(12)).Should().Be(vector.GetProperty("ordinal").GetUInt32());
        header.AsSpan(16, 16).ToArray().Should().Equal(Hex(vector, "salt"));
        BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(32)).Should().Be((ulong)plaintext.Length);

        // K = HKDF-SHA256(DK, salt, "DicomGateway v1 blob key" || ordinal u32 BE).
        var info = Encoding.ASCII.GetBytes("DicomGateway v1 blob key").Concat(header[12..16]).ToArray();
        var blobKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, Hex(vector, "dataKey"), 32, Hex(vector, "salt"), info);
        blobKey.Should().Equal(Hex(vector, "blobKey"));

        var nonFinal = Hex(vector, "nonFinalAssociatedData");
        nonFinal.Should().Equal(header[..32].Concat(new byte[8]));
        using var aes = new AesGcm(blobKey, 16);
        var segments = vector.GetProperty("segments").EnumerateArray().ToList();
        segments.Should().HaveCount((int)SegmentedBlob.SegmentCount(plaintext.Length, segmentSize));
        foreach (var segment in segments)
        {
            var index = segment.GetProperty("index").GetInt32();
            var last = segment.GetProperty("last").GetBoolean();
            var offset = segment.GetProperty("offset").GetInt64();
            var length = segment.GetProperty("length").GetInt32();
            last.Should().Be(index == segments.Count - 1);
            SegmentedBlob.SegmentRange(index, plaintext.Length, segmentSize).Should().Be((offset, length));
            offset.Should().Be(40 + (long)index * (segmentSize + 16));

            var nonce = new byte[12];
            BinaryPrimitives.WriteUInt32BigEndian(nonce.AsSpan(7), (uint)index);
            nonce[11] = last ? (byte)1 : (byte)0;
            nonce.Should().Equal(Hex(segment, "nonce"));

            var stored = blob.AsSpan((int)offset, length).ToArray();
            if (segment.TryGetProperty("ciphertextAndTag", out _)) stored.Should().Equal(Hex(segment, "ciphertextAndTag"));
            else
            {
                stored[^16..].Should().Equal(Hex(segment, "tag"));
                SHA256.HashData(stored).Should().Equal(Hex(segment, "sha256"));
            }

            var clear = new byte[length - 16];
            aes.Decrypt(nonce, stored[..^16], stored[^16..], clear, last ? header : nonFinal);
            clear.Should().Equal(plaintext.AsSpan(index * segmentSize, clear.Length).ToArray());
        }
    }

    [Fact]
    public void Our_key_functions_reproduce_the_recipient_vector()
    {
        var r = Root.GetProperty("recipient");
        var dataKey = Hex(r, "dataKey");
        var e = Hex(r, "fragmentKey");
        var t = Hex(r, "token");
        var ks = Hex(r, "serverShare");
        var typed = r.GetProperty("codeTyped").GetString()!;

        using var secrets = RecipientSecrets.Create(dataKey, e, typed, t, ks, Hex(r, "wrapNonce"));

        secrets.Code.Should().Be(r.GetProperty("code").GetString());
        secrets.TokenHash.Should().Equal(Hex(r, "tokenHash"));
        secrets.ProofHash.Should().Equal(Hex(r, "proofHash"));
        secrets.WrappedKey.Should().Equal(Hex(r, "wrappedKey"));
        secrets.Link(r.GetProperty("baseUrl").GetString()!).Should().Be(r.GetProperty("link").GetString());
        ShipmentKeys.DeriveUnlockProof(e, typed, t).Should().Equal(Hex(r, "unlockProof"));
        ShipmentKeys.VerifyProof(Hex(r, "unlockProof"), Hex(r, "proofHash")).Should().BeTrue();
        ShipmentKeys.UnwrapDataKey(Hex(r, "wrappedKey"), e, typed, t, ks).Should().Equal(dataKey);
    }

    [Fact]
    public void The_recipient_vector_holds_with_plain_HKDF_SHA256_and_AES_GCM_as_the_spec_describes()
    {
        var r = Root.GetProperty("recipient");
        var e = Hex(r, "fragmentKey");
        var code = Encoding.ASCII.GetBytes(r.GetProperty("code").GetString()!);
        var t = Hex(r, "token");
        var ks = Hex(r, "serverShare");
        var wrapped = Hex(r, "wrappedKey");

        SHA256.HashData(t).Should().Equal(Hex(r, "tokenHash"));
        var proof = HKDF.DeriveKey(HashAlgorithmName.SHA256, [.. e, .. code], 32, t, Encoding.ASCII.GetBytes("DicomGateway v1 unlock proof"));
        proof.Should().Equal(Hex(r, "unlockProof"));
        SHA256.HashData(proof).Should().Equal(Hex(r, "proofHash"));
        var kek = HKDF.DeriveKey(HashAlgorithmName.SHA256, [.. e, .. code, .. ks], 32, t, Encoding.ASCII.GetBytes("DicomGateway v1 key wrap"));
        kek.Should().Equal(Hex(r, "keyWrapKey"));

        wrapped.Should().HaveCount(60);
        wrapped[..12].Should().Equal(Hex(r, "wrapNonce"));
        var dataKey = new byte[32];
        using var aes = new AesGcm(kek, 16);
        aes.Decrypt(wrapped[..12], wrapped[12..44], wrapped[44..], dataKey, Encoding.ASCII.GetBytes("DicomGateway v1 data key"));
        dataKey.Should().Equal(Hex(r, "dataKey"));

        var link = r.GetProperty("link").GetString()!;
        link.Should().Be($"{r.GetProperty("baseUrl").GetString()}/s/#{System.Buffers.Text.Base64Url.EncodeToString(t)}.{System.Buffers.Text.Base64Url.EncodeToString(e)}");
        new Uri(link).AbsolutePath.Should().Be("/s/", "nothing secret is in the part of the link a browser sends");
        var earlier = r.GetProperty("linkEarlierForm").GetString()!;
        earlier.Should().Be($"{r.GetProperty("baseUrl").GetString()}/s/{System.Buffers.Text.Base64Url.EncodeToString(t)}#{System.Buffers.Text.Base64Url.EncodeToString(e)}");
    }

    [Fact]
    public void Both_forms_of_the_vector_link_parse_to_its_token_and_fragment_key()
    {
        var r = Root.GetProperty("recipient");
        foreach (var property in new[] { "link", "linkEarlierForm" })
        {
            RecipientLink.TryParse(r.GetProperty(property).GetString(), out var parsed).Should().BeTrue(property);
            parsed!.Token.Should().Equal(Hex(r, "token"));
            parsed.FragmentKey.Should().Equal(Hex(r, "fragmentKey"));
            parsed.BaseUrl.Should().Be(r.GetProperty("baseUrl").GetString());
        }
    }

    [Fact]
    public void The_code_vectors_are_the_generator_s_and_hold_non_ASCII_look_alikes_that_are_all_invalid()
    {
        var vectors = Root.GetProperty("codes").EnumerateArray().ToList();
        vectors.Select(v => v.GetProperty("typed").GetString()).Should().Equal(ShipmentVectorGenerator.Codes);
        var nonAscii = vectors.Where(v => v.GetProperty("typed").GetString()!.Any(c => c > 0x7F)).ToList();
        // Dotless i, dotted capital I, long s, sharp s, the Kelvin sign, a full-width digit, a non-breaking space.
        char[] lookAlikes = ['\u0131', '\u0130', '\u017F', '\u00DF', '\u212A', '\uFF10', '\u00A0'];
        foreach (var lookAlike in lookAlikes)
        {
            Func<char, bool> matches = c => c == lookAlike || (lookAlike == '\uFF10' && c is >= '\uFF10' and <= '\uFF19');
            nonAscii.Should().Contain(v => v.GetProperty("typed").GetString()!.Any(matches), $"U+{(int)lookAlike:X4} has a vector");
        }
        nonAscii.Should().OnlyContain(v => v.GetProperty("normalized").ValueKind == JsonValueKind.Null);
    }

    [Fact]
    public void Our_normalisation_reproduces_the_code_vectors()
    {
        foreach (var vector in Root.GetProperty("codes").EnumerateArray())
        {
            var expected = vector.GetProperty("normalized");
            ShipmentKeys.NormalizeCode(vector.GetProperty("typed").GetString())
                .Should().Be(expected.ValueKind == JsonValueKind.Null ? null : expected.GetString(), vector.GetProperty("typed").GetString());
        }
    }

    /// <summary>The vector's blob: given in full, or re-made from its inputs and proven equal by its SHA-256.</summary>
    private static async Task<byte[]> RebuildBlobAsync(JsonElement vector)
    {
        if (vector.TryGetProperty("blob", out _)) return Hex(vector, "blob");
        using var output = new MemoryStream();
        await using (var encrypting = new SegmentedEncryptingStream(output, Hex(vector, "dataKey"), vector.GetProperty("ordinal").GetUInt32(),
            vector.GetProperty("segmentSize").GetInt32(), leaveOpen: true, Hex(vector, "salt")))
        {
            await encrypting.WriteAsync(PlaintextOf(vector));
            await encrypting.CompleteAsync(CancellationToken.None);
        }
        var blob = output.ToArray();
        SHA256.HashData(blob).Should().Equal(Hex(vector, "blobSha256"));
        return blob;
    }
}
