using DicomKit.Data;

namespace Gateway.Tests.Support;

/// <summary>Element-by-element comparison of two data sets: tags, VRs, sequence structure and value bytes.</summary>
public static class DatasetComparer
{
    public static List<string> Differences(DicomDataset expected, DicomDataset actual, string path = "")
    {
        var diffs = new List<string>();
        var a = expected.Where(i => !i.Tag.IsGroupLength).ToList();
        var b = actual.Where(i => !i.Tag.IsGroupLength).ToList();
        if (!a.Select(i => i.Tag).SequenceEqual(b.Select(i => i.Tag)))
        {
            diffs.Add($"{path}: tags differ: [{string.Join(' ', a.Select(i => i.Tag))}] vs [{string.Join(' ', b.Select(i => i.Tag))}]");
            return diffs;
        }
        for (var i = 0; i < a.Count; i++)
        {
            var (x, y) = (a[i], b[i]);
            var where = $"{path}{x.Tag}";
            if (x.VR != y.VR) diffs.Add($"{where}: VR {x.VR} vs {y.VR}");
            switch (x, y)
            {
                case (DicomElement ex, DicomElement ey):
                    if (!ex.Value.Memory.Span.SequenceEqual(ey.Value.Memory.Span)) diffs.Add($"{where}: values differ");
                    break;
                case (DicomSequence sx, DicomSequence sy):
                    if (sx.Items.Count != sy.Items.Count) diffs.Add($"{where}: {sx.Items.Count} items vs {sy.Items.Count}");
                    else for (var k = 0; k < sx.Items.Count; k++) diffs.AddRange(Differences(sx.Items[k], sy.Items[k], $"{where}[{k}]/"));
                    break;
                case (DicomFragmentSequence fx, DicomFragmentSequence fy):
                    if (fx.Fragments.Count != fy.Fragments.Count) diffs.Add($"{where}: fragment counts differ");
                    else for (var k = 0; k < fx.Fragments.Count; k++)
                        if (!fx.Fragments[k].Memory.Span.SequenceEqual(fy.Fragments[k].Memory.Span)) diffs.Add($"{where}: fragment {k} differs");
                    break;
                default:
                    diffs.Add($"{where}: kinds differ ({x.GetType().Name} vs {y.GetType().Name})");
                    break;
            }
        }
        return diffs;
    }
}
