using DicomGateway.Database;
using Microsoft.Extensions.Hosting;

namespace DicomGateway.Shipments;

/// <summary>At start, before the web host answers an unlock: recipients' secrets stored in the earlier form are rewritten (<see cref="StoredRecipientSecrets.UpgradeAsync"/>).</summary>
public sealed class RecipientSecretsUpgrade(StoredRecipientSecrets stored, GatewayDatabase database) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => stored.UpgradeAsync(database, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
