using System.Security.Cryptography;
using System.Text;

namespace DicomGateway.Crypto;

/// <summary>
/// The gateway's own 32-byte key (found by <see cref="GatewayKeyCustody"/>). Every use goes
/// through a subkey derived per purpose (HKDF-SHA256, info "DicomGateway v1 protect {purpose}" or
/// "DicomGateway v1 hash {purpose}"), so a value protected or hashed for one purpose means nothing for another.
/// Protects the data keys of studies not yet sealed and queued notifications; keys pseudonymous identifiers.
/// </summary>
public sealed class GatewayKeyring : ISecretProtector, IDisposable
{
    public const int KeySize = 32;

    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly byte[] _key;

    /// <param name="key">The 32-byte gateway key, as <see cref="GatewayKeyCustody"/> found it; copied.</param>
    public GatewayKeyring(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize) throw new ArgumentException($"The gateway key must be {KeySize} bytes", nameof(key));
        _key = key.ToArray();
    }

    /// <summary>
    /// The key's check value, stored in the database (table gateway_key): a MAC of a fixed label under a subkey, so
    /// that a gateway started with another key can tell, while the value itself reveals nothing of the key.
    /// </summary>
    public byte[] CheckValue() => KeyedHash(CryptoPurposes.Hash.KeyCheck, CryptoPurposes.KeyCheckLabel);

    /// <summary>
    /// Encrypts <paramref name="plaintext"/> for <paramref name="purpose"/>: nonce (12) || ciphertext || tag (16),
    /// AES-256-GCM under the purpose's subkey with the purpose (UTF-8) as associated data.
    /// </summary>
    public byte[] Protect(string purpose, ReadOnlySpan<byte> plaintext)
    {
        var associatedData = Purpose(purpose);
        var output = new byte[NonceSize + plaintext.Length + TagSize];
        RandomNumberGenerator.Fill(output.AsSpan(0, NonceSize));
        using var aes = CreateAes(purpose);
        aes.Encrypt(output.AsSpan(0, NonceSize), plaintext, output.AsSpan(NonceSize, plaintext.Length), output.AsSpan(NonceSize + plaintext.Length), associatedData);
        return output;
    }

    /// <summary>The inverse of <see cref="Protect"/>; data changed, protected for another purpose or under another key raises <see cref="ShipmentIntegrityException"/>.</summary>
    public byte[] Unprotect(string purpose, ReadOnlySpan<byte> protectedData)
    {
        var associatedData = Purpose(purpose);
        if (protectedData.Length < NonceSize + TagSize) throw new ShipmentIntegrityException("Protected data is too short");
        var length = protectedData.Length - NonceSize - TagSize;
        var plaintext = new byte[length];
        using var aes = CreateAes(purpose);
        try
        {
            aes.Decrypt(protectedData[..NonceSize], protectedData.Slice(NonceSize, length), protectedData[(NonceSize + length)..], plaintext, associatedData);
            return plaintext;
        }
        catch (CryptographicException e)
        {
            throw new ShipmentIntegrityException("Protected data failed authentication", e);
        }
    }

    /// <summary>HMAC-SHA256 of <paramref name="value"/> under the purpose's subkey: a stable pseudonym that needs the gateway key to compute.</summary>
    public byte[] KeyedHash(string purpose, ReadOnlySpan<byte> value)
    {
        Span<byte> subkey = stackalloc byte[KeySize];
        try
        {
            DeriveSubkey(CryptoPurposes.HashPrefix, purpose, subkey);
            return HMACSHA256.HashData(subkey, value);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(subkey);
        }
    }

    /// <summary><see cref="KeyedHash(string, ReadOnlySpan{byte})"/> of the UTF-8 bytes of <paramref name="value"/> (a patient ID, a UID).</summary>
    public byte[] KeyedHash(string purpose, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return KeyedHash(purpose, Encoding.UTF8.GetBytes(value));
    }

    /// <summary>The same keyed hash as <see cref="KeyedHash(string, ReadOnlySpan{byte})"/>, over data that arrives in pieces (an instance as it streams in).</summary>
    public IncrementalKeyedHash CreateIncrementalHash(string purpose)
    {
        Span<byte> subkey = stackalloc byte[KeySize];
        try
        {
            DeriveSubkey(CryptoPurposes.HashPrefix, purpose, subkey);
            return new IncrementalKeyedHash(subkey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(subkey);
        }
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(_key);

    private AesGcm CreateAes(string purpose)
    {
        Span<byte> subkey = stackalloc byte[KeySize];
        try
        {
            DeriveSubkey(CryptoPurposes.ProtectPrefix, purpose, subkey);
            return new AesGcm(subkey, TagSize);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(subkey);
        }
    }

    private void DeriveSubkey(string prefix, string purpose, Span<byte> subkey) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _key, subkey, ReadOnlySpan<byte>.Empty, Encoding.UTF8.GetBytes(prefix + purpose));

    private static byte[] Purpose(string purpose)
    {
        ArgumentException.ThrowIfNullOrEmpty(purpose);
        return Encoding.UTF8.GetBytes(purpose);
    }
}
