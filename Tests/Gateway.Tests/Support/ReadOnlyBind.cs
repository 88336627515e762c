namespace Gateway.Tests.Support;

/// <summary>
/// Makes a directory read-only for everyone, root included, by mounting a read-only bind of it over itself (a chmod
/// does not stop root, and a file system with files open for writing cannot be remounted read-only). Files already
/// open stay writable, as they do when an administrator remounts a volume. Disposing unmounts the bind.
/// </summary>
internal sealed class ReadOnlyBind : IAsyncDisposable
{
    private readonly string _directory;

    private ReadOnlyBind(string directory) => _directory = directory;

    public static async Task<ReadOnlyBind> MountAsync(string directory)
    {
        (await ExternalTool.RunAsync("mount", ["--bind", directory, directory], ExternalTool.DefaultTimeout)).ThrowIfFailed();
        var bind = new ReadOnlyBind(directory);
        var readOnly = await ExternalTool.RunAsync("mount", ["-o", "remount,bind,ro", directory], ExternalTool.DefaultTimeout);
        if (readOnly.ExitCode != 0)
        {
            await bind.DisposeAsync();
            readOnly.ThrowIfFailed();
        }
        return bind;
    }

    public async ValueTask DisposeAsync() =>
        await ExternalTool.RunAsync("umount", ["-l", _directory], ExternalTool.DefaultTimeout);
}
