using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PhoneNumbers;

namespace DicomGateway.AddressBook;

/// <summary>
/// The part of the "Sms" section that phone numbers are read with. The address book normalises numbers as the SMS
/// sender will dial them, so it reads the same key as the sender's options (which extend this class and check it).
/// </summary>
public class PhoneNumberOptions
{
    public const string Section = "Sms";

    /// <summary>ISO 3166 region for numbers written without a country code ("603 000 000" is +420 603 000 000 for CZ).</summary>
    public string DefaultRegion { get; set; } = "CZ";
}

/// <summary>
/// Phone numbers as the SMS provider wants them: E.164 ("+420603000000"). A number written without a country code
/// is read in Sms:DefaultRegion. The address book stores numbers so normalised, routing accepts a recipient's number
/// only if it can receive the code, and notifications send to the normalised form. Named so, not "PhoneNumbers",
/// because that is libphonenumber's namespace.
/// </summary>
public sealed class PhoneNumberNormalizer
{
    /// <summary>Why a number is refused, as an administrator is shown it beside the field.</summary>
    public const string NotAMobileNumber = "is not a mobile number that can receive SMS (E.164 such as +420603000000, or a number local to Sms:DefaultRegion)";

    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();
    private readonly string _defaultRegion;

    public PhoneNumberNormalizer(IOptions<PhoneNumberOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _defaultRegion = options.Value.DefaultRegion;
    }

    /// <summary>True, with the E.164 form, for a valid number that can take an SMS; false for anything else.</summary>
    public bool TryNormalize(string? input, out string e164) => TryNormalize(input, _defaultRegion, out e164);

    /// <summary>Whether this can be a recipient's phone number.</summary>
    public bool IsValid(string? input) => TryNormalize(input, out _);

    public static bool TryNormalize(string? input, string defaultRegion, out string e164)
    {
        e164 = "";
        if (string.IsNullOrWhiteSpace(input) || input.Length > 64) return false;
        PhoneNumber number;
        try
        {
            number = Util.Parse(input, defaultRegion);
        }
        catch (NumberParseException)
        {
            return false;
        }
        if (!Util.IsValidNumber(number)) return false;
        // Numbers that cannot receive a text message are refused here rather than failing at the provider.
        switch (Util.GetNumberType(number))
        {
            case PhoneNumberType.MOBILE:
            case PhoneNumberType.FIXED_LINE_OR_MOBILE:
            case PhoneNumberType.PERSONAL_NUMBER:
            case PhoneNumberType.VOIP:
                e164 = Util.Format(number, PhoneNumberFormat.E164);
                return true;
            default:
                return false;
        }
    }
}

public static class PhoneNumberServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="PhoneNumberNormalizer"/> bound to Sms:DefaultRegion, once, whichever of the address book,
    /// routing and notifications asks first.
    /// </summary>
    public static IServiceCollection AddPhoneNumbers(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(PhoneNumberNormalizer))) return services;
        services.AddOptions<PhoneNumberOptions>().BindConfiguration(PhoneNumberOptions.Section);
        services.AddSingleton<PhoneNumberNormalizer>();
        return services;
    }
}
