using System.Security.Cryptography;

namespace Gateway.Tests.Support;

/// <summary>Every file under a directory by relative name with the SHA-256 of its bytes: two snapshots are equal when nothing was added, removed or changed.</summary>
public static class DirectorySnapshot
{
    public static SortedDictionary<string, string> Take(string directory)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
            files[Path.GetRelativePath(directory, file)] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)));
        return files;
    }
}
