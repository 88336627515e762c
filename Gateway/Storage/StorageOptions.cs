namespace DicomGateway.Storage;

/// <summary>Where received instances are kept. Bound from the "Storage" section of appsettings.json.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>
    /// Root of everything the gateway stores. Relative paths are resolved against the directory that holds
    /// appsettings.json, so `dotnet run --project Gateway` from the repository root uses ./data.
    /// </summary>
    public string DataDirectory { get; set; } = "data";
}
