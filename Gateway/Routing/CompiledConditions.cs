using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using DicomKit.Data;

namespace DicomGateway.Routing;

/// <summary>One evaluation's view of a study: the input, and its peer address parsed once.</summary>
internal sealed class EvaluationContext(RoutingInput input)
{
    private IPAddress? _address;
    private bool _parsed;

    public RoutingInput Input { get; } = input;

    public IPAddress? RemoteAddress
    {
        get
        {
            if (!_parsed)
            {
                _address = SourceNetwork.ParseAddress(Input.RemoteAddress);
                _parsed = true;
            }
            return _address;
        }
    }
}

/// <summary>
/// A condition in the form evaluation uses: keys resolved to tags, patterns trimmed, regular expressions built once.
/// Built from validated conditions only (<see cref="RuleValidator"/>); <see cref="Description"/> repeats the rule's
/// own words, never the study's values, so a trace can be shown and logged.
/// </summary>
internal abstract class CompiledCondition
{
    public abstract string Description { get; }

    public abstract bool Matches(EvaluationContext context);

    public static CompiledCondition Compile(RuleCondition condition) => condition switch
    {
        CallingAeTitleCondition c => new CompiledAeTitle(called: false, c.Op, c.Value),
        CalledAeTitleCondition c => new CompiledAeTitle(called: true, c.Op, c.Value),
        SourceAddressCondition c => new CompiledSourceAddress(c.Network),
        AttributeCondition c => new CompiledAttribute(c.Key, c.Op, c.Value),
        GroupCondition c => new CompiledGroup(c.Match, [.. (c.Conditions ?? []).Select(Compile)]),
        _ => throw new NotSupportedException($"Condition {condition?.GetType().Name ?? "null"} cannot be evaluated"),
    };

    /// <summary>How a rule's regular expressions are built: linear time whatever the pattern and the text, culture-free.</summary>
    public static Regex NewRegex(string pattern) => new(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);

    protected static string Quote(string? text) => "\"" + text + "\"";

    protected static string OpText(ConditionOp op) => op switch
    {
        ConditionOp.Equal => "equals",
        ConditionOp.Wildcard => "matches wildcard",
        ConditionOp.Regex => "matches regex",
        ConditionOp.Present => "is present",
        ConditionOp.Absent => "is absent",
        _ => op.ToString(),
    };
}

/// <summary>An AE title, trimmed, compared case-sensitively by equality, C-FIND wildcards or a regular expression.</summary>
internal sealed class CompiledAeTitle : CompiledCondition
{
    private readonly string _value;
    private readonly Regex? _regex;

    public CompiledAeTitle(bool called, ConditionOp op, string value)
    {
        Called = called;
        Op = op;
        _value = op == ConditionOp.Regex ? value : value.Trim();
        _regex = op == ConditionOp.Regex ? NewRegex(value) : null;
        Description = $"{(called ? "called" : "calling")} AE title {OpText(op)} {Quote(_value)}";
    }

    public bool Called { get; }

    public ConditionOp Op { get; }

    /// <summary>The AE title (trimmed) or the pattern.</summary>
    public string Value => _value;

    public override string Description { get; }

    public override bool Matches(EvaluationContext context) =>
        IsMatch((Called ? context.Input.CalledAeTitle : context.Input.CallingAeTitle).AsSpan().Trim());

    /// <summary>Whether an AE title, already trimmed, passes. Allocates nothing: the listener asks on every association request.</summary>
    public bool IsMatch(ReadOnlySpan<char> aeTitle) => Op switch
    {
        ConditionOp.Equal => aeTitle.SequenceEqual(_value),
        ConditionOp.Wildcard => WildcardPattern.IsMatch(_value, aeTitle, ignoreCase: false),
        ConditionOp.Regex => _regex!.IsMatch(aeTitle),
        _ => false,
    };
}

internal sealed class CompiledSourceAddress : CompiledCondition
{
    private readonly IPNetwork _network;

    public CompiledSourceAddress(string network)
    {
        if (!SourceNetwork.TryParse(network, out _network, out var problem)) throw new ArgumentException($"Source address {network} {problem}", nameof(network));
        Description = $"source address in {_network}";
    }

    public override string Description { get; }

    public override bool Matches(EvaluationContext context) => context.RemoteAddress is { } address && _network.Contains(address);
}

/// <summary>
/// An attribute of the header. Multi-valued attributes match when any value does. Equality ignores trailing spaces and,
/// for person names, case and empty trailing components; wildcards ignore case; a regular expression is as written.
/// A missing or empty attribute matches only the wildcard "*" (as in routing v1) and <see cref="ConditionOp.Absent"/>.
/// </summary>
internal sealed class CompiledAttribute : CompiledCondition
{
    private readonly DicomTag _tag;
    private readonly ConditionOp _op;
    private readonly string _value;
    private readonly Regex? _regex;

    public CompiledAttribute(string key, ConditionOp op, string? value)
    {
        if (!AttributeKey.TryResolve(key, out _tag)) throw new ArgumentException($"{key} is not a DICOM keyword or tag", nameof(key));
        _op = op;
        _value = op == ConditionOp.Regex ? value ?? "" : (value ?? "").TrimEnd(' ');
        _regex = op == ConditionOp.Regex ? NewRegex(_value) : null;
        var name = key.Trim();
        Description = op is ConditionOp.Present or ConditionOp.Absent ? $"{name} {OpText(op)}" : $"{name} {OpText(op)} {Quote(_value)}";
    }

