using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using NLog;
using NLog.Common;
using NLog.Targets;

namespace DicomGateway.Hosting;

/// <summary>
/// An NLog target that writes to the systemd journal over its native protocol (a datagram of <c>FIELD=value</c>
/// lines on <c>/run/systemd/journal/socket</c>, systemd.journal-fields(7)), so that each line keeps its structure:
/// MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, LOGGER, and one field per property of the log event (the placeholders of
/// the [LoggerMessage] templates and the event id: <c>journalctl -u dicomgateway EVENTID=8104</c>). The properties are
/// the same values the message already shows, so the journal holds nothing a log line does not.
/// </summary>
[Target(TypeName)]
public sealed class JournalTarget : TargetWithLayout
{
    public const string TypeName = "Journal";

    /// <summary>Where journald listens for native messages on every systemd system.</summary>
    public const string DefaultSocketPath = "/run/systemd/journal/socket";

    /// <summary>
    /// A datagram is limited by the socket's send buffer; journald's own client passes larger entries through a
    /// memfd. A log line of this gateway is far below this, so a larger one is cut rather than sent another way.
    /// </summary>
    public const int MaxMessageBytes = 48 * 1024;

    private const int MaxFieldNameLength = 64;
    private Socket? _socket;

    public string SocketPath { get; set; } = DefaultSocketPath;

    public string Identifier { get; set; } = "dicomgateway";

    protected override void Write(LogEventInfo logEvent)
    {
        var datagram = Serialize(logEvent, RenderLogEvent(Layout, logEvent), Identifier);
        try
        {
            _socket ??= Connect(SocketPath);
            _socket.Send(datagram);
        }
        catch (SocketException e)
        {
            // journald restarted, or is absent: drop the connection so that the next line tries again, and let NLog's
            // own log say why (a logging target cannot log through the logger it serves).
            _socket?.Dispose();
            _socket = null;
            InternalLogger.Warn(e, "Journal target: the journal socket {0} refused a message", SocketPath);
        }
    }

    protected override void CloseTarget()
    {
        _socket?.Dispose();
        _socket = null;
        base.CloseTarget();
    }

    private static Socket Connect(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>One journal entry in the native protocol.</summary>
    public static byte[] Serialize(LogEventInfo logEvent, string message, string identifier)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        using var buffer = new MemoryStream();
        Field(buffer, "MESSAGE", Truncate(message));
        Field(buffer, "PRIORITY", SystemdService.PriorityOf(logEvent.Level));
        Field(buffer, "SYSLOG_IDENTIFIER", identifier);
        if (!string.IsNullOrEmpty(logEvent.LoggerName)) Field(buffer, "LOGGER", logEvent.LoggerName);
        if (logEvent.HasProperties)
        {
            foreach (var (key, value) in logEvent.Properties)
            {
                if (FieldName(key?.ToString()) is not { } name || value is null) continue;
                Field(buffer, name, Truncate(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""));
            }
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// A journal field name is upper-case letters, digits and underscores, at most 64 characters, not starting with
    /// an underscore or a digit (those are journald's trusted fields); anything else becomes an underscore.
    /// Template placeholders such as <c>{OriginalFormat}</c> and names that would clash with ours are left out.
    /// </summary>
    public static string? FieldName(string? key)
    {
        if (string.IsNullOrWhiteSpace(key) || key.StartsWith('{')) return null;
        var name = new StringBuilder(Math.Min(key.Length, MaxFieldNameLength));
        foreach (var c in key)
        {
            if (name.Length == MaxFieldNameLength) break;
            name.Append(char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_');
        }
        var s = name.ToString().TrimStart('_');
        if (s.Length == 0 || char.IsAsciiDigit(s[0])) return null;
        return s is "MESSAGE" or "PRIORITY" or "SYSLOG_IDENTIFIER" or "LOGGER" ? null : s;
    }

    private static string Truncate(string value) =>
        Encoding.UTF8.GetByteCount(value) <= MaxMessageBytes ? value : value[..Math.Min(value.Length, MaxMessageBytes / 4)] + "…";

    private static void Field(Stream buffer, string name, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        buffer.Write(Encoding.ASCII.GetBytes(name));
        if (Array.IndexOf(bytes, (byte)'\n') < 0)
        {
            buffer.WriteByte((byte)'=');
            buffer.Write(bytes);
        }
        else
        {
            // A value with a newline (an exception's stack) goes as name, newline, 64-bit little-endian length, bytes.
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)bytes.Length);
            buffer.WriteByte((byte)'\n');
            buffer.Write(length);
            buffer.Write(bytes);
        }
        buffer.WriteByte((byte)'\n');
    }
}
