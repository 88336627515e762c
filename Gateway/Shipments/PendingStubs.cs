// TEMPORARY: the shapes the routing and forwarding branches deliver; deleted when they are merged.
#pragma warning disable CS1591
namespace DicomGateway.Routing
{
    public enum RoutingDisposition { Act, Held, Discard }
    public sealed record PlannedRecipient(string? Email, string? Phone, string Language, long? ContactId);
    public sealed record ShipPlan(long? RuleId, string? RuleName, IReadOnlyList<PlannedRecipient> Recipients, int ExpiryDays, int? MaxDownloads, string? NotifyEmail, string? SenderName, string? SenderOrganisation);
    public sealed record ForwardPlan(long? RuleId, string? RuleName, long NodeId);
    public sealed record DiscardPlan(long? RuleId, string? RuleName, string? Reason);
    public sealed record StubDecision(IReadOnlyList<ShipPlan> Ships, IReadOnlyList<ForwardPlan> Forwards, DiscardPlan? Discard, RoutingDisposition Disposition, IReadOnlyList<string> Warnings);
}
namespace DicomGateway.Forwarding
{
    public sealed class ForwardQueue
    {
        public Task<long> EnqueueAsync(Microsoft.Data.Sqlite.SqliteConnection connection, Microsoft.Data.Sqlite.SqliteTransaction transaction, long studyId, long nodeId, long? ruleId, string? ruleName, CancellationToken ct) => Task.FromResult(0L);
        public void Wake() { }
    }
}
