// TEMPORARY: the shapes the routing and forwarding branches deliver; deleted when they are merged.
#pragma warning disable CS1591
namespace DicomGateway.Forwarding
{
    public sealed class ForwardQueue
    {
        public Task<long> EnqueueAsync(Microsoft.Data.Sqlite.SqliteConnection connection, Microsoft.Data.Sqlite.SqliteTransaction transaction, long studyId, long nodeId, long? ruleId, string? ruleName, CancellationToken ct) => Task.FromResult(0L);
        public void Wake() { }
    }
}
