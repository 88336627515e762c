using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DicomGateway.Storage;

/// <summary>The data directory resolved once: relative paths are taken from the content root (where appsettings.json is).</summary>
public sealed class StoragePaths(IOptions<StorageOptions> options, IHostEnvironment environment)
{
    public string DataDirectory { get; } = Path.GetFullPath(Path.Combine(environment.ContentRootPath, options.Value.DataDirectory));
}
