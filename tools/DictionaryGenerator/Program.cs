using System.Globalization;
using DictionaryGenerator;

// Regenerates DicomKit/Data/Generated/*.cs. See README.md beside this file.
var options = ParseArgs(args);
var root = options.GetValueOrDefault("--repo") ?? FindRepoRoot();
var dic = options.GetValueOrDefault("--dic") ?? "/usr/share/libdcmtk17/dicom.dic";
var uidHeader = options.GetValueOrDefault("--uid-header") ?? "/usr/include/dcmtk/dcmdata/dcuid.h";
var pydicom = options.GetValueOrDefault("--pydicom") ?? "/usr/lib/python3/dist-packages/pydicom";
var here = Path.Combine(root, "tools", "DictionaryGenerator");
var outDir = options.GetValueOrDefault("--out") ?? Path.Combine(root, "DicomKit", "Data", "Generated");

foreach (var required in new[] { dic, uidHeader })
{
    if (!File.Exists(required))
    {
        Console.Error.WriteLine($"missing {required}: apt-get install -y dcmtk libdcmtk-dev");
        return 1;
    }
}
if (!Directory.Exists(pydicom))
{
    Console.Error.WriteLine($"missing {pydicom}: apt-get install -y python3-pydicom (names would be derived from keywords)");
    return 1;
}

var names = NameSource.Load(pydicom);

var source = Sources.ReadDcmtkDictionary(dic, names, out var skipped);
var supplement = Sources.ReadTagSupplement(Path.Combine(here, "supplement-tags.txt"), names);
// A supplement row widens DCMTK's single sample of the same keyword (e.g. (1000,0010) EscapeTriplet) to
// the standard's mask (1000,xxx0); the entry keeps DCMTK's tag as its published Tag.
var tags = source.ToList();
var added = 0;
foreach (var row in supplement)
{
    var i = tags.FindIndex(t => t.Keyword == row.Keyword);
    if (i < 0)
    {
        tags.Add(row);
        added++;
    }
    else
    {
        tags[i] = row with { Tag = tags[i].Value };
    }
}
Check(tags.GroupBy(t => t.Keyword).Where(g => g.Count() > 1).Select(g => g.Key), "duplicate tag keyword");
Check(tags.GroupBy(t => (t.Value, t.Mask)).Where(g => g.Count() > 1).Select(g => g.First().MaskText), "duplicate tag");

var uids = Sources.ReadDcmtkUids(uidHeader, names);
var known = uids.Select(u => u.Value).ToHashSet(StringComparer.Ordinal);
var uidSupplement = Sources.ReadUidSupplement(Path.Combine(here, "supplement-uids.txt"));
Check(uidSupplement.Where(u => known.Contains(u.Value)).Select(u => u.Value), "supplement repeats a dcuid.h UID");
uids = [.. uids.Concat(uidSupplement).OrderBy(u => u.Value, UidComparer.Instance)];
Check(uids.GroupBy(u => u.Keyword).Where(g => g.Count() > 1).Select(g => g.Key), "duplicate UID keyword");
Check(uids.GroupBy(u => u.Value).Where(g => g.Count() > 1).Select(g => g.Key), "duplicate UID");

Directory.CreateDirectory(outDir);
var provenance = $"{dic} (DCMTK)";
File.WriteAllText(Path.Combine(outDir, "DicomDictionary.Generated.cs"), Emit.Dictionary(tags, source.Count, added, provenance));
File.WriteAllText(Path.Combine(outDir, "Tags.Generated.cs"), Emit.Tags(tags));
File.WriteAllText(Path.Combine(outDir, "DicomUids.Generated.cs"), Emit.Uids(uids));

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"dicom.dic: {source.Count} entries accepted, {skipped} rule lines (PRIVATE/ILLEGAL/GENERIC) skipped; supplement: {supplement.Count - added} widened, {added} added; total {tags.Count}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"UIDs: {uids.Count} ({uidSupplement.Count} from supplement-uids.txt); unnamed tags: {tags.Count(t => !names.Tags.ContainsKey(t.Value.ToString("X8", CultureInfo.InvariantCulture)) && t.Mask == 0xFFFFFFFF)}"));
return 0;

static void Check(IEnumerable<string> offenders, string what)
{
    var list = offenders.ToList();
    if (list.Count > 0)
        throw new InvalidOperationException($"{what}: {string.Join(", ", list)}");
}

static Dictionary<string, string> ParseArgs(string[] args)
{
    var result = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 0; i + 1 < args.Length; i += 2)
        result[args[i]] = args[i + 1];
    return result;
}

static string FindRepoRoot()
{
    for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "DicomGateway.sln")))
            return dir.FullName;
    }
    throw new InvalidOperationException("run from inside the repository or pass --repo");
}

/// <summary>Orders UIDs component by component, numerically, as the registry lists them.</summary>
internal sealed class UidComparer : IComparer<string>
{
    public static readonly UidComparer Instance = new();

    public int Compare(string? x, string? y)
    {
        var a = (x ?? "").Split('.');
        var b = (y ?? "").Split('.');
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            var c = a[i].Length != b[i].Length ? a[i].Length.CompareTo(b[i].Length) : string.CompareOrdinal(a[i], b[i]);
            if (c != 0)
                return c;
        }
        return a.Length.CompareTo(b.Length);
    }
}
