using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using DicomKit.Network.Dimse;
using DicomKit.Network.Pdus;

namespace DicomKit.Tests.Network.Support;

/// <summary>A scripted peer speaking raw bytes to the listener, for protocol edge cases a real toolkit will not produce.</summary>
internal sealed class RawPeer : IAsyncDisposable
{
    private readonly TcpClient _client = new() { NoDelay = true };
    private NetworkStream _stream = null!;

    public static async Task<RawPeer> ConnectAsync(int port)
    {
        var peer = new RawPeer();
        await peer._client.ConnectAsync(IPAddress.Loopback, port);
        peer._stream = peer._client.GetStream();
        return peer;
    }

    public async Task SendAsync(byte[] bytes)
    {
        try
        {
            await _stream.WriteAsync(bytes);
        }
        catch (IOException)
        {
            // the listener may already have aborted and closed: what it sent is what the test checks
        }
    }

    /// <summary>Reads one PDU (type, body), or null when the connection closed first.</summary>
    public async Task<(PduType Type, byte[] Body)?> ReadPduAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var header = new byte[6];
        if (!await ReadExactlyAsync(header, cts.Token))
            return null;
        var body = new byte[BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(2))];
        if (!await ReadExactlyAsync(body, cts.Token))
            return null;
        return ((PduType)header[0], body);
    }

    /// <summary>True when the listener closes the connection within the timeout (bytes before the close are skipped).</summary>
    public async Task<bool> ClosedByPeerAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var buffer = new byte[4096];
        try
        {
            while (await _stream.ReadAsync(buffer, cts.Token) > 0)
            {
            }
            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<bool> ReadExactlyAsync(byte[] buffer, CancellationToken ct)
    {
        try
        {
            await _stream.ReadExactlyAsync(buffer, ct);
            return true;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            return false;
        }
    }

    public static byte[] Encode(IWritablePdu pdu)
    {
        var bytes = new byte[pdu.EncodedLength];
        var w = new PduWriter(bytes);
        pdu.Write(ref w);
        return bytes;
    }

    public static AssociateRq Request(string called, string calling = "RAWPEER", int contexts = 1)
    {
        var rq = new AssociateRq { CalledAeTitle = called, CallingAeTitle = calling, UserInformation = { MaximumLength = 16384 } };
        for (var i = 0; i < contexts; i++)
        {
            rq.PresentationContexts.Add(new PresentationContextRq((byte)(i * 2 + 1), i == 0 ? "1.2.840.10008.1.1" : TestFiles.SecondaryCapture,
                ["1.2.840.10008.1.2"]));
        }
        return rq;
    }

    /// <summary>Associates with Verification (id 1) and Secondary Capture (id 3); asserts the A-ASSOCIATE-AC.</summary>
    public async Task AssociateAsync(string called)
    {
        await SendAsync(Encode(Request(called, contexts: 2)));
        var ac = await ReadPduAsync();
        ac.Should().NotBeNull();
        ac!.Value.Type.Should().Be(PduType.AssociateAc);
    }

    public static byte[] PData(byte contextId, bool command, bool last, byte[] fragment)
    {
        var pdu = new byte[PDataTf.SinglePdvOverhead + fragment.Length];
        PDataTf.WriteSinglePdvHeader(pdu, contextId, command, last, fragment.Length);
        fragment.CopyTo(pdu, PDataTf.SinglePdvOverhead);
        return pdu;
    }

    public static byte[] StoreCommand(string sopInstanceUid) =>
        new CStoreRq(7, TestFiles.SecondaryCapture, sopInstanceUid).ToCommand().ToArray();

    /// <summary>Ends the connection with a TCP reset (RST), as a peer that crashes or is killed does.</summary>
    public void Reset()
    {
        _client.Client.Close(0);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await Task.CompletedTask;
    }
}
