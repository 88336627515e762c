namespace DicomKit.Network.Dimse;

/// <summary>N-ACTION-RQ (PS3.7 10.1.4.1). The action information follows as a data set, never part of this record.</summary>
internal sealed record NActionRq(ushort MessageId, string RequestedSopClassUid, string RequestedSopInstanceUid, ushort ActionTypeId)
{
    public CommandSet ToCommand() => new CommandSet()
        .Set(CommandTags.RequestedSopClassUid, RequestedSopClassUid, isUid: true)
        .Set(CommandTags.CommandField, (ushort)CommandField.NActionRq)
        .Set(CommandTags.MessageId, MessageId)
        .Set(CommandTags.CommandDataSetType, CommandTags.DataSetPresent)
        .Set(CommandTags.RequestedSopInstanceUid, RequestedSopInstanceUid, isUid: true)
        .Set(CommandTags.ActionTypeId, ActionTypeId);

    public static NActionRq From(CommandSet command) =>
        new(command.RequireUInt16(CommandTags.MessageId),
            command.RequireString(CommandTags.RequestedSopClassUid),
            command.RequireString(CommandTags.RequestedSopInstanceUid),
            command.RequireUInt16(CommandTags.ActionTypeId));
}
