namespace DicomGateway.Studies;

/// <summary>Why a study waits in the held inbox (column <c>studies.hold_reason</c>).</summary>
public enum HoldReason
{
    /// <summary>No rule matched, or the rules that matched addressed nobody.</summary>
    NoRule,

    /// <summary>A matched rule said to hold it.</summary>
    Rule,

    /// <summary>
    /// More instances of a study already sealed came from a calling AE title or an address other than the study's
    /// original sender's: an administrator decides, whatever the rules say.
    /// </summary>
    SenderChanged,
}

/// <summary>The stored (and shown) form of <see cref="HoldReason"/>: the only place these words are written.</summary>
public static class HoldReasons
{
    public const string NoRule = "no-rule";
    public const string Rule = "rule";
    public const string SenderChanged = "sender-changed";

    public static string Name(this HoldReason reason) => reason switch
    {
        HoldReason.NoRule => NoRule,
        HoldReason.Rule => Rule,
        HoldReason.SenderChanged => SenderChanged,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    /// <summary>The reason as stored; null for a study held before reasons were recorded.</summary>
    public static HoldReason? Parse(string? value) => value switch
    {
        null => null,
        NoRule => HoldReason.NoRule,
        Rule => HoldReason.Rule,
        SenderChanged => HoldReason.SenderChanged,
        _ => throw new InvalidOperationException($"Unknown hold reason '{value}' in the index"),
    };
}

/// <summary>Who sent instances: the calling AE title and the remote address as the listener saw them (null when unknown).</summary>
public sealed record StudySender(string CallingAeTitle, string? RemoteHost);
