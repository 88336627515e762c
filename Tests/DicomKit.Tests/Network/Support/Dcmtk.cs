using System.Diagnostics;
using System.Text;

namespace DicomKit.Tests.Network.Support;

/// <summary>Runs a DCMTK command-line tool with a hard timeout; the tests never wait on a hung peer.</summary>
internal static class Dcmtk
{
    public sealed record Result(int ExitCode, string Output);

    public static async Task<Result> RunAsync(string tool, IEnumerable<string> args, TimeSpan? timeout = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var process = new Process { StartInfo = psi };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', psi.ArgumentList)} did not finish: {output}");
        }
        process.WaitForExit(); // drain the redirected streams
        lock (output)
            return new Result(process.ExitCode, output.ToString());
    }

    public static async Task<Result> RunOkAsync(string tool, params string[] args)
    {
        var result = await RunAsync(tool, args);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed ({result.ExitCode}): {result.Output}");
        return result;
    }
}
