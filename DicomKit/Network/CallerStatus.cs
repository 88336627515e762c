using System.Net;

namespace DicomKit.Network;

/// <summary>What the listener's owner knows of a calling AE title calling from an address (<see cref="DicomListenerOptions.IdentifyCaller"/>).</summary>
public enum CallerStatus
{
    /// <summary>Not a registered caller, and the owner keeps no allow-list: <see cref="DicomListenerOptions.AcceptUnknownCallers"/> decides.</summary>
    Unknown,

    /// <summary>Not a registered caller while the owner keeps an allow-list: refused whatever <see cref="DicomListenerOptions.AcceptUnknownCallers"/> says.</summary>
    NotListed,

    /// <summary>A registered caller, calling from one of its addresses.</summary>
    Allowed,

    /// <summary>A registered AE title calling from an address outside its list: someone else using its name.</summary>
    WrongAddress,

    /// <summary>
    /// A registered AE title that must prove itself with a TLS client certificate, calling without one (over plain
    /// DICOM, or over TLS without presenting a certificate): refused whatever <see cref="DicomListenerOptions.AcceptUnknownCallers"/> says.
    /// </summary>
    CertificateMissing,

    /// <summary>A registered AE title that must prove itself with a TLS client certificate, presenting another one.</summary>
    WrongCertificate,
}

/// <summary>
/// An association the listener refused for who called (not for load), for the owner's audit trail: the calling and
/// called AE titles, the caller's address and the A-ASSOCIATE-RJ reason (PS3.8 Table 9-21). No data set has been read.
/// <paramref name="Status"/> is what the owner's <see cref="DicomListenerOptions.IdentifyCaller"/> answered, when the refusal is its answer.
/// </summary>
public sealed record CallerRefusal(string CallingAeTitle, string CalledAeTitle, IPAddress? Address, byte Reason, string Why, CallerStatus? Status = null);
