using DicomGateway.Hosting;
using DicomGateway.Ingest;
using DicomGateway.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NLog.Extensions.Logging;

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,
    ContentRootPath = ContentRoot.Locate(),
});
builder.Logging.ClearProviders();
builder.Logging.AddNLog(builder.Configuration);

builder.Services.AddInstanceStorage();
builder.Services.AddDicomIngest();

using var host = builder.Build();
await host.RunAsync();
