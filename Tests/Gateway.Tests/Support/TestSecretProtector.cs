using System.Security.Cryptography;
using System.Text;
using DicomGateway.Crypto;

namespace Gateway.Tests.Support;

/// <summary>ISecretProtector for tests: AES-GCM under a random key, the purpose as associated data.</summary>
internal sealed class TestSecretProtector : ISecretProtector
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    public byte[] Protect(string purpose, ReadOnlySpan<byte> plaintext)
    {
        var output = new byte[12 + 16 + plaintext.Length];
        RandomNumberGenerator.Fill(output.AsSpan(0, 12));
        using var aes = new AesGcm(_key, 16);
        aes.Encrypt(output.AsSpan(0, 12), plaintext, output.AsSpan(28), output.AsSpan(12, 16), Encoding.UTF8.GetBytes(purpose));
        return output;
    }

    public byte[] Unprotect(string purpose, ReadOnlySpan<byte> protectedData)
    {
        var plaintext = new byte[protectedData.Length - 28];
        using var aes = new AesGcm(_key, 16);
        aes.Decrypt(protectedData[..12], protectedData[28..], protectedData.Slice(12, 16), plaintext, Encoding.UTF8.GetBytes(purpose));
        return plaintext;
    }
}
