namespace DicomGateway.Studies;

/// <summary>Where a study is in its life (column <c>studies.state</c>).</summary>
public enum StudyState
{
    /// <summary>Taking instances; the gateway holds its data key.</summary>
    Receiving,

    /// <summary>No rule addressed it: waiting for an administrator, still readable by the gateway.</summary>
    Held,

    /// <summary>Turned into shipments or forwards; the gateway's copy of the key goes once no forward needs it.</summary>
    Sealed,

    /// <summary>Its instances and blobs are gone; the row stays for the audit trail and follow-up generations.</summary>
    Erased,
}

/// <summary>The stored (and shown) form of <see cref="StudyState"/>: the only place these words are written.</summary>
public static class StudyStates
{
    public const string Receiving = "receiving";
    public const string Held = "held";
    public const string Sealed = "sealed";
    public const string Erased = "erased";

    public static string Name(this StudyState state) => state switch
    {
        StudyState.Receiving => Receiving,
        StudyState.Held => Held,
        StudyState.Sealed => Sealed,
        StudyState.Erased => Erased,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static StudyState Parse(string value) => value switch
    {
        Receiving => StudyState.Receiving,
        Held => StudyState.Held,
        Sealed => StudyState.Sealed,
        Erased => StudyState.Erased,
        _ => throw new InvalidOperationException($"Unknown study state '{value}' in the index"),
    };
}
