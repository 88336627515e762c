using System.Security.Cryptography;

namespace DicomGateway.Studies;

/// <summary>
/// A study's data key lent for one piece of work: whoever borrows it disposes it, which zeroes the bytes, so the key
/// lives in memory no longer than the work that needs it.
/// </summary>
public sealed class StudyDataKey : IDisposable
{
    private readonly byte[] _key;
    private bool _disposed;

    internal StudyDataKey(byte[] key) => _key = key;

    /// <summary>The key's bytes; valid until disposed. Do not keep them or copy them elsewhere.</summary>
    public byte[] Bytes
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _key;
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        CryptographicOperations.ZeroMemory(_key);
    }
}
