using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace DicomGateway.Audit;

/// <summary>Sends one syslog message to the repository; throws when it cannot, and then the message counts as not sent.</summary>
public interface IAuditTransport : IAsyncDisposable
{
    Task SendAsync(byte[] message, CancellationToken cancellationToken);
}

/// <summary>
/// RFC 5425: one TLS connection, kept open, messages octet-counted. TLS gives no application acknowledgement: a message
/// counts as sent once its write has completed, and a connection the repository has closed is noticed before the
/// next write (a read kept pending on the connection ends when it closes), so that no message is written
/// into a dead connection. A repository that stops between that check and the write can still lose the message in
/// flight; docs/audit.md says so.
/// </summary>
public sealed class TlsAuditTransport(AuditRepositoryOptions options) : IAuditTransport
{
    private TcpClient? _client;
    private SslStream? _stream;
    private Task<int>? _closed;

    public async Task SendAsync(byte[] message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            var stream = await ConnectedAsync(cancellationToken).ConfigureAwait(false);
            await stream.WriteAsync(SyslogMessage.Frame(message), cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Close();
            throw;
        }
    }

    private async Task<SslStream> ConnectedAsync(CancellationToken cancellationToken)
    {
        if (_stream is not null && _closed is { IsCompleted: false }) return _stream;
        Close();
        var authorities = AuditRepositoryOptions.LoadAuthorities(options.CaPath!);
        var client = new TcpClient();
        try
        {
            await client.ConnectAsync(options.Host!, options.EffectivePort, cancellationToken).ConfigureAwait(false);
            var stream = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
            var clientCertificates = new X509CertificateCollection();
            if (options.CertificatePath is not null) clientCertificates.Add(options.LoadClientCertificate());
            await stream.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = options.Host,
                ClientCertificates = clientCertificates,
                EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => Trusted(certificate, errors, authorities),
            }, cancellationToken).ConfigureAwait(false);
            _client = client;
            _stream = stream;
            // A syslog receiver sends no application data, so this read ends only when it closes the connection
            // (close_notify, FIN or reset); meanwhile SslStream handles what TLS itself sends, such as session tickets.
            _closed = stream.ReadAsync(new byte[1], CancellationToken.None).AsTask();
            return stream;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>The repository's certificate chains to one of the configured authorities and names the configured host.</summary>
    private static bool Trusted(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection authorities)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var presented = new X509Certificate2(certificate);
        return chain.Build(presented);
    }

    private void Close()
    {
        _stream?.Dispose();
        _client?.Dispose();
        _stream = null;
        _client = null;
        // Disposing the stream ends the pending read; its outcome no longer matters.
        _closed?.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
        _closed = null;
    }

    public ValueTask DisposeAsync()
    {
        Close();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// RFC 5426: one message per datagram, unframed. UDP says nothing about delivery: a message counts as sent once the
/// datagram has left. A message longer than <see cref="MaxMessageBytes"/> (the largest UDP payload over IPv4) cannot
/// be sent at all.
/// </summary>
public sealed class UdpAuditTransport(AuditRepositoryOptions options) : IAuditTransport
{
    public const int MaxMessageBytes = 65_507;

    private UdpClient? _client;

    public async Task SendAsync(byte[] message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Length > MaxMessageBytes)
            throw new AuditMessageTooLargeException($"The audit message is {message.Length} bytes; one UDP datagram holds at most {MaxMessageBytes}");
        try
        {
            if (_client is null)
            {
                var client = new UdpClient();
                try
                {
                    client.Connect(options.Host!, options.EffectivePort);
                }
                catch
                {
                    client.Dispose();
                    throw;
                }
                _client = client;
            }
            await _client.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _client?.Dispose();
            _client = null;
            throw;
        }
    }

    public ValueTask DisposeAsync()
    {
        _client?.Dispose();
        _client = null;
        return ValueTask.CompletedTask;
    }
}

/// <summary>A message that no retry can send (larger than the transport carries).</summary>
public sealed class AuditMessageTooLargeException(string message) : Exception(message);
