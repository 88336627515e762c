using DicomGateway.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Routing;

/// <summary>
/// At start: on the first start of a database, inserts the rules of Routing:Rules (validated, in the order given, with
/// orders 10, 20, 30 ... leaving room to insert between them) and records 'routing.seeded', in one transaction; then
/// loads the rule snapshot. On later starts the configured rules are ignored: the database is the source of truth and
/// rules are changed there. An invalid configured rule stops the start, naming the rule and the field.
/// </summary>
public sealed partial class RoutingSeeder(IOptions<RoutingOptions> options, RuleStore store, RuleValidator validator, ILogger<RoutingSeeder> logger)
    : IHostedService
{
    /// <summary>Orders of seeded rules are this far apart.</summary>
    public const int OrderStep = 10;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var seeds = options.Value.Rules;
        var rules = new List<RoutingRule>(seeds.Count);
        var problems = new List<FieldError>();
        for (var i = 0; i < seeds.Count; i++)
        {
            var rule = seeds[i].ToRule((i + 1) * OrderStep);
            var prefix = $"{RoutingOptions.Section}:Rules:{i}:";
            problems.AddRange(validator.Validate(rule).Select(e => e with { Field = prefix + seeds[i].FieldOf(rule, e.Field) }));
            rules.Add(rule);
        }
        if (problems.Count > 0)
        {
            throw new RuleValidationException(
                $"The routing rules in configuration are not valid, so none were stored: {string.Join("; ", problems)}", problems);
        }

        if (await store.SeedAsync(rules, cancellationToken).ConfigureAwait(false)) LogSeeded(rules.Count);
        else if (rules.Count > 0) LogSeedIgnored(rules.Count);
        await store.LoadAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 4010, Level = LogLevel.Information, Message = "Routing rules seeded from configuration: {Count} rules")]
    private partial void LogSeeded(int count);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Information,
        Message = "Routing:Rules in configuration ({Count} rules) ignored: the database was seeded before and holds the rules now")]
    private partial void LogSeedIgnored(int count);
}
