using MimeKit;

namespace DicomGateway.Notifications;

/// <summary>
/// Hands one e-mail to the outside world. Throws <see cref="DeliveryException"/> (transient or permanent) with a
/// message safe to log; anything else it throws is taken as transient.
/// </summary>
public interface IMailTransport
{
    /// <param name="deliveryId">Stable across retries of the same message (outbox file names use it).</param>
    Task SendAsync(long deliveryId, MimeMessage message, CancellationToken cancellationToken);
}

/// <summary>One text message. <see cref="To"/> is E.164.</summary>
public sealed record SmsMessage(long DeliveryId, string To, string Text)
{
    /// <summary>The text holds the code: keep it out of anything that formats the record.</summary>
    public override string ToString() => $"SmsMessage {{ DeliveryId = {DeliveryId} }}";
}

/// <summary>Hands one SMS to a provider. Same failure contract as <see cref="IMailTransport"/>.</summary>
public interface ISmsSender
{
    Task SendAsync(SmsMessage message, CancellationToken cancellationToken);
}

/// <summary>Files in an outbox directory appear whole: written under a dot-name, flushed, then renamed.</summary>
internal static class OutboxFiles
{
    public static string PathOf(string dataDirectory, string directory) => Path.GetFullPath(Path.Combine(dataDirectory, directory));

    public static string PrepareDirectory(string dataDirectory, string directory)
    {
        var path = PathOf(dataDirectory, directory);
        // The files hold links and codes in clear: only the gateway's user may read them.
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(path);
        else Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    public static async Task WriteAsync(string directory, string fileName, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var final = Path.Combine(directory, fileName);
        var temporary = Path.Combine(directory, "." + fileName + ".tmp");
        try
        {
            var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                await write(stream, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            // Same delivery id, same name: a retry after a crash replaces the file instead of adding a second one.
            File.Move(temporary, final, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            throw new DeliveryException($"Cannot write to the outbox directory ({e.GetType().Name})", permanent: false, e);
        }
    }

    /// <summary>
    /// Deletes a message's file and any half-written one left by a crash; true when a file was there. A file that
    /// cannot be deleted now (permissions, a reader on Windows) is left for the next call, which the sweeper repeats.
    /// </summary>
    public static bool Delete(string directory, string fileName)
    {
        TryDelete(Path.Combine(directory, "." + fileName + ".tmp"));
        var path = Path.Combine(directory, fileName);
        if (!File.Exists(path)) return false;
        TryDelete(path);
        return !File.Exists(path);
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
