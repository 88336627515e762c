using System.Globalization;
using System.Text;

namespace DicomGateway.Audit;

/// <summary>
/// RFC 5424 syslog messages carrying DICOM audit messages, as IHE ITI TF-2a 3.20 (Record Audit Event) has them:
/// facility 10 (security/authorization, "authpriv"), APP-NAME "DicomGateway", MSGID "IHE+RFC-3881", no structured
/// data, and the XML as MSG in UTF-8 after a byte order mark (RFC 5424 6.4, MSG-UTF8).
/// </summary>
public static class SyslogMessage
{
    /// <summary>authpriv: the facility RFC 5424 names for security and authorization messages.</summary>
    public const int Facility = 10;

    public const string AppName = "DicomGateway";

    public const string MsgId = "IHE+RFC-3881";

    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    /// <summary>notice (5) for a success, warning (4) for any failure, so a repository can filter failures by severity.</summary>
    public static int Severity(AuditOutcome outcome) => outcome == AuditOutcome.Success ? 5 : 4;

    /// <summary>
    /// One RFC 5424 message. TIMESTAMP is when the event happened (not when it is sent), so messages sent late, after
    /// an outage, still carry the event's time.
    /// </summary>
    public static byte[] Format(AuditOutcome outcome, DateTimeOffset timestamp, string hostName, int processId, ReadOnlySpan<byte> xml)
    {
        var header = string.Create(CultureInfo.InvariantCulture,
            $"<{Facility * 8 + Severity(outcome)}>1 {timestamp.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'} {HeaderField(hostName, 255)} {AppName} {processId} {MsgId} - ");
        var headerBytes = Encoding.ASCII.GetBytes(header);
        var message = new byte[headerBytes.Length + Bom.Length + xml.Length];
        headerBytes.CopyTo(message, 0);
        Bom.CopyTo(message, headerBytes.Length);
        xml.CopyTo(message.AsSpan(headerBytes.Length + Bom.Length));
        return message;
    }

    /// <summary>RFC 5425 4.3 octet counting: "MSG-LEN SP SYSLOG-MSG", so that a message may hold any byte, newlines included.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> message)
    {
        var prefix = Encoding.ASCII.GetBytes(message.Length.ToString(CultureInfo.InvariantCulture) + " ");
        var frame = new byte[prefix.Length + message.Length];
        prefix.CopyTo(frame, 0);
        message.CopyTo(frame.AsSpan(prefix.Length));
        return frame;
    }

    /// <summary>A header field is printable US-ASCII without spaces (RFC 5424 6.2), "-" when nothing is left.</summary>
    private static string HeaderField(string value, int maxLength)
    {
        var kept = new string([.. value.Where(c => c is > ' ' and < (char)127).Take(maxLength)]);
        return kept.Length > 0 ? kept : "-";
    }
}
