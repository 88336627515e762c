using System.Globalization;

namespace DicomKit.Network;

/// <summary>Status categories of PS3.7 Annex C.</summary>
public enum DimseStatusCategory
{
    Success,
    Warning,
    Failure,
    Cancel,
    Pending,
}

/// <summary>
/// A DIMSE status code (PS3.7 Annex C and the service-specific codes of PS3.4). A failure status is an
/// answer on a working association, not an error of the connection: callers inspect it per message.
/// </summary>
public readonly record struct DimseStatus(ushort Code)
{
    public static readonly DimseStatus Success = new(0x0000);
    public static readonly DimseStatus Cancel = new(0xFE00);
    public static readonly DimseStatus Pending = new(0xFF00);

    /// <summary>Storage: Refused, out of resources (PS3.4 B.2.3). What a sink that cannot store returns.</summary>
    public static readonly DimseStatus OutOfResources = new(0xA700);
    /// <summary>Storage: Error, data set does not match SOP class (PS3.4 B.2.3).</summary>
    public static readonly DimseStatus DataSetDoesNotMatchSopClass = new(0xA900);
    /// <summary>Storage: Error, cannot understand (PS3.4 B.2.3); the C000 range.</summary>
    public static readonly DimseStatus CannotUnderstand = new(0xC000);
    /// <summary>Storage: Warning, coercion of data elements.</summary>
    public static readonly DimseStatus CoercionOfDataElements = new(0xB000);
    /// <summary>Storage: Warning, elements discarded.</summary>
    public static readonly DimseStatus ElementsDiscarded = new(0xB007);
    /// <summary>Storage: Warning, data set does not match SOP class.</summary>
    public static readonly DimseStatus DataSetDoesNotMatchSopClassWarning = new(0xB006);

    public static readonly DimseStatus ProcessingFailure = new(0x0110);
    public static readonly DimseStatus DuplicateSopInstance = new(0x0111);
    public static readonly DimseStatus NoSuchSopInstance = new(0x0112);
    public static readonly DimseStatus NoSuchSopClass = new(0x0118);
    public static readonly DimseStatus NoSuchAction = new(0x0123);
    public static readonly DimseStatus SopClassNotSupported = new(0x0122);
    public static readonly DimseStatus NotAuthorized = new(0x0124);
    public static readonly DimseStatus DuplicateInvocation = new(0x0210);
    public static readonly DimseStatus UnrecognizedOperation = new(0x0211);
    public static readonly DimseStatus MistypedArgument = new(0x0212);

    public DimseStatusCategory Category => Code switch
    {
        0x0000 => DimseStatusCategory.Success,
        0x0001 or 0x0107 or 0x0116 or (>= 0xB000 and <= 0xBFFF) => DimseStatusCategory.Warning,
        0xFE00 => DimseStatusCategory.Cancel,
        0xFF00 or 0xFF01 => DimseStatusCategory.Pending,
        _ => DimseStatusCategory.Failure,
    };

    public bool IsSuccess => Category == DimseStatusCategory.Success;
    public bool IsFailure => Category == DimseStatusCategory.Failure;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"0x{Code:X4} ({Category})");
}
