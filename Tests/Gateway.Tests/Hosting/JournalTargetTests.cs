using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using DicomGateway.Hosting;
using Gateway.Tests.Support;
using Microsoft.Extensions.Logging;
using NLog.Config;
using NLog.Extensions.Logging;

namespace Gateway.Tests.Hosting;

/// <summary>The journal's native protocol, as journald reads it: checked on a real Unix datagram socket.</summary>
public sealed partial class JournalTargetTests
{
    [Fact]
    public void A_log_line_arrives_as_one_entry_with_priority_logger_event_id_and_its_fields()
    {
        using var directory = new TempDirectory("gw-journal-");
        var path = Path.Combine(directory.Path, "socket");
        using var journal = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        journal.Bind(new UnixDomainSocketEndPoint(path));
        journal.ReceiveTimeout = 5000;

        var config = new LoggingConfiguration();
        var target = new JournalTarget { SocketPath = path, Layout = SystemdService.JournalMessageLayout };
        config.AddRuleForAllLevels(target);
        using var factory = new NLog.LogFactory { Configuration = config };
        using (var loggers = LoggerFactory.Create(b => b.AddNLog(_ => factory)))
        {
            LogDelivered(loggers.CreateLogger("DicomGateway.Forwarding.ForwardingService"), 42, 7, "PACS1");
            LogFailure(loggers.CreateLogger("DicomGateway.Ingest.Listener"), new InvalidOperationException("line one\nline two"));
        }

        var first = Fields(Receive(journal));
        first["MESSAGE"].Should().Be("Forward 42 of study 7 delivered to PACS1");
        first["PRIORITY"].Should().Be("6");
        first["SYSLOG_IDENTIFIER"].Should().Be("dicomgateway");
        first["LOGGER"].Should().Be("DicomGateway.Forwarding.ForwardingService");
        first["FORWARDID"].Should().Be("42");
        first["STUDYID"].Should().Be("7");
        first["AETITLE"].Should().Be("PACS1");
        first.Should().ContainKey("EVENTID").WhoseValue.Should().Be("9901");
        first.Keys.Should().NotContain(k => k.StartsWith('{') || k.StartsWith('_'));

        var second = Fields(Receive(journal));
        second["PRIORITY"].Should().Be("3");
        second["MESSAGE"].Should().Contain("line one\nline two", "a value with a newline is sent with its length");
    }

    [Fact]
    public void A_missing_journal_loses_the_line_but_not_the_process()
    {
        using var directory = new TempDirectory("gw-journal-");
        var config = new LoggingConfiguration();
        config.AddRuleForAllLevels(new JournalTarget { SocketPath = Path.Combine(directory.Path, "absent"), Layout = "${message}" });
        using var factory = new NLog.LogFactory { Configuration = config, ThrowExceptions = false };
        var act = () => factory.GetLogger("x").Info("nobody listens");
        act.Should().NotThrow();
    }

    [Theory]
    [InlineData("StudyId", "STUDYID")]
    [InlineData("event-id", "EVENT_ID")]
    [InlineData("_Trusted", "TRUSTED")]
    [InlineData("{OriginalFormat}", null)]
    [InlineData("9lives", null)]
    [InlineData("", null)]
    [InlineData("___", null)]
    [InlineData("Message", null)]
    [InlineData("Priority", null)]
    public void Property_names_become_valid_journal_field_names(string key, string? expected) =>
        JournalTarget.FieldName(key).Should().Be(expected);

    [Fact]
    public void Field_names_are_at_most_64_characters() =>
        JournalTarget.FieldName(new string('a', 100)).Should().HaveLength(64);

    [Fact]
    public void A_huge_message_is_cut_to_fit_one_datagram()
    {
        var entry = JournalTarget.Serialize(new NLog.LogEventInfo(NLog.LogLevel.Info, "x", "m"), new string('x', 1_000_000), "dicomgateway");
        entry.Length.Should().BeLessThan(JournalTarget.MaxMessageBytes + 1024);
    }

    private static byte[] Receive(Socket socket)
    {
        var buffer = new byte[256 * 1024];
        var n = socket.Receive(buffer);
        return buffer[..n];
    }

    /// <summary>Parses the native protocol: NAME=value lines, or NAME, newline, 64-bit LE length, bytes, newline.</summary>
    private static Dictionary<string, string> Fields(byte[] entry)
    {
        var fields = new Dictionary<string, string>();
        var i = 0;
        while (i < entry.Length)
        {
            var end = Array.IndexOf(entry, (byte)'\n', i);
            var eq = Array.IndexOf(entry, (byte)'=', i, end - i);
            if (eq >= 0)
            {
                fields[Encoding.ASCII.GetString(entry, i, eq - i)] = Encoding.UTF8.GetString(entry, eq + 1, end - eq - 1);
                i = end + 1;
            }
            else
            {
                var name = Encoding.ASCII.GetString(entry, i, end - i);
                var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(entry.AsSpan(end + 1, 8));
                fields[name] = Encoding.UTF8.GetString(entry, end + 9, length);
                entry[end + 9 + length].Should().Be((byte)'\n');
                i = end + 10 + length;
            }
        }
        return fields;
    }

    [LoggerMessage(EventId = 9901, Level = LogLevel.Information, Message = "Forward {ForwardId} of study {StudyId} delivered to {AeTitle}")]
    private static partial void LogDelivered(ILogger logger, long forwardId, long studyId, string aeTitle);

    [LoggerMessage(EventId = 9902, Level = LogLevel.Error, Message = "Listener failed")]
    private static partial void LogFailure(ILogger logger, Exception error);
}
