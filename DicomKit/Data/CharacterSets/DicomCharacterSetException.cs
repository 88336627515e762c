namespace DicomKit.Data;

/// <summary>
/// A Specific Character Set (0008,0005) that DicomKit cannot use, or text that the declared character set cannot
/// represent. Its own type so that a caller can reject one attribute or instance without treating it as an I/O fault.
/// </summary>
public sealed class DicomCharacterSetException : Exception
{
    public DicomCharacterSetException()
    {
    }

    public DicomCharacterSetException(string message)
        : base(message)
    {
    }

    public DicomCharacterSetException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
