using System.Security.Cryptography;

namespace DicomGateway.Crypto;

/// <summary>A keyed hash fed piece by piece; made by <see cref="GatewayKeyring.CreateIncrementalHash"/>, equal to its one-shot KeyedHash.</summary>
public sealed class IncrementalKeyedHash : IDisposable
{
    private readonly IncrementalHash _hmac;

    internal IncrementalKeyedHash(ReadOnlySpan<byte> subkey) => _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, subkey);

    public void Append(ReadOnlySpan<byte> data) => _hmac.AppendData(data);

    /// <summary>The hash of everything appended since creation or the last call; the hash then starts over.</summary>
    public byte[] GetHashAndReset() => _hmac.GetHashAndReset();

    public void Dispose() => _hmac.Dispose();
}
