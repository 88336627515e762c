using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DicomGateway.Routing;

public static class RoutingServiceCollectionExtensions
{
    /// <summary>
    /// Registers routing rules bound to the "Routing" section: the store, the validator and the seeding step. Requires
    /// the database (<c>AddGatewayDatabase</c>). Call before <c>AddDicomIngest</c>, so that the rules are loaded before the
    /// listener accepts associations. The phone number check is a permissive default until notifications replace it.
    /// </summary>
    public static IServiceCollection AddRoutingRules(this IServiceCollection services)
    {
        services.AddOptions<RoutingOptions>().BindConfiguration(RoutingOptions.Section)
            .Validate(o => o.DefaultLanguage is not null && RuleValidator.Languages.Contains(o.DefaultLanguage), "Routing:DefaultLanguage must be cs, pl or en")
            .Validate(o => o.DefaultExpiryDays is >= RuleValidator.MinExpiryDays and <= RuleValidator.MaxExpiryDays, "Routing:DefaultExpiryDays must be from 1 to 365")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IPhoneNumberValidator, PermissivePhoneNumberValidator>();
        services.AddSingleton<RuleValidator>();
        services.AddSingleton<RuleStore>();
        services.AddHostedService<RoutingSeeder>();
        return services;
    }
}
