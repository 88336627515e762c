using DicomGateway.Crypto;

namespace Gateway.Tests.Support;

/// <summary>Encrypts and decrypts whole blobs in memory for tests.</summary>
internal static class Blobs
{
    public static readonly byte[] DataKey = Enumerable.Range(0, 32).Select(i => (byte)(i * 7 + 1)).ToArray();

    public static byte[] Plaintext(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Writes <paramref name="plaintext"/> through the encrypting stream in pieces of the given sizes (cycled), asynchronously or not.</summary>
    public static async Task<byte[]> EncryptAsync(byte[] plaintext, int segmentSize, uint ordinal = 1, byte[]? dataKey = null, int[]? pieces = null,
        bool synchronous = false)
    {
        using var output = new MemoryStream();
        await using (var encrypting = new SegmentedEncryptingStream(output, dataKey ?? DataKey, ordinal, segmentSize, leaveOpen: true))
        {
            var offset = 0;
            var piece = 0;
            while (offset < plaintext.Length)
            {
                var n = Math.Min(pieces is null ? plaintext.Length : pieces[piece++ % pieces.Length], plaintext.Length - offset);
                if (synchronous) encrypting.Write(plaintext, offset, n);
                else await encrypting.WriteAsync(plaintext.AsMemory(offset, n));
                offset += n;
            }
            await encrypting.CompleteAsync(CancellationToken.None);
            encrypting.PlaintextLength.Should().Be(plaintext.Length);
            output.Position.Should().Be(output.Length, "the output is left at the end of the blob");
        }
        return output.ToArray();
    }

    public static async Task<byte[]> DecryptAsync(byte[] blob, uint ordinal = 1, byte[]? dataKey = null)
    {
        using var plaintext = new MemoryStream();
        await SegmentedBlob.DecryptAsync(new MemoryStream(blob), plaintext, dataKey ?? DataKey, ordinal, CancellationToken.None);
        return plaintext.ToArray();
    }

    /// <summary>Opens the seekable view and reads it to the end.</summary>
    public static async Task<byte[]> ReadThroughSeekableAsync(byte[] blob, uint ordinal = 1, byte[]? dataKey = null)
    {
        await using var stream = await SegmentedDecryptingStream.OpenAsync(new MemoryStream(blob), dataKey ?? DataKey, ordinal);
        using var plaintext = new MemoryStream();
        await stream.CopyToAsync(plaintext);
        return plaintext.ToArray();
    }
}
