using DicomGateway.AddressBook;
using DicomGateway.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DicomGateway.Routing;

public static class RoutingServiceCollectionExtensions
{
    /// <summary>
    /// Registers routing rules bound to the "Routing" section: the store, the validator, the seeding step and the
    /// admin endpoints. Requires the database (<c>AddGatewayDatabase</c>) and the audit trail (<c>AddAudit</c>). Call
    /// before <c>AddDicomIngest</c>, so that the rules are loaded before the listener accepts associations. Until the
    /// node registry and the study reader register theirs, no node exists and no study can be read for a dry run.
    /// </summary>
    public static IServiceCollection AddRoutingRules(this IServiceCollection services)
    {
        services.AddOptions<RoutingOptions>().BindConfiguration(RoutingOptions.Section)
            .Validate(o => o.DefaultLanguage is not null && Addressing.Languages.Contains(o.DefaultLanguage), "Routing:DefaultLanguage must be cs, pl or en")
            .Validate(o => o.DefaultExpiryDays is >= RuleValidator.MinExpiryDays and <= RuleValidator.MaxExpiryDays, "Routing:DefaultExpiryDays must be from 1 to 365")
            .Validate(o => o.TimeZoneIsKnown(), "Routing:TimeZone is not a time zone of this machine (e.g. Europe/Prague)")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IPhoneNumberValidator, PermissivePhoneNumberValidator>();
        services.TryAddSingleton<INodeDirectory, NoNodeDirectory>();
        services.TryAddSingleton<IStudyHeaders, NoStudyHeaders>();
        // Rules name contacts; the address book's store is shared with AddAddressBook, whichever runs first.
        services.AddPhoneNumbers();
        services.AddSingleton<IContactReferences, RuleContactReferences>();
        services.TryAddSingleton<ContactStore>();
        services.AddSingleton<RuleValidator>();
        services.AddSingleton<RuleStore>();
        services.AddHostedService<RoutingSeeder>();
        services.AddSingleton<IAdminEndpoints, RuleEndpoints>();
        return services;
    }
}
