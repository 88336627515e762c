using DicomGateway.Hosting;
using DicomGateway.Notifications;
using DicomGateway.Routing;
using DicomGateway.Studies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DicomGateway.Shipments;

public static class ShipmentsServiceCollectionExtensions
{
    /// <summary>
    /// Registers sealing, the recipient's access and the lifecycle (start-up repair, expiry and
    /// erasure), bound to the "Shipments" section. Register before the DICOM listener, so that the repair runs
    /// before the first instance is taken.
    /// </summary>
    public static IServiceCollection AddShipments(this IServiceCollection services)
    {
        services.AddValidatedOptions<ShipmentOptions>(ShipmentOptions.Section, o => o.Validate());
        services.TryAddSingleton(TimeProvider.System);
        services.AddValidatedOptions<RecipientLinkOptions>(RecipientLinkOptions.Section, o => o.Validate());
        services.AddStudies();
        services.AddSingleton<SealPlanner>();
        services.AddSingleton<SealWriter>();
        services.AddSingleton<ShipmentSealer>();
        services.AddSingleton<ShipmentSweeper>();
        services.AddSingleton<ShipmentLookup>();
        services.AddSingleton<ShipmentQueries>();
        services.AddMetricsSource<ShipmentMetrics>();
        services.AddSingleton<ShipmentStatistics>();
        // The notification queue learns about the shipments it announces from here.
        services.AddSingleton<INotifiedShipments>(sp => sp.GetRequiredService<ShipmentLookup>());
        services.AddSingleton<StoredRecipientSecrets>();
        services.AddSingleton<RecipientAccess>();
        services.AddSingleton<ShipmentAdministration>();
        services.AddSingleton<HeldStudies>();
        services.AddSingleton<StudyHeaders>();
        // Replaces routing's default, which reads nothing.
        services.AddSingleton<IStudyHeaders>(sp => sp.GetRequiredService<StudyHeaders>());
        services.AddSingleton<IAdminEndpoints, HeldEndpoints>();
        // Before anything reads a recipient's secrets: rows stored in the earlier form are rewritten first.
        services.AddHostedService<RecipientSecretsUpgrade>();
        services.AddHostedService<LifecycleService>();
        services.AddHostedService<SealingService>();
        return services;
    }
}
