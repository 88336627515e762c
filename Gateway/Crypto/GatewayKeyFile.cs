using System.Security.Cryptography;
using DicomGateway.Storage;

namespace DicomGateway.Crypto;

/// <summary>The gateway key as a file: 32 raw bytes, mode 0600, in a directory of mode 0700.</summary>
internal static class GatewayKeyFile
{
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>The key in <paramref name="path"/>; a file of another size stops the start and is left as it is.</summary>
    public static byte[] Read(string path)
    {
        var key = File.ReadAllBytes(path);
        if (key.Length == GatewayKeyring.KeySize) return key;
        CryptographicOperations.ZeroMemory(key);
        throw new GatewayKeyRefusedException(
            $"The gateway key file {path} (Shipments:GatewayKeyFile) does not hold {GatewayKeyring.KeySize} bytes; restore it from its backup rather than deleting it");
    }

    public static bool IsReadableByOthers(string path) =>
        !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0;

    /// <summary>
    /// Writes <paramref name="key"/> to <paramref name="path"/>, which must not exist: whole to a temporary file,
    /// flushed to disk, then renamed, so a crash leaves no key or a whole key. False when another process created the
    /// file first (theirs is then the key).
    /// </summary>
    public static bool TryCreate(string path, ReadOnlySpan<byte> key)
    {
        var directory = Path.GetDirectoryName(path)!;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(directory);
        else Directory.CreateDirectory(directory, OwnerOnlyDirectory);

        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) fileOptions.UnixCreateMode = OwnerOnlyFile;
        try
        {
            using (var file = new FileStream(temporary, fileOptions))
            {
                file.Write(key);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
            return false;
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
        Durability.SyncDirectory(directory);
        return true;
    }
}
