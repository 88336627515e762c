using System.Security.Cryptography;
using System.Text;
using DicomGateway.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Crypto;

/// <summary>
/// The gateway's own 32-byte key, from configuration or from a key file created on first start. Every use goes
/// through a subkey derived per purpose (HKDF-SHA256, info "DicomGateway v1 protect {purpose}" or
/// "DicomGateway v1 hash {purpose}"), so a value protected or hashed for one purpose means nothing for another.
/// Protects the data keys of studies not yet sealed and queued notifications; keys pseudonymous identifiers.
/// </summary>
public sealed partial class GatewayKeyring : ISecretProtector, IDisposable
{
    public const int KeySize = 32;

    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly byte[] _key;
    private readonly ILogger<GatewayKeyring> _logger;

    /// <param name="dataDirectory">The gateway's data directory (<see cref="StoragePaths.DataDirectory"/>); a relative key file is taken from it.</param>
    public GatewayKeyring(IOptions<CryptoOptions> options, string dataDirectory, ILogger<GatewayKeyring> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        _logger = logger;
        var configured = options.Value;
        if (!string.IsNullOrEmpty(configured.GatewayKey))
        {
            if (!CryptoOptions.IsKey(configured.GatewayKey)) throw new InvalidOperationException("Shipments:GatewayKey must be the base64 of exactly 32 bytes");
            _key = Convert.FromBase64String(configured.GatewayKey);
            LogConfiguredKey();
        }
        else
        {
            _key = LoadOrCreate(Path.GetFullPath(Path.Combine(dataDirectory, configured.GatewayKeyFile)));
        }
    }

    /// <summary>
    /// Encrypts <paramref name="plaintext"/> for <paramref name="purpose"/>: nonce (12) || ciphertext || tag (16),
    /// AES-256-GCM under the purpose's subkey with the purpose (UTF-8) as associated data.
    /// </summary>
    public byte[] Protect(string purpose, ReadOnlySpan<byte> plaintext)
    {
        var associatedData = Purpose(purpose);
        var output = new byte[NonceSize + plaintext.Length + TagSize];
        RandomNumberGenerator.Fill(output.AsSpan(0, NonceSize));
        using var aes = CreateAes(purpose);
        aes.Encrypt(output.AsSpan(0, NonceSize), plaintext, output.AsSpan(NonceSize, plaintext.Length), output.AsSpan(NonceSize + plaintext.Length), associatedData);
        return output;
    }

    /// <summary>The inverse of <see cref="Protect"/>; data changed, protected for another purpose or under another key raises <see cref="ShipmentIntegrityException"/>.</summary>
    public byte[] Unprotect(string purpose, ReadOnlySpan<byte> protectedData)
    {
        var associatedData = Purpose(purpose);
        if (protectedData.Length < NonceSize + TagSize) throw new ShipmentIntegrityException("Protected data is too short");
        var length = protectedData.Length - NonceSize - TagSize;
        var plaintext = new byte[length];
        using var aes = CreateAes(purpose);
        try
        {
            aes.Decrypt(protectedData[..NonceSize], protectedData.Slice(NonceSize, length), protectedData[(NonceSize + length)..], plaintext, associatedData);
            return plaintext;
        }
        catch (CryptographicException e)
        {
            throw new ShipmentIntegrityException("Protected data failed authentication", e);
        }
    }

    /// <summary>HMAC-SHA256 of <paramref name="value"/> under the purpose's subkey: a stable pseudonym that needs the gateway key to compute.</summary>
    public byte[] KeyedHash(string purpose, ReadOnlySpan<byte> value)
    {
        Span<byte> subkey = stackalloc byte[KeySize];
        try
        {
            DeriveSubkey(CryptoPurposes.HashPrefix, purpose, subkey);
            return HMACSHA256.HashData(subkey, value);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(subkey);
        }
    }

    /// <summary><see cref="KeyedHash(string, ReadOnlySpan{byte})"/> of the UTF-8 bytes of <paramref name="value"/> (a patient ID, a UID).</summary>
    public byte[] KeyedHash(string purpose, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return KeyedHash(purpose, Encoding.UTF8.GetBytes(value));
    }

    /// <summary>The same keyed hash as <see cref="KeyedHash(string, ReadOnlySpan{byte})"/>, over data that arrives in pieces (an instance as it streams in).</summary>
    public IncrementalKeyedHash CreateIncrementalHash(string purpose)
    {
        Span<byte> subkey = stackalloc byte[KeySize];
        try
        {
            DeriveSubkey(CryptoPurposes.HashPrefix, purpose, subkey);
            return new IncrementalKeyedHash(subkey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(subkey);
        }
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(_key);

    private AesGcm CreateAes(string purpose)
    {
        Span<byte> subkey = stackalloc byte[KeySize];
        try
        {
            DeriveSubkey(CryptoPurposes.ProtectPrefix, purpose, subkey);
            return new AesGcm(subkey, TagSize);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(subkey);
        }
    }

    private void DeriveSubkey(string prefix, string purpose, Span<byte> subkey) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _key, subkey, ReadOnlySpan<byte>.Empty, Encoding.UTF8.GetBytes(prefix + purpose));

    private static byte[] Purpose(string purpose)
    {
        ArgumentException.ThrowIfNullOrEmpty(purpose);
        return Encoding.UTF8.GetBytes(purpose);
    }

    private byte[] LoadOrCreate(string path)
    {
        if (File.Exists(path)) return Load(path);

        var directory = Path.GetDirectoryName(path)!;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(directory);
        else Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        // Written whole to a temporary file, flushed to disk, then renamed: a crash leaves no key or a whole key.
        var key = RandomNumberGenerator.GetBytes(KeySize);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
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
            // Another process created the key between our check and our rename: theirs is the key.
            File.Delete(temporary);
            CryptographicOperations.ZeroMemory(key);
            return Load(path);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
        Durability.SyncDirectory(directory);
        LogKeyFileCreated(path);
        return key;
    }

    private byte[] Load(string path)
    {
        var key = File.ReadAllBytes(path);
        if (key.Length != KeySize)
        {
            CryptographicOperations.ZeroMemory(key);
            throw new InvalidOperationException($"The gateway key file {path} does not hold {KeySize} bytes; restore it from backup rather than deleting it");
        }
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0)
            LogKeyFileReadable(path);
        return key;
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Created a new gateway key in {Path}; back it up: without it, unsealed studies and queued notifications cannot be read")]
    private partial void LogKeyFileCreated(string path);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Using the gateway key from Shipments:GatewayKey")]
    private partial void LogConfiguredKey();

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "The gateway key file {Path} can be read by other users; it should have mode 0600")]
    private partial void LogKeyFileReadable(string path);
}
