namespace DicomKit.Network.Dimse;

/// <summary>N-ACTION-RSP (PS3.7 10.1.4.2), without an action reply data set (Storage Commitment defines none).</summary>
internal sealed record NActionRsp(ushort MessageIdBeingRespondedTo, string AffectedSopClassUid, string AffectedSopInstanceUid,
    ushort ActionTypeId, DimseStatus Status)
{
    public CommandSet ToCommand()
    {
        var command = new CommandSet()
            .Set(CommandTags.AffectedSopClassUid, AffectedSopClassUid, isUid: true)
            .Set(CommandTags.CommandField, (ushort)CommandField.NActionRsp)
            .Set(CommandTags.MessageIdBeingRespondedTo, MessageIdBeingRespondedTo)
            .Set(CommandTags.CommandDataSetType, CommandTags.NoDataSet)
            .Set(CommandTags.Status, Status.Code)
            .Set(CommandTags.AffectedSopInstanceUid, AffectedSopInstanceUid, isUid: true);
        // Action Type ID is conditional on success (PS3.7 Table 10.1-5).
        if (Status.IsSuccess)
            command.Set(CommandTags.ActionTypeId, ActionTypeId);
        return command;
    }

    public static NActionRsp From(CommandSet command) =>
        new(command.RequireUInt16(CommandTags.MessageIdBeingRespondedTo),
            command.GetString(CommandTags.AffectedSopClassUid) ?? "",
            command.GetString(CommandTags.AffectedSopInstanceUid) ?? "",
            command.GetUInt16(CommandTags.ActionTypeId) ?? 0,
            new DimseStatus(command.RequireUInt16(CommandTags.Status)));
}
