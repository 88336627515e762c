using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;

namespace Gateway.Tests.Support;

/// <summary>A host environment rooted at a test's data directory, as the gateway's services read it.</summary>
internal sealed class TestHostEnvironment(string root) : IHostEnvironment
{
    public string EnvironmentName { get; set; } = "Test";
    public string ApplicationName { get; set; } = "Gateway.Tests";
    public string ContentRootPath { get; set; } = root;
    public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
}
