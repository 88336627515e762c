namespace DicomKit.Network.Dimse;

/// <summary>N-EVENT-REPORT-RQ (PS3.7 10.1.1.1). The event information follows as a data set, never part of this record.</summary>
internal sealed record NEventReportRq(ushort MessageId, string AffectedSopClassUid, string AffectedSopInstanceUid, ushort EventTypeId)
{
    public CommandSet ToCommand() => new CommandSet()
        .Set(CommandTags.AffectedSopClassUid, AffectedSopClassUid, isUid: true)
        .Set(CommandTags.CommandField, (ushort)CommandField.NEventReportRq)
        .Set(CommandTags.MessageId, MessageId)
        .Set(CommandTags.CommandDataSetType, CommandTags.DataSetPresent)
        .Set(CommandTags.AffectedSopInstanceUid, AffectedSopInstanceUid, isUid: true)
        .Set(CommandTags.EventTypeId, EventTypeId);

    public static NEventReportRq From(CommandSet command) =>
        new(command.RequireUInt16(CommandTags.MessageId),
            command.RequireString(CommandTags.AffectedSopClassUid),
            command.RequireString(CommandTags.AffectedSopInstanceUid),
            command.RequireUInt16(CommandTags.EventTypeId));
}
