using System.Globalization;
using System.Net.Sockets;
using DicomGateway.Storage;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace DicomGateway.Notifications;

/// <summary>Sends through the configured SMTP relay with MailKit, one connection per message.</summary>
internal sealed class SmtpMailTransport(IOptions<MailOptions> options) : IMailTransport
{
    private readonly MailOptions _options = options.Value;

    public async Task SendAsync(long deliveryId, MimeMessage message, CancellationToken cancellationToken)
    {
        using var client = new SmtpClient { Timeout = (int)Math.Min(int.MaxValue, _options.Timeout.TotalMilliseconds) };
        try
        {
            await client.ConnectAsync(_options.Host, _options.Port, Security(_options.Security), cancellationToken).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(_options.UserName))
                await client.AuthenticateAsync(_options.UserName, _options.Password ?? "", cancellationToken).ConfigureAwait(false);
            await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (SmtpCommandException e)
        {
            // A 5xx about this recipient or this message will be the same next time; a 4xx is "try later"; a 5xx
            // about our sender or session (MAIL FROM, AUTH) is the gateway's configuration, fixable, so retried.
            var code = (int)e.StatusCode;
            var permanent = code >= 500 && e.ErrorCode is SmtpErrorCode.RecipientNotAccepted or SmtpErrorCode.MessageNotAccepted;
            throw new DeliveryException(string.Create(CultureInfo.InvariantCulture, $"SMTP server replied {code} ({e.ErrorCode})"), permanent, e);
        }
        catch (AuthenticationException e)
        {
            throw new DeliveryException("SMTP authentication failed (check Mail:UserName and Mail:Password)", permanent: false, e);
        }
        catch (SslHandshakeException e)
        {
            throw new DeliveryException("TLS handshake with the SMTP server failed (check Mail:Security)", permanent: false, e);
        }
        catch (SmtpProtocolException e)
        {
            throw new DeliveryException("SMTP protocol error (the connection broke or the server answered out of turn)", permanent: false, e);
        }
        catch (SocketException e)
        {
            throw new DeliveryException($"Cannot reach the SMTP server ({e.SocketErrorCode})", permanent: false, e);
        }
        catch (Exception e) when (e is IOException or TimeoutException or ServiceNotConnectedException
                                  || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new DeliveryException($"SMTP connection failed ({e.GetType().Name})", permanent: false, e);
        }
        // The server has said 250: the message is delivered. A failing QUIT must not turn that into a retry.
        try
        {
            await client.DisconnectAsync(quit: true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or SmtpProtocolException or SmtpCommandException or TimeoutException or OperationCanceledException)
        {
        }
    }

    private static SecureSocketOptions Security(MailSecurity security) => security switch
    {
        MailSecurity.None => SecureSocketOptions.None,
        MailSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.StartTls,
    };
}

/// <summary>Outbox mode (no Mail:Host): each message becomes {deliveryId}.eml in Mail:OutboxDirectory.</summary>
internal sealed class OutboxMailTransport(IOptions<MailOptions> options, StoragePaths paths) : IMailTransport
{
    private readonly string _directory = OutboxFiles.PrepareDirectory(paths.DataDirectory, options.Value.OutboxDirectory);

    public string Directory => _directory;

    public Task SendAsync(long deliveryId, MimeMessage message, CancellationToken cancellationToken) =>
        OutboxFiles.WriteAsync(_directory, deliveryId.ToString(CultureInfo.InvariantCulture) + ".eml",
            (stream, ct) => message.WriteToAsync(stream, ct), cancellationToken);
}
