using DicomGateway.Hosting;
using DicomGateway.Studies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DicomGateway.Commitment;

public static class CommitmentServiceCollectionExtensions
{
    /// <summary>
    /// Registers the Storage Commitment Push Model SCP (table <c>storage_commitments</c>): the store, the evaluator over
    /// the study index, the handler the DICOM listener is given, and the worker that delivers reports on new associations. Requires the database, the gateway key, the audit trail and the node registry (AddNodes).
    /// </summary>
    public static IServiceCollection AddStorageCommitment(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddStudies();
        services.TryAddSingleton<CommitmentStore>();
        services.TryAddSingleton<CommitmentEvaluator>();
        services.TryAddSingleton<CommitmentCompletion>();
        services.TryAddSingleton<StorageCommitmentScp>();
        services.AddValidatedOptions<StorageCommitmentOptions>(StorageCommitmentOptions.SectionName, o => o.Validate().Select(p => "Dicom:StorageCommitment: " + p));
        services.AddHostedService<CommitmentDelivery>();
        return services;
    }
}
