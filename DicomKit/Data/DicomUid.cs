namespace DicomKit.Data;

/// <summary>The kinds of registered UID in PS3.6 Annex A that a gateway needs to tell apart.</summary>
public enum DicomUidType
{
    TransferSyntax,
    SopClass,
    MetaSopClass,
    /// <summary>Well-known SOP instances and well-known frames of reference.</summary>
    WellKnownInstance,
    ApplicationContextName,
    CodingScheme,
    /// <summary>Service classes, LDAP OIDs, application hosting models, mapping resources and the like.</summary>
    Other,
}

/// <summary>A registered UID with its PS3.6 name and keyword.</summary>
public sealed record DicomUid(string Value, string Name, string Keyword, DicomUidType Type, bool IsRetired)
{
    /// <summary>
    /// True for a SOP class of the Storage service class (C-STORE), including retired and trial ones and the
    /// non-patient storage classes (Hanging Protocol, Color Palette, ...). Storage Commitment and Media Storage
    /// Directory (DICOMDIR) are not: their names contain "Storage" but they are other services.
    /// </summary>
    public bool IsStorageSopClass { get; } =
        Type == DicomUidType.SopClass
        && Name.Contains("Storage", StringComparison.Ordinal)
        && !Name.Contains("Storage Commitment", StringComparison.Ordinal)
        && !Name.StartsWith("Media Storage Directory", StringComparison.Ordinal);

    public override string ToString() => Value;
}
