namespace DicomKit.Network.Dimse;

/// <summary>C-STORE-RQ (PS3.7 9.3.1.1). The data set follows as separate data PDVs and is never part of this record.</summary>
internal sealed record CStoreRq(ushort MessageId, string AffectedSopClassUid, string AffectedSopInstanceUid, ushort Priority = 0,
    string? MoveOriginatorAeTitle = null, ushort? MoveOriginatorMessageId = null)
{
    public CommandSet ToCommand()
    {
        var command = new CommandSet()
            .Set(CommandTags.AffectedSopClassUid, AffectedSopClassUid, isUid: true)
            .Set(CommandTags.CommandField, (ushort)CommandField.CStoreRq)
            .Set(CommandTags.MessageId, MessageId)
            .Set(CommandTags.Priority, Priority)
            .Set(CommandTags.CommandDataSetType, CommandTags.DataSetPresent)
            .Set(CommandTags.AffectedSopInstanceUid, AffectedSopInstanceUid, isUid: true);
        if (MoveOriginatorAeTitle is not null)
            command.Set(CommandTags.MoveOriginatorApplicationEntityTitle, MoveOriginatorAeTitle, isUid: false);
        if (MoveOriginatorMessageId is { } id)
            command.Set(CommandTags.MoveOriginatorMessageId, id);
        return command;
    }

    public static CStoreRq From(CommandSet command) =>
        new(command.RequireUInt16(CommandTags.MessageId),
            command.RequireString(CommandTags.AffectedSopClassUid),
            command.RequireString(CommandTags.AffectedSopInstanceUid),
            command.GetUInt16(CommandTags.Priority) ?? 0,
            command.GetString(CommandTags.MoveOriginatorApplicationEntityTitle),
            command.GetUInt16(CommandTags.MoveOriginatorMessageId));
}
