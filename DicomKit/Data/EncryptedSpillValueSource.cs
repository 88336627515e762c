using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace DicomKit.Data;

/// <summary>
/// A large value read from a stream that cannot be revisited (deflated data, a socket, a decrypting stream), kept
/// on disk encrypted under a random key that exists only in this object's memory. The file is created 0600 in a
/// private directory and unlinked as soon as it is opened, so no directory entry points to it and the kernel frees
/// it when the last handle closes, a crash or SIGKILL included; what was written is ciphertext under a key that
/// died with the process. Chunks of <see cref="ChunkSize"/> bytes are sealed separately with AES-GCM (the chunk's
/// index is its nonce, unique under a one-time key), so any position can be read without decrypting what comes
/// before it, and a changed, swapped or missing chunk fails the read.
/// </summary>
public sealed class EncryptedSpillValueSource : ValueSource, IDisposable
{
    /// <summary>Plaintext bytes per sealed chunk.</summary>
    public const int ChunkSize = 64 * 1024;

    /// <summary>The GCM tag that follows each chunk's ciphertext.</summary>
    public const int TagSize = 16;

    private const int KeySize = 32;
    private const int NonceSize = 12;

    private readonly FileStream _file;
    private readonly byte[] _key;
    private long _length;
    private int _disposed;

    private EncryptedSpillValueSource(FileStream file, byte[] key)
    {
        _file = file;
        _key = key;
    }

    public override long Length => _length;

    /// <summary>The spill file's size on disk: the value plus one tag per chunk.</summary>
    public long StoredLength => StoredSize(_length);

