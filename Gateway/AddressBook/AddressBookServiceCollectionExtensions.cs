using DicomGateway.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DicomGateway.AddressBook;

public static class AddressBookServiceCollectionExtensions
{
    /// <summary>
    /// Registers the address book: the contact store (also used by routing, which registers it too if it runs first)
    /// and its admin endpoints. Requires the database and the audit trail; phone numbers are normalised as the SMS
    /// sender wants them (Sms:DefaultRegion).
    /// </summary>
    public static IServiceCollection AddAddressBook(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddPhoneNumbers();
        services.TryAddSingleton<IContactReferences, NoContactReferences>();
        services.TryAddSingleton<ContactStore>();
        services.AddSingleton<IAdminEndpoints, ContactEndpoints>();
        return services;
    }
}
