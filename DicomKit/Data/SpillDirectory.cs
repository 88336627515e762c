namespace DicomKit.Data;

/// <summary>
/// The directory that holds encrypted spill files. It is private to the process's user (mode 0700), because a
/// file name, a size or a timestamp of a spill can already tell something about what is being read, and because a
/// directory anyone can write to invites a link planted where our file is about to be created.
/// </summary>
public static class SpillDirectory
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// The default: <c>dicomkit-&lt;user&gt;</c> under the temporary directory (TMPDIR), one per user so that two
    /// accounts on one machine never share it.
    /// </summary>
    public static string Default => Path.Combine(Path.GetTempPath(), "dicomkit-" + SafeName(Environment.UserName));

    /// <summary>
    /// Creates <paramref name="path"/> with mode 0700 when it is absent and makes sure it is ours and private when
    /// it exists. Called before every spill, so a directory removed by a temp cleaner is simply made again.
    /// </summary>
    /// <exception cref="IOException">The directory is a symbolic link, or is another user's and cannot be made private.</exception>
    public static string Prepare(string? path)
    {
        var full = Path.GetFullPath(path ?? Default);
        if (OperatingSystem.IsWindows())
        {
            // The per-user temporary directory of Windows is already private to its user.
            Directory.CreateDirectory(full);
            return full;
        }
        var info = new DirectoryInfo(full);
        if (info.Exists && info.LinkTarget is not null)
            throw new IOException($"The spill directory {full} is a symbolic link; give a real directory.");
        Directory.CreateDirectory(full, Private);
        try
        {
            // chmod succeeds only for the owner: it both proves the directory is ours and repairs a mode widened by hand.
            if (File.GetUnixFileMode(full) != Private) File.SetUnixFileMode(full, Private);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IOException($"The spill directory {full} belongs to another user and is not private; remove it or give another.", e);
        }
        if (File.GetUnixFileMode(full) != Private)
            throw new IOException($"The spill directory {full} cannot be made private (mode 0700).");
        return full;
    }

    private static string SafeName(string name)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray();
        return chars.Length == 0 ? "user" : new string(chars);
    }
}
