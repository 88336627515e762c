using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace DicomGateway.Tests.Support;

/// <summary>What a finished tool printed: each stream alone, and both as one listing in the order the lines came.</summary>
internal sealed record ToolResult(string Command, int ExitCode, string StandardOutput, string StandardError, string Output)
{
    /// <summary>This result, or an exception carrying the command's output when the tool failed.</summary>
    public ToolResult ThrowIfFailed() =>
        ExitCode == 0 ? this : throw new InvalidOperationException($"{Command} failed ({ExitCode}): {Output}");
}

/// <summary>
/// Runs an installed command-line tool (DCMTK, dicom3tools, python3) with a hard time limit: the tests never wait on a
/// hung peer, and a missing tool says how to install it.
/// </summary>
internal static class ExternalTool
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>For tools that send whole studies to a gateway under test (which encrypts as it receives), or compress and decode them.</summary>
    public static readonly TimeSpan LongTimeout = TimeSpan.FromMinutes(2);

    public static Task<ToolResult> RunAsync(string tool, params string[] arguments) => RunAsync(tool, arguments, DefaultTimeout);

    public static async Task<ToolResult> RunAsync(string tool, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        var command = $"{tool} {string.Join(' ', start.ArgumentList)}";
        using var process = new Process { StartInfo = start };
        StringBuilder stdout = new(), stderr = new(), both = new();
        process.OutputDataReceived += (_, e) => Append(e.Data, stdout, both);
        process.ErrorDataReceived += (_, e) => Append(e.Data, stderr, both);
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"{tool} is not installed; ./test.sh installs DCMTK, dicom3tools and pydicom.", e);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            // Also waits for both redirected streams to end, so the builders are complete afterwards.
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            lock (both) throw new TimeoutException($"{command} did not finish in {timeout.TotalSeconds:0.###} s: {both}");
        }
        lock (both) return new ToolResult(command, process.ExitCode, stdout.ToString(), stderr.ToString(), both.ToString());
    }

    /// <summary>
    /// For synchronous callers (xunit theory data, lazy lookups, synchronous tests): the same run, waited for on the
    /// calling thread, which has no synchronization context under xunit.
    /// </summary>
    public static ToolResult Run(string tool, params string[] arguments) => RunAsync(tool, arguments).GetAwaiter().GetResult();

    private static void Append(string? line, StringBuilder stream, StringBuilder both)
    {
        if (line is null) return;
        lock (both)
        {
            stream.AppendLine(line);
            both.AppendLine(line);
        }
    }
}
