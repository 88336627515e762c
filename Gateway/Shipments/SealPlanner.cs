using Dapper;
using DicomGateway.Database;
using DicomGateway.Forwarding;
using DicomGateway.Routing;
using DicomGateway.Storage;
using DicomGateway.Studies;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace DicomGateway.Shipments;

/// <summary>
/// Decides where a study goes. A follow-up generation (more instances of a study already sealed) goes where the
/// latest sealed generation went: to its recipients with the same terms, and to the same DICOM nodes. Any other study
/// is routed by the saved rules over its first instance's header. An administrator's directive overrides both.
/// </summary>
public sealed partial class SealPlanner(GatewayDatabase database, StudyStore studies, BlobStore blobs, RuleStore rules, ForwardQueue forwards,
    ILogger<SealPlanner> logger)
{
    public async Task<SealPlan> PlanAsync(Study study, StoredInstance first, StudyDataKey dataKey, SealDirective directive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(study);
        ArgumentNullException.ThrowIfNull(directive);
        switch (directive)
        {
            case SealDirective.AddressDirective a:
                return new SealPlan(RoutingDisposition.Act, [ShipmentTarget.From(a.Ship)], [], null);
            case SealDirective.DiscardDirective d:
                return new SealPlan(RoutingDisposition.Discard, [], [], new DiscardPlan(null, null, d.Reason));
        }
        if (study.Generation > 0 && await FollowUpAsync(study, cancellationToken).ConfigureAwait(false) is { } followUp) return followUp;

        var decision = await rules.EvaluateAsync(new RoutingInput
        {
            CallingAeTitle = study.CallingAeTitle,
            CalledAeTitle = study.CalledAeTitle,
            RemoteAddress = study.RemoteHost,
            ReceivedAt = study.FirstReceivedAt,
            Header = StudyReader.ReadHeader(blobs, first, dataKey),
        }, cancellationToken).ConfigureAwait(false);
        foreach (var warning in decision.Warnings) LogRoutingWarning(study.Id, warning);
        return decision.Disposition switch
        {
            RoutingDisposition.Act => new SealPlan(RoutingDisposition.Act, [.. decision.Ships.Where(s => s.Recipients.Count > 0).Select(ShipmentTarget.From)],
                decision.Forwards, null),
            RoutingDisposition.Discard => new SealPlan(RoutingDisposition.Discard, [], [], decision.Discard),
            _ => SealPlan.Held,
        };
    }

    /// <summary>The previous generation's shipments and forward destinations again, or null when it had none.</summary>
    private async Task<SealPlan?> FollowUpAsync(Study study, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (await studies.PreviousGenerationAsync(connection, study, cancellationToken).ConfigureAwait(false) is not { } previous) return null;
        var targets = await ShipmentsOfAsync(connection, previous).ConfigureAwait(false);
        var nodes = await forwards.DestinationsOfStudyAsync(connection, previous, cancellationToken).ConfigureAwait(false);
        return targets.Count > 0 || nodes.Count > 0 ? new SealPlan(RoutingDisposition.Act, targets, nodes, null) : null;
    }

    private static async Task<List<ShipmentTarget>> ShipmentsOfAsync(SqliteConnection connection, long studyId)
    {
        var previous = (await connection.QueryAsync<(long Id, long? RuleId, string? RuleName, long ExpiryDays, long? MaxDownloads, string? NotifyEmail,
            string? SenderName, string? SenderOrganisation)>(
            """
            SELECT id, rule_id, rule_name, expiry_days, max_downloads, notify_email, sender_name, sender_organisation
            FROM shipments WHERE study_id = @studyId ORDER BY id
            """, new { studyId }).ConfigureAwait(false)).ToList();
        var targets = new List<ShipmentTarget>(previous.Count);
        foreach (var p in previous)
        {
            var people = (await connection.QueryAsync<(string? Email, string? Phone, string Language)>(
                "SELECT email, phone, language FROM recipients WHERE shipment_id = @Id ORDER BY id", new { p.Id }).ConfigureAwait(false)).ToList();
            targets.Add(new ShipmentTarget(p.RuleId, p.RuleName, (int)p.ExpiryDays, (int?)p.MaxDownloads, p.NotifyEmail, p.SenderName, p.SenderOrganisation, people));
        }
        return targets;
    }

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "Routing study {StudyId}: {Warning}")]
    private partial void LogRoutingWarning(long studyId, string warning);
}
