namespace DicomGateway.Tests.Support;

/// <summary>A file a process holds open, as /proc lists it: the descriptor's path and what it points to.</summary>
internal sealed record OpenFile(string Descriptor, string Target)
{
    /// <summary>The kernel marks a file that has no directory entry left (unlinked while open).</summary>
    public bool Unlinked => Target.EndsWith(" (deleted)", StringComparison.Ordinal);

    /// <summary>The file's bytes, read through the descriptor's /proc link, which works after the file is unlinked.</summary>
    public byte[] ReadAll()
    {
        using var file = Open(FileAccess.Read);
        var bytes = new byte[file.Length];
        file.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>Opens the file through its descriptor's /proc link, sharing it with its owner.</summary>
    public FileStream Open(FileAccess access) => new(Descriptor, FileMode.Open, access, FileShare.ReadWrite);
}

/// <summary>
/// The files a process has open (Linux /proc): how a test sees files that no longer have a name, such as
/// spill files unlinked right after they were opened.
/// </summary>
internal static class OpenFiles
{
    /// <summary>Files of process <paramref name="pid"/> (or this one) that were opened under <paramref name="directory"/>.</summary>
    public static IReadOnlyList<OpenFile> Under(string directory, int? pid = null)
    {
        var fdDirectory = $"/proc/{(pid is { } p ? p.ToString(System.Globalization.CultureInfo.InvariantCulture) : "self")}/fd";
        var prefix = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)) + "/";
        var found = new List<OpenFile>();
        string[] descriptors;
        try
        {
            descriptors = Directory.GetFiles(fdDirectory);
        }
        catch (Exception e) when (e is DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            return found; // the process has exited
        }
        foreach (var fd in descriptors)
        {
            string? target;
            try
            {
                target = new FileInfo(fd).LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // closed while listed
            }
            if (target is not null && target.StartsWith(prefix, StringComparison.Ordinal)) found.Add(new OpenFile(fd, target));
        }
        return found;
    }
}
