using System.Security.Cryptography;
using System.Text;
using DicomGateway.Database;
using DicomGateway.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DicomGateway.Crypto;

/// <summary>
/// Finds the gateway key and checks it against the database before anything is written. The key comes from
/// Shipments:GatewayKey, else from the systemd credential "gateway-key", else from Shipments:GatewayKeyFile (taken
/// from the content root, created on first start). It never lives in the data directory: every copy of the data
/// (a backup, a snapshot) would carry the key that opens what the gateway keeps.
/// </summary>
public sealed partial class GatewayKeyCustody
{
    /// <summary>The name of the systemd credential (LoadCredential=gateway-key:...) read from $CREDENTIALS_DIRECTORY.</summary>
    public const string CredentialName = "gateway-key";

    private readonly CryptoOptions _options;
    private readonly string _dataDirectory;
    private readonly string _contentRoot;
    private readonly string _databasePath;
    private readonly string? _credentialsDirectory;
    private readonly ILogger<GatewayKeyCustody> _logger;

    /// <param name="credentialsDirectory">$CREDENTIALS_DIRECTORY, set by systemd when the unit loads credentials.</param>
    public GatewayKeyCustody(IOptions<CryptoOptions> options, StoragePaths paths, IHostEnvironment environment, IOptions<DatabaseOptions> database,
        string? credentialsDirectory, ILogger<GatewayKeyCustody> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(database);
        _options = options.Value;
        _dataDirectory = paths.DataDirectory;
        _contentRoot = environment.ContentRootPath;
        _databasePath = GatewayDatabase.PathOf(database.Value, paths.DataDirectory);
        _credentialsDirectory = string.IsNullOrEmpty(credentialsDirectory) ? null : credentialsDirectory;
        _logger = logger;
    }

    /// <summary>Where the key file is (or would be): Shipments:GatewayKeyFile against the content root.</summary>
    public string KeyFilePath => Path.GetFullPath(Path.Combine(_contentRoot, _options.GatewayKeyFile));

    /// <summary>
    /// Where a gateway that kept its key in the data directory had it: a relative Shipments:GatewayKeyFile against the
    /// data directory, else the default place there (keys/gateway.key).
    /// </summary>
    private string LegacyKeyFilePath
    {
        get
        {
            var relative = Path.GetFullPath(Path.Combine(_dataDirectory, _options.GatewayKeyFile));
            return IsInside(relative, _dataDirectory) ? relative : Path.Combine(_dataDirectory, "keys", "gateway.key");
        }
    }

    private string? CredentialPath => _credentialsDirectory is null ? null : Path.Combine(_credentialsDirectory, CredentialName);

