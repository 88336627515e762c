using DicomKit.Data;

namespace DicomKit.Network.Dimse;

/// <summary>Command elements of group 0000 used by the services DicomKit implements (PS3.7 Annex E).</summary>
internal static class CommandTags
{
    public static readonly DicomTag CommandGroupLength = new(0x0000, 0x0000);
    public static readonly DicomTag AffectedSopClassUid = new(0x0000, 0x0002);
    public static readonly DicomTag RequestedSopClassUid = new(0x0000, 0x0003);
    public static readonly DicomTag CommandField = new(0x0000, 0x0100);
    public static readonly DicomTag MessageId = new(0x0000, 0x0110);
    public static readonly DicomTag MessageIdBeingRespondedTo = new(0x0000, 0x0120);
    public static readonly DicomTag MoveDestination = new(0x0000, 0x0600);
    public static readonly DicomTag Priority = new(0x0000, 0x0700);
    public static readonly DicomTag CommandDataSetType = new(0x0000, 0x0800);
    public static readonly DicomTag Status = new(0x0000, 0x0900);
    public static readonly DicomTag OffendingElement = new(0x0000, 0x0901);
    public static readonly DicomTag ErrorComment = new(0x0000, 0x0902);
    public static readonly DicomTag ErrorId = new(0x0000, 0x0903);
    public static readonly DicomTag AffectedSopInstanceUid = new(0x0000, 0x1000);
    public static readonly DicomTag EventTypeId = new(0x0000, 0x1002);
    public static readonly DicomTag RequestedSopInstanceUid = new(0x0000, 0x1001);
    public static readonly DicomTag ActionTypeId = new(0x0000, 0x1008);
    public static readonly DicomTag MoveOriginatorApplicationEntityTitle = new(0x0000, 0x1030);
    public static readonly DicomTag MoveOriginatorMessageId = new(0x0000, 0x1031);

    /// <summary>Command Data Set Type value meaning "no data set follows" (PS3.7 E.1-1); any other value means one does.</summary>
    public const ushort NoDataSet = 0x0101;
    /// <summary>The value DicomKit writes when a data set follows.</summary>
    public const ushort DataSetPresent = 0x0000;
}

/// <summary>Command Field values (PS3.7 E.1-1); a response is its request with bit 15 set.</summary>
internal enum CommandField : ushort
{
    CStoreRq = 0x0001,
    CStoreRsp = 0x8001,
    CGetRq = 0x0010,
    CGetRsp = 0x8010,
    CFindRq = 0x0020,
    CFindRsp = 0x8020,
    CMoveRq = 0x0021,
    CMoveRsp = 0x8021,
    CEchoRq = 0x0030,
    CEchoRsp = 0x8030,
    NEventReportRq = 0x0100,
    NEventReportRsp = 0x8100,
    NGetRq = 0x0110,
    NSetRq = 0x0120,
    NActionRq = 0x0130,
    NActionRsp = 0x8130,
    NCreateRq = 0x0140,
    NDeleteRq = 0x0150,
    CCancelRq = 0x0FFF,
}
