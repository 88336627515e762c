using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using DicomGateway.Crypto;

namespace DicomGateway.Studies;

/// <summary>
/// An instance's table-of-contents entry (<see cref="InstanceHeader"/>: patient, study and series attributes) as the
/// index row keeps it: JSON encrypted under a key derived from its study's data key. The gateway reads these back only
/// while it still holds the data key (before sealing) to build the shipment's manifest or show a held study; sealing
/// deletes them. Not part of the shipment format.
/// </summary>
public static class SummaryCodec
{
    private const int NonceSize = 12, TagSize = 16;

    /// <summary>The JSON form of summaries and of the manifest: camelCase, nulls left out.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static byte[] Encode(ReadOnlySpan<byte> dataKey, InstanceHeader header) =>
        Encrypt(dataKey, JsonSerializer.SerializeToUtf8Bytes(header, Json));

    public static InstanceHeader Decode(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> summary) =>
        JsonSerializer.Deserialize<InstanceHeader>(Decrypt(dataKey, summary), Json)
        ?? throw new CryptographicException("Index summary is empty");

    internal static byte[] Encrypt(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> plaintext)
    {
        Span<byte> key = stackalloc byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, dataKey, key, [], CryptoPurposes.IndexSummary);
        try
        {
            var output = new byte[NonceSize + plaintext.Length + TagSize];
            var nonce = output.AsSpan(0, NonceSize);
            RandomNumberGenerator.Fill(nonce);
            using var aes = new AesGcm(key, TagSize);
            aes.Encrypt(nonce, plaintext, output.AsSpan(NonceSize, plaintext.Length), output.AsSpan(NonceSize + plaintext.Length), CryptoPurposes.IndexSummary);
            return output;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    internal static byte[] Decrypt(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> data)
    {
        if (data.Length < NonceSize + TagSize) throw new CryptographicException("Index summary too short");
        Span<byte> key = stackalloc byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, dataKey, key, [], CryptoPurposes.IndexSummary);
        try
        {
            var plaintext = new byte[data.Length - NonceSize - TagSize];
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(data[..NonceSize], data.Slice(NonceSize, plaintext.Length), data[^TagSize..], plaintext, CryptoPurposes.IndexSummary);
            return plaintext;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }
}