    /// <summary>
    /// The keyring, once the key is found and matches the database's check value. Refuses
    /// (<see cref="GatewayKeyRefusedException"/>) having changed nothing on disk when the key file lies in the data
    /// directory, when the database has a check value and no key is found, or when the key is another.
    /// </summary>
    public GatewayKeyring Open()
    {
        var keyFile = KeyFilePath;
        var (key, source, legacy) = Find(keyFile);
        try
        {
            var recorded = GatewayKeyCheck.ReadWithoutWriting(_databasePath);
            if (recorded is not null && key is null)
                throw new GatewayKeyRefusedException(
                    $"The database {_databasePath} was used with a gateway key, and the key file {keyFile} (Shipments:GatewayKeyFile) does not exist. " +
                    "Restore the key from its backup to that file, or point Shipments:GatewayKeyFile or Shipments:GatewayKey at it; a new key would leave " +
                    "everything the gateway keeps unreadable. Nothing was changed.");
            if (recorded is not null)
            {
                using var candidate = new GatewayKeyring(key);
                if (!CryptographicOperations.FixedTimeEquals(candidate.CheckValue(), recorded))
                    throw new GatewayKeyRefusedException(
                        $"The gateway key from {source} is not the key the database {_databasePath} was used with (their check values differ). " +
                        "Set Shipments:GatewayKeyFile or Shipments:GatewayKey to the key this data directory was used with, restored from its backup. Nothing was changed.");
            }

            if (key is null) key = Create(keyFile);
            else if (legacy) MoveOut(keyFile, key);
            else WarnAboutKeyInData(key);
            return new GatewayKeyring(key);
        }
        finally
        {
            if (key is not null) CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>The key and where it came from, without writing anything; a null key when the key file is yet to be created.</summary>
    private (byte[]? Key, string Source, bool Legacy) Find(string keyFile)
    {
        if (!string.IsNullOrEmpty(_options.GatewayKey))
        {
            if (!CryptoOptions.IsKey(_options.GatewayKey)) throw new GatewayKeyRefusedException("Shipments:GatewayKey must be the base64 of exactly 32 bytes");
            LogConfiguredKey();
            return (Convert.FromBase64String(_options.GatewayKey), "Shipments:GatewayKey", false);
        }
        if (CredentialPath is { } credential && File.Exists(credential))
        {
            LogCredentialKey(credential);
            return (ReadCredential(credential), $"the systemd credential {credential}", false);
        }
        if (IsInside(keyFile, _dataDirectory))
            throw new GatewayKeyRefusedException(
                $"The gateway key file {keyFile} (Shipments:GatewayKeyFile) is inside the data directory {_dataDirectory} (Storage:DataDirectory): every copy " +
                "or backup of the data would carry the key that opens it. Set Shipments:GatewayKeyFile to a path outside the data directory " +
                "(for example /etc/dicomgateway/gateway.key) and move the key file there.");
        if (File.Exists(keyFile))
        {
            if (GatewayKeyFile.IsReadableByOthers(keyFile)) LogKeyFileReadable(keyFile);
            return (GatewayKeyFile.Read(keyFile), $"the file {keyFile} (Shipments:GatewayKeyFile)", false);
        }
        var legacyFile = LegacyKeyFilePath;
        if (legacyFile != keyFile && File.Exists(legacyFile)) return (GatewayKeyFile.Read(legacyFile), $"the file {legacyFile} in the data directory", true);
        return (null, $"the file {keyFile} (Shipments:GatewayKeyFile)", false);
    }

    /// <summary>A credential file holds the 32 bytes themselves or their base64 (systemd-creds can store either).</summary>
    private static byte[] ReadCredential(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length == GatewayKeyring.KeySize) return bytes;
        try
        {
            var text = Encoding.ASCII.GetString(bytes).Trim();
            if (CryptoOptions.IsKey(text)) return Convert.FromBase64String(text);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
        throw new GatewayKeyRefusedException(
            $"The systemd credential {path} must hold the gateway key as {GatewayKeyring.KeySize} bytes or their base64 (or remove it to use Shipments:GatewayKeyFile)");
    }

    private byte[] Create(string keyFile)
    {
        var key = RandomNumberGenerator.GetBytes(GatewayKeyring.KeySize);
        if (GatewayKeyFile.TryCreate(keyFile, key))
        {
            LogKeyFileCreated(keyFile);
            return key;
        }
        // Another process created the key between our look and our rename: theirs is the key.
        CryptographicOperations.ZeroMemory(key);
        return GatewayKeyFile.Read(keyFile);
    }

    /// <summary>
    /// A key left in the data directory by an earlier version goes to the configured place: written and flushed there
    /// first, then deleted from the data directory, so a crash in between leaves two copies, never none.
    /// </summary>
    private void MoveOut(string keyFile, byte[] key)
    {
        var legacyFile = LegacyKeyFilePath;
        if (!GatewayKeyFile.TryCreate(keyFile, key))
            throw new GatewayKeyRefusedException($"The gateway key file {keyFile} (Shipments:GatewayKeyFile) appeared while the key in {legacyFile} was moved there; start again");
        File.Delete(legacyFile);
        Durability.SyncDirectory(Path.GetDirectoryName(legacyFile)!);
        LogKeyMovedOut(legacyFile, keyFile);
    }

    /// <summary>A key file left in the data directory, next to a key found elsewhere, still travels with every copy of the data.</summary>
    private void WarnAboutKeyInData(byte[] key)
    {
        var legacyFile = LegacyKeyFilePath;
        if (legacyFile == KeyFilePath || !File.Exists(legacyFile)) return;
        var legacy = File.ReadAllBytes(legacyFile);
        var same = CryptographicOperations.FixedTimeEquals(legacy, key);
        CryptographicOperations.ZeroMemory(legacy);
        if (same)
        {
            File.Delete(legacyFile);
            LogLegacyCopyDeleted(legacyFile);
        }
        else
        {
            LogOtherKeyInData(legacyFile);
        }
    }

    private static bool IsInside(string path, string directory)
    {
        var relative = Path.GetRelativePath(directory, path);
        return relative != ".." && !relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) && !Path.IsPathRooted(relative);
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Created a new gateway key in {Path}; back it up apart from the data: without it, unsealed studies, queued notifications and stored key shares cannot be read")]
    private partial void LogKeyFileCreated(string path);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Using the gateway key from Shipments:GatewayKey")]
    private partial void LogConfiguredKey();

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "The gateway key file {Path} can be read by other users; it should have mode 0600")]
    private partial void LogKeyFileReadable(string path);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Information, Message = "Using the gateway key from the systemd credential {Path}")]
    private partial void LogCredentialKey(string path);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "Moved the gateway key out of the data directory, from {From} to {To}; back it up apart from the data")]
    private partial void LogKeyMovedOut(string from, string to);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "Deleted {Path}, a copy of the gateway key inside the data directory")]
    private partial void LogLegacyCopyDeleted(string path);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Warning, Message = "{Path} inside the data directory holds another gateway key than the one in use; it travels with every copy of the data")]
    private partial void LogOtherKeyInData(string path);
}