    /// <summary>
    /// Spills what <paramref name="fill"/> writes into a new file in <paramref name="directory"/> (prepared by
    /// <see cref="SpillDirectory.Prepare"/>). The caller disposes the result; until then the value can be read
    /// any number of times, concurrently.
    /// </summary>
    public static EncryptedSpillValueSource Create(string directory, Action<Stream> fill)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(fill);
        var file = OpenUnlinked(directory);
        // Pinned, so the garbage collector never leaves a copy of the key behind when it compacts the heap.
        var key = GC.AllocateArray<byte>(KeySize, pinned: true);
        RandomNumberGenerator.Fill(key);
        var spill = new EncryptedSpillValueSource(file, key);
        try
        {
            using (var writer = new ChunkWriter(spill))
            {
                fill(writer);
                writer.Complete();
            }
            return spill;
        }
        catch
        {
            spill.Dispose();
            throw;
        }
    }

    private static FileStream OpenUnlinked(string directory)
    {
        var path = Path.Combine(directory, "spill-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew, // O_EXCL: never opens a file or link someone else put there
            Access = FileAccess.ReadWrite,
            // No lock: the file has no name once opened, so there is nobody to lock out, and a lock would only stop
            // the owner's tools from inspecting the ciphertext through /proc.
            Share = FileShare.ReadWrite,
            BufferSize = 0,
            Options = OperatingSystem.IsWindows() ? FileOptions.DeleteOnClose : FileOptions.None,
        };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var file = new FileStream(path, options);
        if (!OperatingSystem.IsWindows())
        {
            try
            {
                File.Delete(path);
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }
        return file;
    }

    public override Stream OpenRead()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return new ChunkReader(this);
    }

    /// <summary>Closes the file, which the kernel then frees, and erases the key.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _file.Dispose();
        CryptographicOperations.ZeroMemory(_key);
        GC.SuppressFinalize(this);
    }

    /// <summary>A value nobody disposed: its file handle closes by its own finalizer; the key is erased here.</summary>
    ~EncryptedSpillValueSource() => CryptographicOperations.ZeroMemory(_key);

    private SafeFileHandle Handle => _file.SafeFileHandle;

    private static long StoredSize(long plaintext)
    {
        var chunks = (plaintext + ChunkSize - 1) / ChunkSize;
        return plaintext + chunks * TagSize;
    }

    private static void NonceOf(long chunk, Span<byte> nonce)
    {
        nonce.Clear();
        BinaryPrimitives.WriteInt64LittleEndian(nonce, chunk);
    }

    /// <summary>What the writer and the reader share: the spill, its cipher and one chunk's buffers, returned cleared.</summary>
    private abstract class ChunkStream : Stream
    {
        private bool _closed;

        protected ChunkStream(EncryptedSpillValueSource spill)
        {
            Spill = spill;
            Aes = new AesGcm(spill._key, TagSize);
        }

        protected EncryptedSpillValueSource Spill { get; }
        protected AesGcm Aes { get; }
        protected byte[] Plain { get; } = ArrayPool<byte>.Shared.Rent(ChunkSize);
        protected byte[] Sealed { get; } = ArrayPool<byte>.Shared.Rent(ChunkSize + TagSize);

        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_closed)
            {
                _closed = true;
                Aes.Dispose();
                ArrayPool<byte>.Shared.Return(Plain, clearArray: true);
                ArrayPool<byte>.Shared.Return(Sealed);
            }
            base.Dispose(disposing);
        }
    }

    /// <summary>Seals the plaintext written to it chunk by chunk; the spill's length is set when it completes.</summary>
    private sealed class ChunkWriter(EncryptedSpillValueSource spill) : ChunkStream(spill)
    {
        private int _filled;
        private long _chunk;
        private long _written;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _written;
        public override long Position { get => _written; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            while (!buffer.IsEmpty)
            {
                var n = Math.Min(buffer.Length, ChunkSize - _filled);
                buffer[..n].CopyTo(Plain.AsSpan(_filled));
                _filled += n;
                _written += n;
                buffer = buffer[n..];
                if (_filled == ChunkSize) SealChunk();
            }
        }

        public void Complete()
        {
            if (_filled > 0) SealChunk();
            Spill._length = _written;
        }

        private void SealChunk()
        {
            Span<byte> nonce = stackalloc byte[NonceSize];
            NonceOf(_chunk, nonce);
            var output = Sealed.AsSpan(0, _filled + TagSize);
            Aes.Encrypt(nonce, Plain.AsSpan(0, _filled), output[.._filled], output[_filled..]);
            RandomAccess.Write(Spill.Handle, output, _chunk * (ChunkSize + TagSize));
            _chunk++;
            _filled = 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    }

    /// <summary>A seekable view of the plaintext that decrypts one chunk at a time, the one the position is in.</summary>
    private sealed class ChunkReader(EncryptedSpillValueSource spill) : ChunkStream(spill)
    {
        private long _loaded = -1;
        private int _loadedLength;
        private long _pos;

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => Spill._length;
        public override long Position
        {
            get => _pos;
            set => _pos = Math.Clamp(value, 0, Spill._length);
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var total = 0;
            while (!buffer.IsEmpty && _pos < Spill._length)
            {
                var chunk = _pos / ChunkSize;
                if (chunk != _loaded) Load(chunk);
                var within = (int)(_pos - chunk * ChunkSize);
                var n = Math.Min(buffer.Length, _loadedLength - within);
                Plain.AsSpan(within, n).CopyTo(buffer);
                buffer = buffer[n..];
                _pos += n;
                total += n;
            }
            return total;
        }

        private void Load(long chunk)
        {
            var length = (int)Math.Min(ChunkSize, Spill._length - chunk * ChunkSize);
            var stored = Sealed.AsSpan(0, length + TagSize);
            var at = chunk * (ChunkSize + TagSize);
            var got = 0;
            while (got < stored.Length)
            {
                var n = RandomAccess.Read(Spill.Handle, stored[got..], at + got);
                if (n == 0) throw new IOException($"The spill file ends inside chunk {chunk}: it was truncated.");
                got += n;
            }
            Span<byte> nonce = stackalloc byte[NonceSize];
            NonceOf(chunk, nonce);
            _loaded = -1;
            try
            {
                Aes.Decrypt(nonce, stored[..length], stored[length..], Plain.AsSpan(0, length));
            }
            catch (AuthenticationTagMismatchException e)
            {
                CryptographicOperations.ZeroMemory(Plain.AsSpan(0, length));
                throw new IOException($"Chunk {chunk} of the spill file does not authenticate: it was changed on disk.", e);
            }
            _loaded = chunk;
            _loadedLength = length;
        }

        public override long Seek(long offset, SeekOrigin origin)
        {
            Position = origin switch { SeekOrigin.Begin => offset, SeekOrigin.Current => _pos + offset, _ => Spill._length + offset };
            return _pos;
        }

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
