using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Text;

namespace Gateway.Tests.Regressions;

/// <summary>
/// Issue #17: the first peer that closed or reset its connection in the middle of a C-STORE made the resident memory
/// of a running gateway jump by about 75 MB, once per process. A dropped association now costs what any other abort
/// does. The bound is on the real executable's VmRSS, read before and after, not on a timing.
/// </summary>
public sealed class PeerDroppingMidStoreCostsNoMemoryJump : IDisposable
{
    private const long JumpBoundKb = 20 * 1024;
    private const string CtImageStorage = "1.2.840.10008.5.1.4.1.1.2";
    private const string ExplicitVrLittleEndian = "1.2.840.10008.1.2.1";
    private readonly TempDirectory _dir = new("gw-drop-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_reset_and_a_close_inside_a_CStore_leave_resident_memory_within_20_MB()
    {
        await using var gw = await GatewayProcess.StartAsync();
        // The store path has run once, as in a gateway that has served before: what follows measures the drops only.
        var files = Enumerable.Range(1, 5).Select(i => Instances.WriteCt(_dir.Path, i)).ToList();
        var store = await ExternalTool.RunAsync("storescu", ["-aec", "DICOMGATEWAY", "127.0.0.1", gw.Port.ToString(CultureInfo.InvariantCulture), .. files],
            ExternalTool.LongTimeout);
        store.ExitCode.Should().Be(0, store.Output);
        var before = ResidentKb(gw.ProcessId);

        await StoreThenDropAsync(gw.Port, reset: true);
        (await gw.WaitForOutputAsync("Connection reset by peer")).Should().BeTrue(gw.Output);
        await StoreThenDropAsync(gw.Port, reset: false);
        (await gw.WaitForOutputAsync("connection closed by peer")).Should().BeTrue(gw.Output);

        var after = ResidentKb(gw.ProcessId);
        (after - before).Should().BeLessThan(JumpBoundKb, $"VmRSS went from {before} kB to {after} kB over two dropped stores");
    }

    private static long ResidentKb(int processId)
    {
        var line = File.ReadLines($"/proc/{processId}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            ?? throw new InvalidDataException($"no VmRSS line for process {processId}");
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    /// <summary>Associates, sends a C-STORE command and the first fragment of its data set, then drops the connection.</summary>
    private static async Task StoreThenDropAsync(int port, bool reset)
    {
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync(AssociateRq("DICOMGATEWAY"));
        var header = new byte[6];
        await stream.ReadExactlyAsync(header);
        header[0].Should().Be(0x02, "the gateway accepts the association");
        await stream.ReadExactlyAsync(new byte[BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(2))]);
        await stream.WriteAsync(PData(control: 0x03, StoreCommand($"2.25.{new BigInteger(Guid.NewGuid().ToByteArray(), isUnsigned: true)}")));
        await stream.WriteAsync(PData(control: 0x00, new byte[1000]));
        await stream.FlushAsync();
        if (reset) client.Client.LingerState = new LingerOption(true, 0);
        client.Client.Close();
    }

    private static byte[] Pdu(byte type, byte[] body)
    {
        var pdu = new byte[sizeof(byte) /* type */ + sizeof(byte) /* reserved */ + sizeof(uint) /* length */ + body.Length];
        pdu[0] = type;
        BinaryPrimitives.WriteUInt32BigEndian(pdu.AsSpan(2), (uint)body.Length);
        body.CopyTo(pdu, 6);
        return pdu;
    }

    private static byte[] Item(byte type, byte[] body)
    {
        var item = new byte[sizeof(byte) /* type */ + sizeof(byte) /* reserved */ + sizeof(ushort) /* length */ + body.Length];
        item[0] = type;
        BinaryPrimitives.WriteUInt16BigEndian(item.AsSpan(2), (ushort)body.Length);
        body.CopyTo(item, 4);
        return item;
    }

    private static byte[] AssociateRq(string called)
    {
        byte[] maxLength = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(maxLength, 16384);
        byte[] fixedPart = [0, 1, 0, 0, .. Encoding.ASCII.GetBytes(called.PadRight(16)), .. Encoding.ASCII.GetBytes("DROPPER".PadRight(16)), .. new byte[32]];
        return Pdu(0x01, [
            .. fixedPart,
            .. Item(0x10, Encoding.ASCII.GetBytes("1.2.840.10008.3.1.1.1")),
            .. Item(0x20, [1, 0, 0, 0, .. Item(0x30, Encoding.ASCII.GetBytes(CtImageStorage)), .. Item(0x40, Encoding.ASCII.GetBytes(ExplicitVrLittleEndian))]),
            .. Item(0x50, [.. Item(0x51, maxLength), .. Item(0x52, Encoding.ASCII.GetBytes("1.2.3.4"))]),
        ]);
    }

    /// <summary>One P-DATA-TF with one PDV on presentation context 1.</summary>
    private static byte[] PData(byte control, byte[] fragment)
    {
        var pdv = new byte[sizeof(uint) /* PDV length */ + sizeof(byte) /* context id */ + sizeof(byte) /* control */ + fragment.Length];
        BinaryPrimitives.WriteUInt32BigEndian(pdv, (uint)(fragment.Length + 2));
        pdv[4] = 1;
        pdv[5] = control;
        fragment.CopyTo(pdv, 6);
        return Pdu(0x04, pdv);
    }

    /// <summary>A C-STORE-RQ command set (Implicit VR Little Endian, as every command set is).</summary>
    private static byte[] StoreCommand(string sopInstanceUid)
    {
        static byte[] Element(ushort element, byte[] value)
        {
            var bytes = new byte[sizeof(ushort) /* group */ + sizeof(ushort) /* element */ + sizeof(uint) /* length */ + value.Length];
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2), element);
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)value.Length);
            value.CopyTo(bytes, 8);
            return bytes;
        }
        static byte[] Uid(string uid) => Encoding.ASCII.GetBytes(uid.Length % 2 == 0 ? uid : uid + "\0");
        static byte[] UShort(ushort v) => [(byte)v, (byte)(v >> 8)];
        byte[] body = [
            .. Element(0x0002, Uid(CtImageStorage)), .. Element(0x0100, UShort(0x0001)), .. Element(0x0110, UShort(7)),
            .. Element(0x0700, UShort(0)), .. Element(0x0800, UShort(0)), .. Element(0x1000, Uid(sopInstanceUid)),
        ];
        var length = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)body.Length);
        return [.. Element(0x0000, length), .. body];
    }
}
