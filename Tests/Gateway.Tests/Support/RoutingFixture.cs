using DicomGateway.AddressBook;
using DicomGateway.Audit;
using DicomGateway.Database;
using DicomGateway.Notifications;
using DicomGateway.Routing;
using Gateway.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Support;

/// <summary>A database with a rule store, a contact store, an audit trail and a node directory that knows node 2 ("ARCHIVE").</summary>
internal sealed class RoutingFixture : IDisposable
{
    public const string Admin = "admin.novak";

    private readonly TestDatabase _db = new();

    public RoutingFixture(RoutingOptions? options = null)
    {
        Options = options ?? new RoutingOptions { TimeZone = "UTC" };
        Audit = new AuditTrail(_db.Database, Clock);
        Contacts = NewContacts(_db.Database);
        Rules = NewRules(_db.Database, Contacts);
    }

    public ManualClock Clock { get; } = new(new DateTimeOffset(2026, 1, 5, 8, 0, 0, TimeSpan.Zero));

    public RoutingOptions Options { get; }

    public AuditTrail Audit { get; }

    public ContactStore Contacts { get; }

    public RuleStore Rules { get; }

    public Nodes NodeDirectory { get; } = new();

    public GatewayDatabase Database => _db.Database;

    public GatewayDatabase Reopen() => _db.Reopen();

    public ContactStore NewContacts(GatewayDatabase database) =>
        new(database, new PhoneNumberNormalizer(Microsoft.Extensions.Options.Options.Create(new SmsOptions { DefaultRegion = "CZ" })), new RuleContactReferences(), new AuditTrail(database, Clock), Clock,
            NullLogger<ContactStore>.Instance);

    public RuleStore NewRules(GatewayDatabase database, ContactStore contacts, RoutingOptions? options = null) =>
        new(database, new RuleValidator(new PermissivePhoneNumberValidator()), contacts, NodeDirectory, new AuditTrail(database, Clock), Clock,
            Microsoft.Extensions.Options.Options.Create(options ?? Options), NullLogger<RuleStore>.Instance);

    public async Task<IReadOnlyList<AuditRecord>> AuditRecordsAsync() => await Audit.QueryAsync(new AuditQuery(), CancellationToken.None);

    public void Dispose() => _db.Dispose();

    public sealed class Nodes : INodeDirectory
    {
        public Dictionary<long, ForwardNode> Known { get; } = new() { [2] = new ForwardNode(2, "ARCHIVE", "ARCHIVE", "pacs.example", 104) };

        public Task<ForwardNode?> GetForwardDestinationAsync(long nodeId, CancellationToken cancellationToken) => Task.FromResult(Known.GetValueOrDefault(nodeId));
    }
}
