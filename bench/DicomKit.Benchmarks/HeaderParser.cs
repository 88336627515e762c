using System.Diagnostics;
using System.Globalization;
using DicomKit.Data;
using DicomKit.IO;

namespace DicomKit.Benchmarks;

/// <summary>
/// The <c>parse</c> command: opens each file with <see cref="DicomFile.Open(string, DicomReadOptions?)"/>, reads a
/// few values an indexer needs, and prints the in-process time and the peak resident set size (VmHWM).
/// </summary>
internal static class HeaderParser
{
    public static int Run(IReadOnlyList<string> paths)
    {
        var sw = Stopwatch.StartNew();
        // The first touch of the generated Tags class runs its initialiser (some five thousand fields); timed
        // on its own because it dominates a short run and is not parsing.
        var sopInstanceUid = paths.Count > 0 ? Tags.SOPInstanceUID : default;
        var tagsInit = sw.Elapsed;
        long elements = 0;
        long pixelBytes = 0;
        var inMemoryPixelData = 0;
        foreach (var path in paths)
        {
            var file = DicomFile.Open(path);
            var ds = file.Dataset;
            var uid = ds.GetString(sopInstanceUid);
            var rows = ds.GetValue<ushort>(Tags.Rows);
            if (string.IsNullOrEmpty(uid) || rows == 0)
                throw new InvalidDataException($"{path}: SOP Instance UID or Rows missing");
            if (ds.GetElement(Tags.PixelData) is { } pixels)
            {
                pixelBytes += pixels.Length;
                if (pixels.Value.IsInMemory) inMemoryPixelData++;
            }
            elements += CountElements(ds);
        }
        sw.Stop();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"files={paths.Count} elements={elements} pixel_bytes={pixelBytes} pixel_data_in_memory={inMemoryPixelData} elapsed_ms={sw.Elapsed.TotalMilliseconds:F1} tags_init_ms={tagsInit.TotalMilliseconds:F1} vmhwm_kb={PeakResidentKilobytes()}"));
        return 0;
    }

    private static long CountElements(DicomDataset ds)
    {
        long n = 0;
        foreach (var item in ds)
        {
            n++;
            if (item is DicomSequence sq)
                foreach (var child in sq.Items) n += CountElements(child);
        }
        return n;
    }

    /// <summary>VmHWM of /proc/self/status: the peak resident set size of this process in kB.</summary>
    public static long PeakResidentKilobytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
            var digits = line.AsSpan(6).Trim().TrimEnd("kB").Trim();
            return long.Parse(digits, CultureInfo.InvariantCulture);
        }
        return -1;
    }
}
