namespace DicomKit.Network.UpperLayer;

/// <summary>
/// PS3.8 Table 9-10, the DICOM upper layer state transition table, written once as data. Each row is an event;
/// each cell names the action taken in that state. Cells left blank in the standard are
/// <see cref="Action.Invalid"/>: a pair that cannot happen unless a peer or a caller misbehaves, and which
/// therefore aborts rather than being ignored.
/// </summary>
internal static class StateTable
{
    private const int States = 13;
    private const int Events = 19;

    // Columns Sta1 .. Sta13; "-" is a blank cell.
    private static readonly (Event Event, string Row)[] Rows =
    [
        //                    1     2     3     4     5     6     7     8     9     10    11    12    13
        (Event.Evt1,  "AE1   -     -     -     -     -     -     -     -     -     -     -     -"),
        (Event.Evt2,  "-     -     -     AE2   -     -     -     -     -     -     -     -     -"),
        (Event.Evt3,  "-     AA1   AA8   -     AE3   AA8   AA8   AA8   AA8   AA8   AA8   AA8   AA6"),
        (Event.Evt4,  "-     AA1   AA8   -     AE4   AA8   AA8   AA8   AA8   AA8   AA8   AA8   AA6"),
        (Event.Evt5,  "AE5   -     -     -     -     -     -     -     -     -     -     -     -"),
        (Event.Evt6,  "-     AE6   AA8   -     AA8   AA8   AA8   AA8   AA8   AA8   AA8   AA8   AA7"),
        (Event.Evt7,  "-     -     AE7   -     -     -     -     -     -     -     -     -     -"),
        (Event.Evt8,  "-     -     AE8   -     -     -     -     -     -     -     -     -     -"),
        (Event.Evt9,  "-     -     -     -     -     DT1   -     AR7   -     -     -     -     -"),
        (Event.Evt10, "-     AA1   AA8   -     AA8   DT2   AR6   AA8   AA8   AA8   AA8   AA8   AA6"),
        (Event.Evt11, "-     -     -     -     -     AR1   -     -     -     -     -     -     -"),
        (Event.Evt12, "-     AA1   AA8   -     AA8   AR2   AR8   AA8   AA8   AA8   AA8   AA8   AA6"),
        (Event.Evt13, "-     AA1   AA8   -     AA8   AA8   AR3   AA8   AA8   AR10  AR3   AA8   AA6"),
        (Event.Evt14, "-     -     -     -     -     -     -     AR4   AR9   -     -     AR4   -"),
        (Event.Evt15, "-     -     AA1   AA2   AA1   AA1   AA1   AA1   AA1   AA1   AA1   AA1   -"),
        (Event.Evt16, "-     AA2   AA3   -     AA3   AA3   AA3   AA3   AA3   AA3   AA3   AA3   AA2"),
        (Event.Evt17, "-     AA5   AA4   AA4   AA4   AA4   AA4   AA4   AA4   AA4   AA4   AA4   AR5"),
        (Event.Evt18, "-     AA2   -     -     -     -     -     -     -     -     -     -     AA2"),
        (Event.Evt19, "-     AA1   AA8   -     AA8   AA8   AA8   AA8   AA8   AA8   AA8   AA8   AA7"),
    ];

    private static readonly Action[,] Table = Build();

    public static Action Lookup(State state, Event @event) => Table[(int)state - 1, (int)@event - 1];

    public static IEnumerable<State> AllStates => Enum.GetValues<State>();
    public static IEnumerable<Event> AllEvents => Enum.GetValues<Event>();

    private static Action[,] Build()
    {
        var table = new Action[States, Events];
        foreach (var (ev, row) in Rows)
        {
            var cells = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cells.Length != States)
                throw new InvalidOperationException($"row {ev} of the state table has {cells.Length} cells");
            for (var s = 0; s < States; s++)
                table[s, (int)ev - 1] = cells[s] == "-" ? Action.Invalid : Enum.Parse<Action>(cells[s]);
        }
        return table;
    }
}
