using DicomGateway.Database;
using DicomGateway.Storage;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Support;

/// <summary>A fresh data directory with a gateway database in it; <see cref="Reopen"/> is a restart on the same file.</summary>
public sealed class TestDatabase : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("gw-db-").FullName;

    public TestDatabase() => Database = Reopen();

    public GatewayDatabase Database { get; }

    /// <summary>A new <see cref="GatewayDatabase"/> over the same file, as a restarted gateway would have.</summary>
    public GatewayDatabase Reopen()
    {
        var storage = Options.Create(new StorageOptions { DataDirectory = "data" });
        return new GatewayDatabase(Options.Create(new DatabaseOptions()), new StoragePaths(storage, new Env(_root)), NullLogger<GatewayDatabase>.Instance);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }

    private sealed class Env(string root) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Test";
        public string ApplicationName { get; set; } = "Gateway.Tests";
        public string ContentRootPath { get; set; } = root;
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}

/// <summary>A clock that stands still until told to move.</summary>
public sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}
