namespace DicomKit.Network.Dimse;

/// <summary>N-EVENT-REPORT-RSP (PS3.7 10.1.1.2), without an event reply data set (Storage Commitment defines none).</summary>
internal sealed record NEventReportRsp(ushort MessageIdBeingRespondedTo, string AffectedSopClassUid, string AffectedSopInstanceUid,
    ushort EventTypeId, DimseStatus Status)
{
    public CommandSet ToCommand()
    {
        var command = new CommandSet()
            .Set(CommandTags.AffectedSopClassUid, AffectedSopClassUid, isUid: true)
            .Set(CommandTags.CommandField, (ushort)CommandField.NEventReportRsp)
            .Set(CommandTags.MessageIdBeingRespondedTo, MessageIdBeingRespondedTo)
            .Set(CommandTags.CommandDataSetType, CommandTags.NoDataSet)
            .Set(CommandTags.Status, Status.Code)
            .Set(CommandTags.AffectedSopInstanceUid, AffectedSopInstanceUid, isUid: true);
        // Event Type ID is conditional on success (PS3.7 Table 10.1-1).
        if (Status.IsSuccess)
            command.Set(CommandTags.EventTypeId, EventTypeId);
        return command;
    }

    public static NEventReportRsp From(CommandSet command) =>
        new(command.RequireUInt16(CommandTags.MessageIdBeingRespondedTo),
            command.GetString(CommandTags.AffectedSopClassUid) ?? "",
            command.GetString(CommandTags.AffectedSopInstanceUid) ?? "",
            command.GetUInt16(CommandTags.EventTypeId) ?? 0,
            new DimseStatus(command.RequireUInt16(CommandTags.Status)));
}
