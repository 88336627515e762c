using System.Buffers.Binary;
using System.Security.Cryptography;

namespace DicomGateway.Crypto;

/// <summary>
/// The per-blob AES-GCM state shared by the encryptor and both decryptors: the blob key (derived once, then only
/// inside <see cref="AesGcm"/>), the two associated-data variants and the nonce rule. One instance per blob.
/// </summary>
internal sealed class SegmentCipher : IDisposable
{
    public const int TagSize = 16;
    public const int NonceSize = 12;

    private readonly AesGcm _aes;
    // Associated data: non-final segments see the header with a zero length, the final one the complete header.
    private readonly byte[] _nonFinalHeader = new byte[BlobHeader.Size];
    private readonly byte[] _finalHeader = new byte[BlobHeader.Size];

    public SegmentCipher(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> header)
    {
        header[..BlobHeader.Size].CopyTo(_finalHeader);
        header[..BlobHeader.Size].CopyTo(_nonFinalHeader);
        BlobHeader.SetPlaintextLength(_nonFinalHeader, 0);
        Span<byte> key = stackalloc byte[ShipmentKeys.KeySize];
        try
        {
            ShipmentKeys.DeriveBlobKey(dataKey, header.Slice(BlobHeader.SaltOffset, BlobHeader.SaltSize),
                BinaryPrimitives.ReadUInt32BigEndian(header[BlobHeader.OrdinalOffset..]), key);
            _aes = new AesGcm(key, TagSize);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>The encryptor learns the length only at the end; the final segment's associated data carries it.</summary>
    public void SetPlaintextLength(long length) => BlobHeader.SetPlaintextLength(_finalHeader, length);

    /// <summary>The complete header, as the final segment authenticates it.</summary>
    public ReadOnlySpan<byte> FinalHeader => _finalHeader;

    /// <summary>Nonce = 7 zero bytes || segment index u32 BE || 0x01 for the final segment, 0x00 otherwise.</summary>
    public static void WriteNonce(Span<byte> nonce, uint index, bool last)
    {
        nonce[..7].Clear();
        BinaryPrimitives.WriteUInt32BigEndian(nonce[7..], index);
        nonce[11] = last ? (byte)1 : (byte)0;
    }

    /// <summary>Encrypts one segment into <paramref name="destination"/>: ciphertext (plaintext.Length bytes) then the tag.</summary>
    public void Seal(uint index, bool last, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        Span<byte> nonce = stackalloc byte[NonceSize];
        WriteNonce(nonce, index, last);
        _aes.Encrypt(nonce, plaintext, destination[..plaintext.Length], destination.Slice(plaintext.Length, TagSize),
            last ? _finalHeader : _nonFinalHeader);
    }

    /// <summary>Decrypts one segment (ciphertext then tag) into <paramref name="plaintext"/>, or throws.</summary>
    public void Open(uint index, bool last, ReadOnlySpan<byte> segment, Span<byte> plaintext)
    {
        if (segment.Length < TagSize) throw new ShipmentIntegrityException("A segment is shorter than its tag");
        var length = segment.Length - TagSize;
        Span<byte> nonce = stackalloc byte[NonceSize];
        WriteNonce(nonce, index, last);
        try
        {
            _aes.Decrypt(nonce, segment[..length], segment[length..], plaintext[..length], last ? _finalHeader : _nonFinalHeader);
        }
        catch (CryptographicException e)
        {
            throw new ShipmentIntegrityException($"Segment {index} failed authentication", e);
        }
    }

    public void Dispose() => _aes.Dispose();
}
