namespace DicomGateway.Hosting;

/// <summary>One field of a request or a stored definition at fault, as the administration API reports it.</summary>
public sealed record FieldError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";

    /// <summary>The errors keyed by field, the shape of the API's "errors" object.</summary>
    public static IDictionary<string, string[]> Group(IEnumerable<FieldError> errors) =>
        errors.GroupBy(e => e.Field, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray(), StringComparer.Ordinal);
}
