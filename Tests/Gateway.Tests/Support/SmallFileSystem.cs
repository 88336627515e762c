using System.Globalization;

namespace Gateway.Tests.Support;

/// <summary>
/// A tmpfs of a few megabytes mounted for one test: a file system that really runs out of space, or turns read-only,
/// under a gateway's data directory. Needs root with CAP_SYS_ADMIN (the test container has it). Unmounted at dispose.
/// </summary>
internal sealed class SmallFileSystem : IDisposable
{
    private readonly TempDirectory _mountPoint = new("gw-tmpfs-");

    private SmallFileSystem(long bytes) => Bytes = bytes;

    public string Path => _mountPoint.Path;

    public long Bytes { get; }

    public static async Task<SmallFileSystem> MountAsync(long bytes)
    {
        var fs = new SmallFileSystem(bytes);
        var mount = await ExternalTool.RunAsync("mount", ["-t", "tmpfs", "-o", "size=" + bytes.ToString(CultureInfo.InvariantCulture) + ",mode=0755", "tmpfs", fs.Path], ExternalTool.DefaultTimeout);
        if (mount.ExitCode != 0)
        {
            fs.Dispose();
            throw new InvalidOperationException("cannot mount a tmpfs (root with CAP_SYS_ADMIN needed): " + mount.Output);
        }
        return fs;
    }

    /// <summary>Bytes the file system has available now.</summary>
    public long Available => new DriveInfo(Path).AvailableFreeSpace;

    /// <summary>Fills the file system until <paramref name="leaveFree"/> bytes stay available; returns the filler file.</summary>
    public string Fill(long leaveFree)
    {
        var filler = System.IO.Path.Combine(Path, "filler");
        using var stream = new FileStream(filler, FileMode.Append, FileAccess.Write);
        var chunk = new byte[64 * 1024];
        while (Available - chunk.Length >= leaveFree) stream.Write(chunk);
        stream.Flush();
        return filler;
    }

    public async Task RemountAsync(bool readOnly) =>
        (await ExternalTool.RunAsync("mount", ["-o", readOnly ? "remount,ro" : "remount,rw", Path], ExternalTool.DefaultTimeout)).ThrowIfFailed();

    public void Dispose()
    {
        // Lazy: a process that still exits may hold a file; the mount goes as soon as it lets go.
        ExternalTool.Run("umount", "-l", Path);
        _mountPoint.Dispose();
    }
}
