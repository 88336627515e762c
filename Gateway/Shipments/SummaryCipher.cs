using System.Security.Cryptography;
using System.Text;

namespace DicomGateway.Shipments;

/// <summary>
/// Encrypts an instance's table-of-contents entry (patient, study and series attributes) under a key derived from
/// its study's data key, for the index row. The gateway reads these back only while it still holds the data key
/// (before sealing) to build the shipment's manifest; sealing deletes them. Not part of the shipment format.
/// </summary>
internal static class SummaryCipher
{
    private static readonly byte[] Info = Encoding.ASCII.GetBytes("DicomGateway v1 index summary");
    private const int NonceSize = 12, TagSize = 16;

    public static byte[] Encrypt(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> plaintext)
    {
        Span<byte> key = stackalloc byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, dataKey, key, [], Info);
        try
        {
            var output = new byte[NonceSize + plaintext.Length + TagSize];
            var nonce = output.AsSpan(0, NonceSize);
            RandomNumberGenerator.Fill(nonce);
            using var aes = new AesGcm(key, TagSize);
            aes.Encrypt(nonce, plaintext, output.AsSpan(NonceSize, plaintext.Length), output.AsSpan(NonceSize + plaintext.Length), Info);
            return output;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    public static byte[] Decrypt(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> data)
    {
        if (data.Length < NonceSize + TagSize) throw new CryptographicException("Index summary too short");
        Span<byte> key = stackalloc byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, dataKey, key, [], Info);
        try
        {
            var plaintext = new byte[data.Length - NonceSize - TagSize];
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(data[..NonceSize], data.Slice(NonceSize, plaintext.Length), data[^TagSize..], plaintext, Info);
            return plaintext;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }
}
