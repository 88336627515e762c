using DicomGateway.Database;
using DicomGateway.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Support;

/// <summary>A fresh data directory with a gateway database in it; <see cref="Reopen"/> is a restart on the same file.</summary>
public sealed class TestDatabase : IDisposable
{
    private readonly TempDirectory _root = new("gw-db-");

    public TestDatabase() => Database = Reopen();

    public GatewayDatabase Database { get; }

    /// <summary>A new <see cref="GatewayDatabase"/> over the same file, as a restarted gateway would have.</summary>
    public GatewayDatabase Reopen()
    {
        var storage = Options.Create(new StorageOptions { DataDirectory = "data" });
        return new GatewayDatabase(Options.Create(new DatabaseOptions()), new StoragePaths(storage, new TestHostEnvironment(_root.Path)), NullLogger<GatewayDatabase>.Instance);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _root.Dispose();
    }
}
