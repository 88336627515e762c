namespace DicomGateway.Database;

/// <summary>The index database. Bound from the "Database" section of appsettings.json.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>The SQLite file; a relative path is taken from the data directory.</summary>
    public string Path { get; set; } = "gateway.db";
}
