using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace DicomGateway.Crypto;

/// <summary>
/// Every key of a shipment and of its recipients, derived exactly as docs/shipment-format.md specifies so that the
/// browser (WebCrypto HKDF-SHA256 and AES-GCM) reproduces them. Letters follow the spec: DK the data key, E the
/// link's fragment key, S the SMS code, T the link token, Ks the server share, P the unlock proof.
/// </summary>
public static class ShipmentKeys
{
    /// <summary>Size of DK, E, T, Ks, P and every derived key.</summary>
    public const int KeySize = 32;

    /// <summary>Characters in a normalised code: 8 Crockford base32 characters, 40 bits.</summary>
    public const int CodeLength = 8;

    /// <summary>Size of a wrapped data key: nonce (12) || AES-GCM ciphertext of DK (32) || tag (16).</summary>
    public const int WrappedKeySize = SegmentCipher.NonceSize + KeySize + SegmentCipher.TagSize;

    /// <summary>Crockford's base32 alphabet: no I, L, O (read as 1, 1, 0) and no U.</summary>
    public const string CodeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// <summary>A new shipment data key DK.</summary>
    public static byte[] NewDataKey() => RandomNumberGenerator.GetBytes(KeySize);

    /// <summary>A new SMS code S: 40 bits from the CSPRNG as 8 Crockford base32 characters (normalised form).</summary>
    public static string NewCode()
    {
        Span<byte> random = stackalloc byte[8];
        random.Clear();
        RandomNumberGenerator.Fill(random[3..]); // 5 bytes in the low end of a u64
        var bits = BinaryPrimitives.ReadUInt64BigEndian(random);
        Span<char> code = stackalloc char[CodeLength];
        for (var i = CodeLength - 1; i >= 0; i--, bits >>= 5) code[i] = CodeAlphabet[(int)(bits & 31)];
        return new string(code);
    }

    /// <summary>
    /// The normalised code for what a person typed, per Crockford: case-insensitive, I and L read as 1, O as 0,
    /// hyphens and spaces ignored (so the display form ABCD-EFGH is accepted); null when any other character
    /// (U included) appears or the length is not 8.
    /// </summary>
    public static string? NormalizeCode(string? input)
    {
        if (input is null) return null;
        Span<char> code = stackalloc char[CodeLength];
        var n = 0;
        foreach (var typed in input)
        {
            if (typed is '-' or ' ') continue;
            if (typed > 0x7F) return null;
            var c = char.ToUpperInvariant(typed) switch
            {
                'I' or 'L' => '1',
                'O' => '0',
                var other => other,
            };
            if (!CodeAlphabet.Contains(c, StringComparison.Ordinal) || n == CodeLength) return null;
            code[n++] = c;
        }
        return n == CodeLength ? new string(code) : null;
    }

    /// <summary>The code as shown in the SMS: ABCD-EFGH.</summary>
    public static string FormatCode(string code)
    {
        var normalized = NormalizeCode(code) ?? throw new ArgumentException("Not a valid code", nameof(code));
        return string.Concat(normalized.AsSpan(0, 4), "-", normalized.AsSpan(4));
    }

    /// <summary>SHA-256 of the link token T: what the server stores to find the recipient, never T itself.</summary>
    public static byte[] TokenHash(ReadOnlySpan<byte> token)
    {
        CheckKeyLength(token, nameof(token));
        return SHA256.HashData(token);
    }

    /// <summary>SHA-256 of the unlock proof P: what the server stores to check it.</summary>
    public static byte[] ProofHash(ReadOnlySpan<byte> proof)
    {
        CheckKeyLength(proof, nameof(proof));
        return SHA256.HashData(proof);
    }

    /// <summary>P = HKDF-SHA256(ikm = E || ASCII(S), salt = T, info = "DicomGateway v1 unlock proof"), 32 bytes.</summary>
    public static byte[] DeriveUnlockProof(ReadOnlySpan<byte> fragmentKey, string code, ReadOnlySpan<byte> token)
    {
        var proof = new byte[KeySize];
        Derive(fragmentKey, code, ReadOnlySpan<byte>.Empty, token, CryptoPurposes.UnlockProof, proof);
        return proof;
    }

    /// <summary>Checks a proof presented by a browser against the stored <see cref="ProofHash"/>, in constant time.</summary>
    public static bool VerifyProof(ReadOnlySpan<byte> proof, ReadOnlySpan<byte> storedProofHash)
    {
        if (proof.Length != KeySize || storedProofHash.Length != SHA256.HashSizeInBytes) return false;
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(proof, hash);
        return CryptographicOperations.FixedTimeEquals(hash, storedProofHash);
    }

