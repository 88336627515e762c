namespace DicomKit.Network.Dimse;

/// <summary>C-ECHO-RQ (PS3.7 9.3.5.1).</summary>
internal sealed record CEchoRq(ushort MessageId, string AffectedSopClassUid)
{
    public CommandSet ToCommand() => new CommandSet()
        .Set(CommandTags.AffectedSopClassUid, AffectedSopClassUid, isUid: true)
        .Set(CommandTags.CommandField, (ushort)CommandField.CEchoRq)
        .Set(CommandTags.MessageId, MessageId)
        .Set(CommandTags.CommandDataSetType, CommandTags.NoDataSet);

    public static CEchoRq From(CommandSet command) =>
        new(command.RequireUInt16(CommandTags.MessageId), command.GetString(CommandTags.AffectedSopClassUid) ?? Services.KnownUids.Verification);
}
