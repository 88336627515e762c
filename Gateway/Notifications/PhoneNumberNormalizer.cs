using Microsoft.Extensions.Options;
using PhoneNumbers;

namespace DicomGateway.Notifications;

/// <summary>
/// Phone numbers as the SMS provider wants them: E.164 ("+420603000000"). A number written without a country code
/// is read in Sms:DefaultRegion. Also the rule-validation seam for routing (a recipient's number is accepted only
/// if it can receive the code). Named so, not "PhoneNumbers", because that is libphonenumber's namespace.
/// </summary>
public sealed class PhoneNumberNormalizer : DicomGateway.Routing.IPhoneNumberValidator
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();
    private readonly string _defaultRegion;

    public PhoneNumberNormalizer(IOptions<SmsOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _defaultRegion = options.Value.DefaultRegion;
    }

    /// <summary>True, with the E.164 form, for a valid number that can take an SMS; false for anything else.</summary>
    public bool TryNormalize(string? input, out string e164) => TryNormalize(input, _defaultRegion, out e164);

    /// <summary>Whether routing may accept this as a recipient's phone number.</summary>
    public bool IsValid(string? input) => TryNormalize(input, out _);

    /// <summary>For routing rules: a recipient's number is refused when the rule is saved, not when a shipment is sent.</summary>
    public string? Validate(string phone) =>
        IsValid(phone) ? null : "is not a mobile number that can receive SMS (E.164 such as +420603000000, or a number local to Sms:DefaultRegion)";

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