    /// <summary>
    /// Wraps DK for one recipient: KEK = HKDF-SHA256(ikm = E || ASCII(S) || Ks, salt = T, info = "DicomGateway v1 key wrap");
    /// result = random nonce (12) || AES-GCM(KEK, DK, associated data "DicomGateway v1 data key") || tag (16).
    /// </summary>
    public static byte[] WrapDataKey(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> fragmentKey, string code, ReadOnlySpan<byte> token,
        ReadOnlySpan<byte> serverShare)
    {
        Span<byte> nonce = stackalloc byte[SegmentCipher.NonceSize];
        RandomNumberGenerator.Fill(nonce);
        return WrapDataKey(dataKey, fragmentKey, code, token, serverShare, nonce);
    }

    /// <summary>With an explicit nonce, for the published test vectors only.</summary>
    internal static byte[] WrapDataKey(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> fragmentKey, string code, ReadOnlySpan<byte> token,
        ReadOnlySpan<byte> serverShare, ReadOnlySpan<byte> nonce)
    {
        CheckKeyLength(dataKey, nameof(dataKey));
        CheckKeyLength(serverShare, nameof(serverShare));
        Span<byte> kek = stackalloc byte[KeySize];
        try
        {
            Derive(fragmentKey, code, serverShare, token, CryptoPurposes.KeyWrap, kek);
            var wrapped = new byte[WrappedKeySize];
            nonce.CopyTo(wrapped);
            using var aes = new AesGcm(kek, SegmentCipher.TagSize);
            aes.Encrypt(nonce, dataKey, wrapped.AsSpan(SegmentCipher.NonceSize, KeySize), wrapped.AsSpan(SegmentCipher.NonceSize + KeySize),
                CryptoPurposes.DataKeyAssociatedData);
            return wrapped;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    /// <summary>The inverse of <see cref="WrapDataKey(ReadOnlySpan{byte}, ReadOnlySpan{byte}, string, ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>;
    /// a wrong E, S, T or Ks, or a changed wrapped key, raises <see cref="ShipmentIntegrityException"/>.</summary>
    public static byte[] UnwrapDataKey(ReadOnlySpan<byte> wrappedKey, ReadOnlySpan<byte> fragmentKey, string code, ReadOnlySpan<byte> token,
        ReadOnlySpan<byte> serverShare)
    {
        if (wrappedKey.Length != WrappedKeySize) throw new ShipmentIntegrityException("A wrapped data key is 60 bytes");
        CheckKeyLength(serverShare, nameof(serverShare));
        Span<byte> kek = stackalloc byte[KeySize];
        var dataKey = new byte[KeySize];
        try
        {
            Derive(fragmentKey, code, serverShare, token, CryptoPurposes.KeyWrap, kek);
            using var aes = new AesGcm(kek, SegmentCipher.TagSize);
            aes.Decrypt(wrappedKey[..SegmentCipher.NonceSize], wrappedKey.Slice(SegmentCipher.NonceSize, KeySize),
                wrappedKey[(SegmentCipher.NonceSize + KeySize)..], dataKey, CryptoPurposes.DataKeyAssociatedData);
            return dataKey;
        }
        catch (CryptographicException e)
        {
            throw new ShipmentIntegrityException("The data key did not unwrap", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    /// <summary>K = HKDF-SHA256(ikm = DK, salt = blob salt, info = "DicomGateway v1 blob key" || ordinal u32 BE), 32 bytes.</summary>
    internal static void DeriveBlobKey(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> salt, uint ordinal, Span<byte> key)
    {
        CheckKeyLength(dataKey, nameof(dataKey));
        Span<byte> info = stackalloc byte[CryptoPurposes.BlobKey.Length + sizeof(uint)];
        CryptoPurposes.BlobKey.CopyTo(info);
        BinaryPrimitives.WriteUInt32BigEndian(info[CryptoPurposes.BlobKey.Length..], ordinal);
        HKDF.DeriveKey(HashAlgorithmName.SHA256, dataKey, key[..KeySize], salt, info);
    }

    /// <summary>HKDF-SHA256(ikm = E || ASCII(normalised S) || extra, salt = T, info), the shape of both recipient derivations.</summary>
    internal static void Derive(ReadOnlySpan<byte> fragmentKey, string code, ReadOnlySpan<byte> extra, ReadOnlySpan<byte> token,
        ReadOnlySpan<byte> info, Span<byte> output)
    {
        CheckKeyLength(fragmentKey, nameof(fragmentKey));
        CheckKeyLength(token, nameof(token));
        var normalized = NormalizeCode(code) ?? throw new ArgumentException("Not a valid code", nameof(code));
        Span<byte> ikm = stackalloc byte[KeySize + CodeLength + KeySize];
        try
        {
            fragmentKey.CopyTo(ikm);
            Encoding.ASCII.GetBytes(normalized, ikm.Slice(KeySize, CodeLength));
            extra.CopyTo(ikm[(KeySize + CodeLength)..]);
            HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm[..(KeySize + CodeLength + extra.Length)], output, token, info);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ikm);
        }
    }

    internal static void CheckKeyLength(ReadOnlySpan<byte> key, string name)
    {
        if (key.Length != KeySize) throw new ArgumentException($"{name} must be {KeySize} bytes", name);
    }
}
