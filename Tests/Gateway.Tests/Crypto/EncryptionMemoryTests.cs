using DicomGateway.Crypto;

namespace Gateway.Tests.Crypto;

/// <summary>An instance streams through the encryptor; it is never held whole in memory.</summary>
public class EncryptionMemoryTests
{
    [Fact]
    public void Encrypting_64_MiB_in_network_sized_writes_allocates_far_less_than_the_data()
    {
        var fragment = Blobs.Plaintext(48 * 1024);
        const long total = 64L * 1024 * 1024;
        Encrypt(fragment, 1024 * 1024); // JIT, pools and the AES implementation warm up outside the measurement

        var before = GC.GetAllocatedBytesForCurrentThread();
        var length = Encrypt(fragment, total);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        length.Should().Be(total);
        allocated.Should().BeLessThan(2 * 1024 * 1024, "64 MiB went through, but only one segment is ever buffered");
    }

    /// <summary>Feeds <paramref name="total"/> bytes through the hot path (WriteAsync) into a stream that discards them; everything completes synchronously on this thread.</summary>
    private static long Encrypt(byte[] fragment, long total)
    {
        using var encrypting = new SegmentedEncryptingStream(Stream.Null, Blobs.DataKey, 1);
        for (long written = 0; written < total; written += fragment.Length)
        {
            var write = encrypting.WriteAsync(fragment.AsMemory(0, (int)Math.Min(fragment.Length, total - written)));
            if (!write.IsCompletedSuccessfully) throw new InvalidOperationException("a write to Stream.Null did not complete synchronously");
        }
        var complete = encrypting.CompleteAsync(CancellationToken.None);
        if (!complete.IsCompletedSuccessfully) throw new InvalidOperationException("completion did not complete synchronously");
        return encrypting.PlaintextLength;
    }
}
