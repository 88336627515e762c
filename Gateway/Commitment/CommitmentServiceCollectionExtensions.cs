using DicomGateway.Studies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DicomGateway.Commitment;

public static class CommitmentServiceCollectionExtensions
{
    /// <summary>
    /// Registers the Storage Commitment Push Model SCP (table <c>storage_commitments</c>): the store, the evaluator over
    /// the study index and the handler the DICOM listener is given. Requires the database, the gateway key and the audit trail.
    /// </summary>
    public static IServiceCollection AddStorageCommitment(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddStudies();
        services.TryAddSingleton<CommitmentStore>();
        services.TryAddSingleton<CommitmentEvaluator>();
        services.TryAddSingleton<StorageCommitmentScp>();
        return services;
    }
}
