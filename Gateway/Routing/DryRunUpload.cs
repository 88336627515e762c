using System.Globalization;
using System.Text;
using System.Text.Json;
using DicomKit.Data;
using DicomKit.IO;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace DicomGateway.Routing;

/// <summary>An uploaded dry run could not be used; <see cref="Field"/> names the form field at fault.</summary>
public sealed class DryRunUploadException : Exception
{
    public DryRunUploadException(string field, string message) : base(message) => Field = field;

    public DryRunUploadException() : this("file", "The upload is not valid") { }

    public DryRunUploadException(string message) : this("file", message) { }

    public DryRunUploadException(string message, Exception innerException) : base(message, innerException) => Field = "file";

    public string Field { get; }
}

/// <summary>
/// A dry run on an uploaded DICOM file: multipart/form-data with <c>file</c> (a Part-10 file) and optional fields
/// <c>callingAeTitle</c>, <c>calledAeTitle</c>, <c>sourceAddress</c>, <c>receivedAt</c> (ISO 8601) and <c>rules</c>
/// (a JSON array of rules to try instead of the saved ones). The file is parsed as it streams in, up to the pixel data;
/// the rest of it is read and dropped, never held: a CT series member may be hundreds of megabytes. Rules never read
/// bulk data (an encapsulated PDF, an icon, a private blob), so large bulk values before the pixel data are read past
/// too; a large text value is spilled encrypted under a key held only in memory, into a private directory.
/// </summary>
public sealed record DryRunUpload(RoutingInput Input, IReadOnlyList<RoutingRule>? Rules)
{
    /// <summary>Form fields other than the file are short; the rules to try may be a few hundred kilobytes of JSON.</summary>
    public const int MaxFieldChars = 4 * 1024 * 1024;

    /// <summary>Where the header ends: the first pixel data element, Float Pixel Data (7FE0,0008) being the first of them.</summary>
    private static readonly DicomTag PixelDataStart = new(0x7FE0, 0x0008);

    /// <exception cref="DryRunUploadException">The form or the file is not usable; the message says why.</exception>
    public static async Task<DryRunUpload> ReadAsync(Stream body, string? contentType, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType) || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase) ||
            HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 } boundary)
            throw new DryRunUploadException("file", "send multipart/form-data with a file field, or JSON {studyId, rules}");

        var reader = new MultipartReader(boundary, body);
        DicomDataset? header = null;
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadNextSectionAsync(cancellationToken).ConfigureAwait(false) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) ||
                !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase)) continue;
            var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
            if (name == "file")
            {
                if (header is not null) throw new DryRunUploadException("file", "give one file");
                header = await ReadHeaderAsync(section.Body, cancellationToken).ConfigureAwait(false);
            }
            else if (name is "callingAeTitle" or "calledAeTitle" or "sourceAddress" or "receivedAt" or "rules")
            {
                fields[name] = await ReadTextAsync(section.Body, name, cancellationToken).ConfigureAwait(false);
            }
            // Anything else is drained by the next ReadNextSectionAsync, unread.
        }
        if (header is null) throw new DryRunUploadException("file", "is required: a DICOM Part-10 file");

        DateTimeOffset? receivedAt = null;
        if (fields.TryGetValue("receivedAt", out var at) && !string.IsNullOrWhiteSpace(at))
        {
            if (!DateTimeOffset.TryParse(at.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                throw new DryRunUploadException("receivedAt", "is not an ISO 8601 time such as 2026-03-02T08:30:00Z");
            receivedAt = parsed;
        }
        IReadOnlyList<RoutingRule>? rules = null;
        if (fields.TryGetValue("rules", out var json) && !string.IsNullOrWhiteSpace(json))
        {
            try
            {
                rules = JsonSerializer.Deserialize<List<RoutingRule>>(json, RuleJson.Options);
            }
            catch (JsonException e)
            {
                throw new DryRunUploadException("rules", "is not a JSON array of rules: " + e.Message);
            }
        }
        return new DryRunUpload(new RoutingInput
        {
            CallingAeTitle = fields.GetValueOrDefault("callingAeTitle")?.Trim() ?? "",
            CalledAeTitle = fields.GetValueOrDefault("calledAeTitle")?.Trim() ?? "",
            RemoteAddress = fields.GetValueOrDefault("sourceAddress")?.Trim() is { Length: > 0 } address ? address : null,
            ReceivedAt = receivedAt ?? now,
            Header = header,
        }, rules);
    }

    /// <summary>
    /// Parses the file up to its pixel data. DicomKit parses synchronously over the stream; the caller allows
    /// synchronous reads of this request body (an administrator's dry run, not the ingest path).
    /// </summary>
    private static async Task<DicomDataset> ReadHeaderAsync(Stream file, CancellationToken cancellationToken)
    {
        // The preamble and prefix are checked before parsing: anything else would be read as a bare data set, and
        // garbage read that way can claim values of gigabytes.
        var start = new byte[132];
        var got = await file.ReadAtLeastAsync(start, start.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (got < start.Length || start[128] != 'D' || start[129] != 'I' || start[130] != 'C' || start[131] != 'M')
            throw new DryRunUploadException("file", "is not a DICOM Part-10 file (no \"DICM\" after a 128-byte preamble)");
        DicomFile parsed;
        try
        {
            parsed = DicomFile.Open(new PrefixedStream(start, file), DicomReadOptions.Default with { StopAtTag = PixelDataStart, SkipLargeBulkData = true });
        }
        catch (Exception e) when (e is DicomFormatException or EndOfStreamException or InvalidDataException or NotSupportedException or ArgumentException or
                                      OverflowException or FormatException or KeyNotFoundException)
        {
            throw new DryRunUploadException("file", "is not a readable DICOM file: " + e.Message);
        }
        if (parsed.Dataset.Count == 0) throw new DryRunUploadException("file", "holds no data set");
        return parsed.Dataset;
    }

    private static async Task<string> ReadTextAsync(Stream stream, string field, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
        var text = new StringBuilder();
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (text.Length + read > MaxFieldChars) throw new DryRunUploadException(field, $"is longer than {MaxFieldChars} characters");
            text.Append(buffer, 0, read);
        }
        return text.ToString();
    }
}
