namespace DicomKit.Network.UpperLayer;

/// <summary>The nineteen events of the DICOM upper layer (PS3.8 Table 9-2).</summary>
internal enum Event
{
    /// <summary>A-ASSOCIATE request (local user).</summary>
    Evt1 = 1,
    /// <summary>Transport connect confirmation (local transport service).</summary>
    Evt2,
    /// <summary>A-ASSOCIATE-AC PDU received.</summary>
    Evt3,
    /// <summary>A-ASSOCIATE-RJ PDU received.</summary>
    Evt4,
    /// <summary>Transport connection indication (local transport service).</summary>
    Evt5,
    /// <summary>A-ASSOCIATE-RQ PDU received.</summary>
    Evt6,
    /// <summary>A-ASSOCIATE response primitive (accept).</summary>
    Evt7,
    /// <summary>A-ASSOCIATE response primitive (reject).</summary>
    Evt8,
    /// <summary>P-DATA request primitive.</summary>
    Evt9,
    /// <summary>P-DATA-TF PDU received.</summary>
    Evt10,
    /// <summary>A-RELEASE request primitive.</summary>
    Evt11,
    /// <summary>A-RELEASE-RQ PDU received.</summary>
    Evt12,
    /// <summary>A-RELEASE-RP PDU received.</summary>
    Evt13,
    /// <summary>A-RELEASE response primitive.</summary>
    Evt14,
    /// <summary>A-ABORT request primitive.</summary>
    Evt15,
    /// <summary>A-ABORT PDU received.</summary>
    Evt16,
    /// <summary>Transport connection closed indication.</summary>
    Evt17,
    /// <summary>ARTIM timer expired (association reject/release timer).</summary>
    Evt18,
    /// <summary>Unrecognized or invalid PDU received.</summary>
    Evt19,
}

/// <summary>The actions of PS3.8 Tables 9-6 to 9-9, plus <see cref="Invalid"/> for a blank cell of Table 9-10.</summary>
internal enum Action
{
    Invalid,
    AE1, AE2, AE3, AE4, AE5, AE6, AE7, AE8,
    DT1, DT2,
    AR1, AR2, AR3, AR4, AR5, AR6, AR7, AR8, AR9, AR10,
    AA1, AA2, AA3, AA4, AA5, AA6, AA7, AA8,
}

/// <summary>What the last action told the local user (the service layer above the state machine).</summary>
internal enum Indication
{
    None,
    /// <summary>A-ASSOCIATE indication: the peer asks to associate (AE-6).</summary>
    AssociateRequested,
    /// <summary>A-ASSOCIATE confirmation, accepted (AE-3).</summary>
    AssociateAccepted,
    /// <summary>A-ASSOCIATE confirmation, rejected (AE-4), or rejected locally (AE-6).</summary>
    AssociateRejected,
    /// <summary>P-DATA indication (DT-2, AR-6).</summary>
    Data,
    /// <summary>A-RELEASE indication (AR-2), or a release collision (AR-8).</summary>
    ReleaseRequested,
    /// <summary>A-RELEASE confirmation (AR-3, AR-10).</summary>
    ReleaseConfirmed,
    /// <summary>A-ABORT (service user) or A-P-ABORT (provider) indication (AA-2 to AA-5, AA-8).</summary>
    Aborted,
}
