using DicomGateway.AddressBook;
using DicomGateway.Administration;
using DicomGateway.Audit;
using DicomGateway.Crypto;
using DicomGateway.Database;
using DicomGateway.Forwarding;
using DicomGateway.Health;
using DicomGateway.Hosting;
using DicomGateway.Ingest;
using DicomGateway.Metrics;
using DicomGateway.Nodes;
using DicomGateway.Notifications;
using DicomGateway.Routing;
using DicomGateway.Shipments;
using DicomGateway.Storage;
using DicomGateway.Studies;
using DicomGateway.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using NLog.Extensions.Logging;

// "backup <target-dir> [--Setting value ...]" runs a command with the gateway's settings instead of the gateway (docs/backup.md).
var backup = args is [GatewayBackup.Command, ..];
string[] backupArguments = backup ? [.. args.Skip(1).TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal))] : [];
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    // Settings are read once at start. Reloading appsettings.json on change would put a recursive file watcher on
    // the content root, which holds data/ by default: it would be woken by every blob written (see ContentRoot).
    Args = [$"--{ContentRoot.ReloadConfigOnChangeKey}=false", .. backup ? args.Skip(1 + backupArguments.Length) : args],
    ContentRootPath = ContentRoot.Locate(),
    // The viewer's files are copied beside the executable at build time, whatever the content root is.
    WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
});
builder.UseSystemdWhenNotified();
builder.Logging.ClearProviders();
builder.Logging.AddNLog(builder.Configuration);
builder.WebHost.UseUrls((builder.Configuration["Web:Urls"] ?? new WebOptions().Urls).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

builder.Services.AddInstanceStorage();
builder.Services.AddGatewayDatabase();
builder.Services.AddGatewayCrypto();
builder.Services.AddAudit();
builder.Services.AddStudies();
builder.Services.AddRoutingRules();
builder.Services.AddAddressBook();
builder.Services.AddNotifications();
builder.Services.AddShipments();
builder.Services.AddNodes();
builder.Services.AddForwarding();
builder.Services.AddDicomIngest();
builder.Services.AddHealth();
builder.Services.AddGatewayWeb();
builder.Services.AddAdministration();
builder.Services.AddGatewayMetrics();

var app = builder.Build();
if (backup) return await GatewayBackup.RunAsync(app.Services, backupArguments, CancellationToken.None);
// The gateway key is found and checked against the database before any service touches the data directory.
if (!app.Services.OpenGatewayKey()) return 1;
app.UseGatewayMetrics();
app.UseGatewayWeb();
await app.RunAsync();
return 0;
