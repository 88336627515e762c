namespace DicomGateway.Crypto;

/// <summary>
/// The gateway refuses to start with the key it found: another key than the database's, none where one is needed, or
/// one kept where it would travel with the data. The message names the setting and the file, never the key.
/// </summary>
public sealed class GatewayKeyRefusedException : Exception
{
    public GatewayKeyRefusedException(string message) : base(message)
    {
    }

    public GatewayKeyRefusedException()
    {
    }

    public GatewayKeyRefusedException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
