namespace DicomKit.Network.Dimse;

/// <summary>C-STORE-RSP (PS3.7 9.3.1.2).</summary>
internal sealed record CStoreRsp(ushort MessageIdBeingRespondedTo, string AffectedSopClassUid, string AffectedSopInstanceUid,
    DimseStatus Status, string? ErrorComment = null)
{
    public CommandSet ToCommand()
    {
        var command = new CommandSet()
            .Set(CommandTags.AffectedSopClassUid, AffectedSopClassUid, isUid: true)
            .Set(CommandTags.CommandField, (ushort)CommandField.CStoreRsp)
            .Set(CommandTags.MessageIdBeingRespondedTo, MessageIdBeingRespondedTo)
            .Set(CommandTags.CommandDataSetType, CommandTags.NoDataSet)
            .Set(CommandTags.Status, Status.Code)
            .Set(CommandTags.AffectedSopInstanceUid, AffectedSopInstanceUid, isUid: true);
        if (ErrorComment is not null && !Status.IsSuccess)
            command.Set(CommandTags.ErrorComment, ErrorComment.Length > 64 ? ErrorComment[..64] : ErrorComment, isUid: false);
        return command;
    }

    public static CStoreRsp From(CommandSet command) =>
        new(command.RequireUInt16(CommandTags.MessageIdBeingRespondedTo),
            command.GetString(CommandTags.AffectedSopClassUid) ?? "",
            command.GetString(CommandTags.AffectedSopInstanceUid) ?? "",
            new DimseStatus(command.RequireUInt16(CommandTags.Status)),
            command.GetString(CommandTags.ErrorComment));
}
