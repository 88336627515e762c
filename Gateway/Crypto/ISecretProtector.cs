namespace DicomGateway.Crypto;

/// <summary>
/// Encrypts small secrets the gateway must keep for a while and read back itself (a queued notification, an SMS
/// code kept for "send it again", a study's data key before sealing) under the gateway key. The purpose string
/// separates uses: data protected for one purpose does not open for another.
/// </summary>
public interface ISecretProtector
{
    byte[] Protect(string purpose, ReadOnlySpan<byte> plaintext);

    /// <summary>Throws <see cref="System.Security.Cryptography.CryptographicException"/> if the data was altered or protected for another purpose.</summary>
    byte[] Unprotect(string purpose, ReadOnlySpan<byte> protectedData);
}