    public override string Description { get; }

    public override bool Matches(EvaluationContext context)
    {
        var values = AttributeValues.Of(context.Input.Header, _tag, out var personName);
        var any = false;
        foreach (var raw in values)
        {
            var value = raw.TrimEnd(' ');
            if (value.Length == 0) continue;
            any = true;
            var hit = _op switch
            {
                ConditionOp.Equal => personName ? DicomPersonName.Matches(_value, value) : string.Equals(_value, value, StringComparison.Ordinal),
                ConditionOp.Wildcard => WildcardPattern.IsMatch(_value, value),
                ConditionOp.Regex => _regex!.IsMatch(value),
                _ => false,
            };
            if (hit) return _op != ConditionOp.Absent;
        }
        return _op switch
        {
            ConditionOp.Present => any,
            ConditionOp.Absent => !any,
            ConditionOp.Wildcard => !any && _value == "*",
            _ => false,
        };
    }
}

internal sealed class CompiledGroup(RuleMatchMode mode, IReadOnlyList<CompiledCondition> conditions) : CompiledCondition
{
    public IReadOnlyList<CompiledCondition> Conditions { get; } = conditions;

    public override string Description { get; } = conditions.Count == 0
        ? "group without conditions (matches)"
        : $"{(mode == RuleMatchMode.All ? "all" : "any")} of ({string.Join("; ", conditions.Select(c => c.Description))})";

    public override bool Matches(EvaluationContext context) => Combine(mode, Conditions, context);

    /// <summary>All or any; an empty list matches every study, whatever the mode.</summary>
    public static bool Combine(RuleMatchMode mode, IReadOnlyList<CompiledCondition> conditions, EvaluationContext context)
    {
        if (conditions.Count == 0) return true;
        if (mode == RuleMatchMode.All)
        {
            foreach (var c in conditions)
            {
                if (!c.Matches(context)) return false;
            }
            return true;
        }
        foreach (var c in conditions)
        {
            if (c.Matches(context)) return true;
        }
        return false;
    }
}

/// <summary>The values of an attribute as routing compares them.</summary>
internal static class AttributeValues
{
    /// <summary>Text values for string VRs (and UN, as private elements of implicit VR data sets arrive); numbers in invariant decimal form for binary numeric VRs; nothing for sequences and bulk data.</summary>
    public static IReadOnlyList<string> Of(DicomDataset header, DicomTag tag, out bool personName)
    {
        personName = false;
        if (header.GetSequence(tag) is { } sequence) return sequence.Items.Count > 0 ? ["(sequence)"] : [];
        var element = header.GetElement(tag);
        if (element is null) return [];
        var vr = element.VR;
        personName = vr == DicomVR.PN;
        if (vr.IsString || vr == DicomVR.UN) return header.GetStrings(tag);
        if (vr == DicomVR.US || vr == DicomVR.SS || vr == DicomVR.UL || vr == DicomVR.SL || vr == DicomVR.SV || vr == DicomVR.UV ||
            vr == DicomVR.FL || vr == DicomVR.FD)
            return [.. header.GetValues<double>(tag).Select(v => v.ToString(CultureInfo.InvariantCulture))];
        return element.Length > 0 ? ["(binary)"] : [];
    }
}

/// <summary>A time window with days as a bit mask and times as minutes of the day.</summary>
internal sealed class CompiledTimeWindow
{
    public static readonly IReadOnlyList<string> DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    private readonly int _days;
    private readonly int _from;
    private readonly int _to;

    public CompiledTimeWindow(TimeWindow window)
    {
        var days = window.Days ?? [];
        _days = days.Count == 0 ? 0x7F : days.Aggregate(0, (mask, d) => mask | (1 << DayIndex(d)));
        _from = Minutes(window.From) ?? throw new ArgumentException($"Time {window.From} is not HH:mm", nameof(window));
        _to = Minutes(window.To) ?? throw new ArgumentException($"Time {window.To} is not HH:mm", nameof(window));
    }

    public bool Contains(DateTime local)
    {
        var minute = local.Hour * 60 + local.Minute;
        var today = (int)local.DayOfWeek;
        var yesterday = (today + 6) % 7;
        if (_from == _to) return On(today);
        if (_from < _to) return On(today) && minute >= _from && minute < _to;
        // Overnight: the part after midnight belongs to the day the window started on.
        return (On(today) && minute >= _from) || (On(yesterday) && minute < _to);
    }

    private bool On(int day) => (_days & (1 << day)) != 0;

    public static int DayIndex(string? day)
    {
        for (var i = 0; i < DayNames.Count; i++)
        {
            if (string.Equals(DayNames[i], day?.Trim(), StringComparison.OrdinalIgnoreCase)) return i;
        }
        return -1;
    }

    /// <summary>"HH:mm" (00:00 to 23:59; "24:00" for the end of the day) as minutes; null when it is not such a time.</summary>
    public static int? Minutes(string? text)
    {
        var t = text?.Trim();
        if (t is not { Length: 5 } || t[2] != ':' || !char.IsAsciiDigit(t[0]) || !char.IsAsciiDigit(t[1]) || !char.IsAsciiDigit(t[3]) || !char.IsAsciiDigit(t[4])) return null;
        var hours = (t[0] - '0') * 10 + (t[1] - '0');
        var minutes = (t[3] - '0') * 10 + (t[4] - '0');
        if (hours == 24 && minutes == 0) return 24 * 60;
        return hours < 24 && minutes < 60 ? hours * 60 + minutes : null;
    }
}
