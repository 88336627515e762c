using System.Security.Cryptography;

namespace DicomGateway.Crypto;

/// <summary>
/// Encrypted data failed a check: a tag did not verify, a header was malformed, a blob was truncated or extended,
/// or a key did not unwrap. Whatever was produced before the failure must be discarded. The message never carries
/// key material, codes or tokens, so it may be logged.
/// </summary>
public sealed class ShipmentIntegrityException : CryptographicException
{
    public ShipmentIntegrityException() : base("Encrypted data failed an integrity check") { }

    public ShipmentIntegrityException(string message) : base(message) { }

    public ShipmentIntegrityException(string message, Exception innerException) : base(message, innerException) { }
}
