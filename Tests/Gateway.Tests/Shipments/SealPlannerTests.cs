using System.Security.Cryptography;
using Dapper;
using DicomGateway.Crypto;
using DicomGateway.Routing;
using DicomGateway.Shipments;
using DicomGateway.Storage;
using DicomGateway.Studies;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Gateway.Tests.Support.Headers;

namespace Gateway.Tests.Shipments;

/// <summary>
/// The planner over a real index, real encrypted blobs and the saved rules: a follow-up generation is routed like a new
/// study (never to the earlier generation's recipients by default), and one from a sender other than the study's
/// original sender is held, whatever the rules say, until an administrator routes it.
/// </summary>
public sealed class SealPlannerTests : IDisposable
{
    private const string Original = "CT1";
    private const string OriginalAddress = "10.0.0.5";
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly RoutingFixture _f = new();
    private readonly TestSecretProtector _protector = new();
    private readonly TempDirectory _dir = new("dgw-planner-");
    private readonly BlobStore _blobs;
    private readonly StudyStore _studies;
    private readonly SealPlanner _planner;
    private readonly byte[] _studyKey = RandomNumberGenerator.GetBytes(32);

    public SealPlannerTests()
    {
        var storage = Options.Create(new StorageOptions { DataDirectory = _dir.Path, FlushToDisk = false });
        _blobs = new BlobStore(storage, new StoragePaths(storage, new TestHostEnvironment(_dir.Path)), NullLogger<BlobStore>.Instance);
        _studies = new StudyStore(_f.Database, _protector);
        _planner = new SealPlanner(_f.Database, _studies, _blobs, _f.Rules, NullLogger<SealPlanner>.Instance);
    }

