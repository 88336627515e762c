using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace DicomGateway.Storage;

/// <summary>
/// The system calls behind "durably stored". On Linux: <c>fdatasync</c> for the instance's data, and an fsync of
/// the directory after the rename, without which a crash could lose the rename of an instance the sender was told
/// was stored. Elsewhere, .NET's flush-to-disk is used and directories are not synced. Writeback is not started
/// early (sync_file_range while an instance arrives): it makes stores slower on small machines.
/// </summary>
internal static partial class Durability
{
    /// <summary>Waits until the file's data (and the metadata needed to read it) is on disk.</summary>
    public static void FlushData(FileStream file)
    {
        file.Flush(flushToDisk: false);
        if (OperatingSystem.IsLinux())
        {
            if (fdatasync(file.SafeFileHandle) != 0)
                throw new IOException($"fdatasync failed: errno {Marshal.GetLastPInvokeError()}");
        }
        else
        {
            file.Flush(flushToDisk: true);
        }
    }

    /// <summary>Makes a directory's entries (a rename into it) durable.</summary>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux()) return;
        var fd = open(directory, 0 /* O_RDONLY */);
        if (fd < 0) throw new IOException($"cannot open {directory} to sync it: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            if (fsync(fd) != 0) throw new IOException($"fsync of {directory} failed: errno {Marshal.GetLastPInvokeError()}");
        }
        finally
        {
            _ = close(fd);
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fdatasync(SafeFileHandle fd);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);
}
