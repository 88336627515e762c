using Dapper;
using DicomGateway.Database;

namespace DicomGateway.Shipments;

/// <summary>Read-only answers about shipments and their recipients for reports kept elsewhere (the disclosure report).</summary>
public sealed class ShipmentLookup(GatewayDatabase database)
{
    /// <summary>A shipment's reference and its recipients (id and e-mail), recipients in the order they were addressed.</summary>
    public sealed record Addressed(long Id, string Reference, IReadOnlyList<(long Id, string? Email)> Recipients);

    /// <summary>The shipments made of any of <paramref name="studyIds"/>.</summary>
    public async Task<IReadOnlyList<long>> IdsOfStudiesAsync(IReadOnlyCollection<long> studyIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(studyIds);
        if (studyIds.Count == 0) return [];
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return [.. await connection.QueryAsync<long>(new CommandDefinition(
            "SELECT id FROM shipments WHERE study_id IN @ids", new { ids = studyIds.ToArray() }, cancellationToken: cancellationToken)).ConfigureAwait(false)];
    }

    /// <summary>The shipments among <paramref name="shipmentIds"/> that exist, by id.</summary>
    public async Task<IReadOnlyDictionary<long, Addressed>> AddressedAsync(IReadOnlyCollection<long> shipmentIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shipmentIds);
        if (shipmentIds.Count == 0) return new Dictionary<long, Addressed>();
        var ids = shipmentIds.Distinct().ToArray();
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var shipments = await connection.QueryAsync<(long Id, string Reference)>(new CommandDefinition(
            "SELECT id, reference FROM shipments WHERE id IN @ids", new { ids }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var recipients = (await connection.QueryAsync<(long Id, long ShipmentId, string? Email)>(new CommandDefinition(
            "SELECT id, shipment_id, email FROM recipients WHERE shipment_id IN @ids ORDER BY id", new { ids }, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .ToLookup(r => r.ShipmentId, r => (r.Id, r.Email));
        return shipments.ToDictionary(s => s.Id, s => new Addressed(s.Id, s.Reference, [.. recipients[s.Id]]));
    }

    /// <summary>Recipients by id (for an event naming one recipient), with their e-mail.</summary>
    public async Task<IReadOnlyDictionary<long, string?>> RecipientEmailsAsync(IReadOnlyCollection<long> recipientIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recipientIds);
        if (recipientIds.Count == 0) return new Dictionary<long, string?>();
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<(long Id, string? Email)>(new CommandDefinition(
            "SELECT id, email FROM recipients WHERE id IN @ids", new { ids = recipientIds.Distinct().ToArray() }, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .ToDictionary(r => r.Id, r => r.Email);
    }
}
