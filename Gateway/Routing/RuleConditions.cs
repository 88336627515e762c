using System.Globalization;
using System.Text.Json.Serialization;
using DicomKit.Data;

namespace DicomGateway.Routing;

/// <summary>
/// One test a study must pass, as stored in a rule's definition. The "kind" discriminator names the type; new kinds
/// (remote address, time of day, any-of groups ...) are new subclasses, and rows that do not use them never change.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(CalledAeTitleCondition), "calledAeTitle")]
[JsonDerivedType(typeof(CallingAeTitleCondition), "callingAeTitle")]
[JsonDerivedType(typeof(AttributeCondition), "attribute")]
internal abstract record RuleCondition
{
    public abstract bool Matches(RoutingInput input);
}

/// <summary>The called AE title equals <see cref="AeTitle"/> after trimming; case-sensitive.</summary>
internal sealed record CalledAeTitleCondition(string AeTitle) : RuleCondition
{
    public override bool Matches(RoutingInput input) => string.Equals(input.CalledAeTitle?.Trim(), AeTitle, StringComparison.Ordinal);
}

/// <summary>The calling AE title equals <see cref="AeTitle"/> after trimming; case-sensitive.</summary>
internal sealed record CallingAeTitleCondition(string AeTitle) : RuleCondition
{
    public override bool Matches(RoutingInput input) => string.Equals(input.CallingAeTitle?.Trim(), AeTitle, StringComparison.Ordinal);
}

/// <summary>
/// An attribute of the header matches a <see cref="WildcardPattern"/>. <see cref="Key"/> is what the administrator
/// wrote (shown back to them); <see cref="Tag"/> is what it resolved to when saved ("(0008,0060)"), used for matching.
/// </summary>
internal sealed record AttributeCondition(string Key, string Tag, string Pattern) : RuleCondition
{
    private readonly DicomTag _resolved = DicomTag.Parse(Tag);

    public override bool Matches(RoutingInput input)
    {
        var values = ValuesOf(input.Header, _resolved);
        var any = false;
        foreach (var value in values)
        {
            if (value.Length == 0) continue;
            any = true;
            if (WildcardPattern.IsMatch(Pattern, value)) return true;
        }
        return !any && Pattern == "*";
    }

    /// <summary>Text values for string VRs (and UN, as private elements of implicit VR data sets arrive); numbers for binary numeric VRs; nothing for sequences and bulk data.</summary>
    private static IEnumerable<string> ValuesOf(DicomDataset header, DicomTag tag)
    {
        var element = header.GetElement(tag);
        if (element is null) return [];
        var vr = element.VR;
        if (vr.IsString || vr == DicomVR.UN) return header.GetStrings(tag);
        if (vr == DicomVR.US || vr == DicomVR.SS || vr == DicomVR.UL || vr == DicomVR.SL || vr == DicomVR.SV || vr == DicomVR.UV ||
            vr == DicomVR.FL || vr == DicomVR.FD)
            return header.GetValues<double>(tag).Select(v => v.ToString(CultureInfo.InvariantCulture));
        return [];
    }
}
