namespace DicomKit.Network.Dimse;

/// <summary>C-ECHO-RSP (PS3.7 9.3.5.2).</summary>
internal sealed record CEchoRsp(ushort MessageIdBeingRespondedTo, string AffectedSopClassUid, DimseStatus Status)
{
    public CommandSet ToCommand() => new CommandSet()
        .Set(CommandTags.AffectedSopClassUid, AffectedSopClassUid, isUid: true)
        .Set(CommandTags.CommandField, (ushort)CommandField.CEchoRsp)
        .Set(CommandTags.MessageIdBeingRespondedTo, MessageIdBeingRespondedTo)
        .Set(CommandTags.CommandDataSetType, CommandTags.NoDataSet)
        .Set(CommandTags.Status, Status.Code);

    public static CEchoRsp From(CommandSet command) =>
        new(command.RequireUInt16(CommandTags.MessageIdBeingRespondedTo),
            command.GetString(CommandTags.AffectedSopClassUid) ?? "",
            new DimseStatus(command.RequireUInt16(CommandTags.Status)));
}
