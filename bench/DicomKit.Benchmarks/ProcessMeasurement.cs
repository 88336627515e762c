using System.Diagnostics;
using System.Globalization;

namespace DicomKit.Benchmarks;

/// <summary>One run of a child process: wall time from spawn to exit, peak RSS as GNU time reports it, its stdout.</summary>
internal sealed record ProcessSample(TimeSpan Wall, long PeakRssKilobytes, string Output);

internal static class ProcessMeasurement
{
    private const string GnuTime = "/usr/bin/time";

    /// <summary>
    /// Runs <paramref name="command"/> under <c>/usr/bin/time -f %M</c> through <c>sh</c>, stdout going to a file
    /// (or /dev/null when <paramref name="keepOutput"/> is false) so that no pipe has to be drained while timing.
    /// Both tools are measured the same way, so the spawn overhead is the same for both.
    /// </summary>
    public static ProcessSample Run(IReadOnlyList<string> command, bool keepOutput)
    {
        var rssFile = Path.GetTempFileName();
        var outFile = keepOutput ? Path.GetTempFileName() : "/dev/null";
        try
        {
            var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardError = true };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add("out=$1; shift; exec \"$@\" >\"$out\"");
            psi.ArgumentList.Add("sh");
            psi.ArgumentList.Add(outFile);
            psi.ArgumentList.Add(GnuTime);
            psi.ArgumentList.Add("-f");
            psi.ArgumentList.Add("%M");
            psi.ArgumentList.Add("-o");
            psi.ArgumentList.Add(rssFile);
            foreach (var a in command) psi.ArgumentList.Add(a);

            var sw = Stopwatch.StartNew();
            using var p = Process.Start(psi) ?? throw new InvalidOperationException("Could not start " + command[0]);
            var stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            sw.Stop();
            if (p.ExitCode != 0)
                throw new InvalidOperationException($"{command[0]} exited with {p.ExitCode}: {Truncate(stderr)}");

            var rss = long.Parse(File.ReadAllText(rssFile).Trim().Split('\n')[^1], CultureInfo.InvariantCulture);
            var output = keepOutput ? File.ReadAllText(outFile) : "";
            return new ProcessSample(sw.Elapsed, rss, output);
        }
        finally
        {
            File.Delete(rssFile);
            if (keepOutput) File.Delete(outFile);
        }
    }

    private static string Truncate(string s) => s.Length <= 2000 ? s : s[..2000] + "...";

    public static bool IsAvailable(string tool) =>
        (tool.Contains('/', StringComparison.Ordinal) && File.Exists(tool))
        || (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, tool)));

    public static string GnuTimePath => GnuTime;
}