    public void Dispose()
    {
        _f.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_follow_up_from_the_original_sender_goes_where_the_rules_say_not_to_the_earlier_recipients()
    {
        await AddRuleAsync(Rule("CT1 to Dr. Z", conditions: [Calling(Original)], actions: Ship("z@example.org")));
        await SealedFirstGenerationAsync(shippedTo: "old@example.org");
        var followUp = await GenerationAsync(1, Original, OriginalAddress);

        var plan = await PlanAsync(followUp);

        plan.Disposition.Should().Be(RoutingDisposition.Act);
        plan.Ships.Should().ContainSingle().Which.Should().Match<ShipmentTarget>(t => t.RuleName == "CT1 to Dr. Z");
        plan.Ships.SelectMany(t => t.Recipients).Select(r => r.Email).Should().Equal("z@example.org");
        plan.SenderMismatch.Should().BeNull();
    }

    [Fact]
    public async Task A_follow_up_no_rule_addresses_is_held_for_an_administrator_even_though_the_earlier_generation_was_shipped()
    {
        await AddRuleAsync(Rule("MR only", conditions: [Attribute("Modality", ConditionOp.Equal, "MR")], actions: Ship("mr@example.org")));
        await SealedFirstGenerationAsync(shippedTo: "old@example.org");
        var followUp = await GenerationAsync(1, Original, OriginalAddress);

        var plan = await PlanAsync(followUp);

        plan.Disposition.Should().Be(RoutingDisposition.Held);
        plan.HoldReason.Should().Be(HoldReason.NoRule);
        plan.Ships.Should().BeEmpty();
    }

    [Fact]
    public async Task A_follow_up_the_rules_hold_or_discard_is_held_or_discarded_as_they_say()
    {
        var holdId = await AddRuleAsync(Rule("hold CT1", order: 10, conditions: [Calling(Original)], actions: new HoldAction()));
        await SealedFirstGenerationAsync(shippedTo: "old@example.org");
        var followUp = await GenerationAsync(1, Original, OriginalAddress);

        var held = await PlanAsync(followUp);
        held.Disposition.Should().Be(RoutingDisposition.Held);
        held.HoldReason.Should().Be(HoldReason.Rule);

        await _f.Rules.DeleteAsync(holdId, RoutingFixture.Admin, None);
        await AddRuleAsync(Rule("discard CT1", order: 20, conditions: [Calling(Original)], actions: new DiscardAction { Reason = "phantom" }));
        var discarded = await PlanAsync(followUp);
        discarded.Disposition.Should().Be(RoutingDisposition.Discard);
        discarded.Discard!.Reason.Should().Be("phantom");
    }

    [Theory]
    [InlineData("INTRUDER", OriginalAddress, "another calling AE title")]
    [InlineData("ct1", OriginalAddress, "AE titles are compared exactly, case included")]
    [InlineData("CT1 ", OriginalAddress, "AE titles are compared exactly, spaces included")]
    [InlineData(Original, "10.0.0.6", "another address")]
    [InlineData(Original, null, "no address: nothing shows it is the same sender")]
    [InlineData(Original, "", "an empty address")]
    [InlineData(Original, "scanner.example.org", "a name, not an address")]
    [InlineData(Original, "10.0.0.5.7", "not an address")]
    [InlineData(Original, "10.5", "a shorthand no listener reports")]
    public async Task A_follow_up_from_another_sender_is_held_whatever_the_rules_say(string callingAe, string? address, string because)
    {
        await AddRuleAsync(Rule("everything to Dr. Z", actions: Ship("z@example.org")));
        await SealedFirstGenerationAsync(shippedTo: "old@example.org");
        var followUp = await GenerationAsync(1, callingAe, address);

        var plan = await PlanAsync(followUp);

        plan.Disposition.Should().Be(RoutingDisposition.Held, because);
        plan.HoldReason.Should().Be(HoldReason.SenderChanged);
        plan.Ships.Should().BeEmpty();
        plan.SenderMismatch!.Original.Should().Be(new StudySender(Original, OriginalAddress));
        plan.SenderMismatch.Others.Should().Equal(new StudySender(callingAe, address));
    }

    [Theory]
    [InlineData(OriginalAddress)]
    [InlineData("10.0.0.5:40412")]
    [InlineData("::ffff:10.0.0.5")]
    [InlineData("[::ffff:10.0.0.5]:104")]
    [InlineData(" 10.0.0.5 ")]
    public async Task The_original_senders_address_is_recognised_in_any_form_a_listener_reports_it(string address)
    {
        await AddRuleAsync(Rule("everything to Dr. Z", actions: Ship("z@example.org")));
        await SealedFirstGenerationAsync(shippedTo: "old@example.org");
        var followUp = await GenerationAsync(1, Original, address);

        (await PlanAsync(followUp)).Disposition.Should().Be(RoutingDisposition.Act);
    }

    [Fact]
    public async Task A_follow_up_that_the_original_sender_opened_but_another_sender_added_to_is_held()
    {
        await AddRuleAsync(Rule("everything to Dr. Z", actions: Ship("z@example.org")));
        await SealedFirstGenerationAsync(shippedTo: "old@example.org");
        var followUp = await GenerationAsync(1, Original, OriginalAddress, instances: [(Original, OriginalAddress), ("INTRUDER", "10.0.0.66")]);

        var plan = await PlanAsync(followUp);

        plan.HoldReason.Should().Be(HoldReason.SenderChanged);
        plan.SenderMismatch!.Others.Should().Equal(new StudySender("INTRUDER", "10.0.0.66"));
    }

    [Fact]
    public async Task The_original_sender_is_the_first_generations_not_the_latest_ones()
    {
        await AddRuleAsync(Rule("everything to Dr. Z", actions: Ship("z@example.org")));
        await SealedFirstGenerationAsync(shippedTo: "old@example.org");
        // A second generation from elsewhere, addressed by an administrator: it does not make its sender the study's.
        await GenerationAsync(1, "PACS", "10.0.0.9", state: StudyState.Sealed);
        var followUp = await GenerationAsync(2, "PACS", "10.0.0.9");

        (await PlanAsync(followUp)).HoldReason.Should().Be(HoldReason.SenderChanged);
    }

    [Fact]
    public async Task The_first_generation_from_any_sender_and_an_administrator_routing_a_held_follow_up_again_follow_the_rules()
    {
        await AddRuleAsync(Rule("everything to Dr. Z", actions: Ship("z@example.org")));
        var first = await GenerationAsync(0, "ANYONE", null, state: StudyState.Sealed);
        (await PlanAsync(first)).Disposition.Should().Be(RoutingDisposition.Act, "a new study has no earlier sender to differ from");

        var followUp = await GenerationAsync(1, "INTRUDER", "10.0.0.66");
        (await PlanAsync(followUp)).HoldReason.Should().Be(HoldReason.SenderChanged, "ANYONE is the original sender now");
        var routed = await PlanAsync(followUp, new SealActor("admin.novak", "10.1.1.1"));
        routed.Disposition.Should().Be(RoutingDisposition.Act, "the administrator has seen who sent it and decided");
    }

    private async Task<long> AddRuleAsync(RoutingRule rule) => await _f.Rules.AddAsync(rule, RoutingFixture.Admin, None);

    private async Task<SealPlan> PlanAsync(Study study, SealActor? actor = null)
    {
        var instances = await _studies.InstancesAsync(study.Id, None);
        using var dataKey = _studies.LendKey(study);
        return await _planner.PlanAsync(study, instances[0], dataKey, SealDirective.Route, actor, None);
    }

    /// <summary>Generation 0 from CT1 at 10.0.0.5, sealed into a shipment to <paramref name="shippedTo"/>.</summary>
    private async Task SealedFirstGenerationAsync(string shippedTo)
    {
        var study = await GenerationAsync(0, Original, OriginalAddress, state: StudyState.Sealed);
        await using var connection = await _f.Database.OpenAsync();
        var shipmentId = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO shipments (reference, study_id, rule_id, rule_name, state, created_at, expires_at)
            VALUES ('OLD0-0001', @Id, 1, 'the old rule', 'active', 1, 2) RETURNING id
            """, new { study.Id });
        await connection.ExecuteAsync("INSERT INTO recipients (shipment_id, email, language, token_hash) VALUES (@shipmentId, @shippedTo, 'en', randomblob(32))",
            new { shipmentId, shippedTo });
    }

    /// <summary>
    /// A generation of the study opened by <paramref name="callingAe"/> at <paramref name="address"/>, with one real
    /// encrypted CT instance per entry of <paramref name="instances"/> (by default one, from the same sender).
    /// </summary>
    private async Task<Study> GenerationAsync(int generation, string callingAe, string? address, StudyState state = StudyState.Receiving,
        (string CallingAe, string? Address)[]? instances = null)
    {
        var dataKey = RandomNumberGenerator.GetBytes(32);
        await using var connection = await _f.Database.OpenAsync();
        var id = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO studies (study_key, generation, state, wrapped_key, calling_ae, called_ae, remote_host, patient_ref, first_received_at, last_received_at)
            VALUES (@_studyKey, @generation, @state, @wrapped, @callingAe, 'KARDIO', @address, randomblob(32), 1, 2) RETURNING id
            """, new { _studyKey, generation, state = state.Name(), wrapped = _protector.Protect(CryptoPurposes.Protect.StudyDataKey, dataKey), callingAe, address });
        var ordinal = 0;
        foreach (var (sender, from) in instances ?? [(callingAe, address)])
        {
            ordinal++;
            var file = Instances.Write(Directory.CreateDirectory(Path.Combine(_dir.Path, "in", $"{id}")).FullName, ordinal);
            var plaintext = await File.ReadAllBytesAsync(file);
            var blob = BlobStore.NewId();
            await File.WriteAllBytesAsync(_blobs.PathOf(blob), await Blobs.EncryptAsync(plaintext, SegmentedBlob.DefaultSegmentSize, (uint)ordinal, dataKey));
            await connection.ExecuteAsync("""
                INSERT INTO instances (study_id, instance_key, content_hash, ordinal, blob, plaintext_length, ciphertext_length, calling_ae, remote_host, received_at)
                VALUES (@id, randomblob(32), randomblob(32), @ordinal, @blob, @length, 0, @sender, @from, 2)
                """, new { id, ordinal, blob, length = plaintext.Length, sender, from });
        }
        return (await _studies.FindAsync(id, None))!;
    }
}
