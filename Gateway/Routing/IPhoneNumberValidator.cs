using DicomGateway.AddressBook;

namespace DicomGateway.Routing;

/// <summary>
/// Checks a recipient's phone number when a rule is saved. Notifications replace the permissive default with
/// <see cref="MobilePhoneNumberValidator"/>, which accepts only numbers an SMS can reach; routing only asks "is this acceptable?".
/// </summary>
public interface IPhoneNumberValidator
{
    /// <summary>Null when <paramref name="phone"/> is acceptable, else why not (shown to the administrator).</summary>
    string? Validate(string phone);
}

/// <summary>Accepts anything that looks like a phone number: digits with an optional leading "+", spaces, dashes, dots and brackets.</summary>
public sealed class PermissivePhoneNumberValidator : IPhoneNumberValidator
{
    public const int MaxLength = 32;

    public string? Validate(string phone)
    {
        ArgumentNullException.ThrowIfNull(phone);
        var text = phone.Trim();
        if (text.Length is 0 or > MaxLength) return $"must be 1 to {MaxLength} characters";
        var digits = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsAsciiDigit(c)) digits++;
            else if (!(c is ' ' or '-' or '.' or '(' or ')' || (c == '+' && i == 0))) return "may hold only digits, a leading +, spaces, dashes, dots and brackets";
        }
        return digits == 0 ? "has no digits" : null;
    }
}

/// <summary>Accepts a number only when <see cref="PhoneNumberNormalizer"/> can read it as one that receives SMS, so a rule is refused when it is saved, not when a shipment is sent.</summary>
public sealed class MobilePhoneNumberValidator(PhoneNumberNormalizer phones) : IPhoneNumberValidator
{
    public string? Validate(string phone) => phones.IsValid(phone) ? null : PhoneNumberNormalizer.NotAMobileNumber;
}
