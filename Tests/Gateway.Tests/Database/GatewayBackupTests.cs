using System.Globalization;
using System.Net;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Gateway.Tests.Database;

/// <summary>
/// The backup command of the real executable: an online copy of the database and the blobs while the gateway runs,
/// never the key; a restore of it with the key opens the shipment; unsafe targets are refused.
/// </summary>
public sealed class GatewayBackupTests : IDisposable
{
    private readonly TempDirectory _dir = new("gw-backup-");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_backup_taken_while_the_gateway_runs_holds_the_database_and_blobs_but_not_the_key_and_restores_with_the_key()
    {
        if (!OperatingSystem.IsLinux()) return;
        var outboxes = new Outboxes(_dir.Path);
        var env = outboxes.Environment();
        var data = Path.Combine(_dir.Path, "data");
        var backup = Path.Combine(_dir.Path, "backup");
        string link, code, keyFile;
        await using (var gw = await GatewayProcess.StartAsync(env, dataDirectory: data))
        {
            keyFile = gw.KeyFile;
            var files = Enumerable.Range(1, 3).Select(i => Instances.WriteCt(_dir.Path, i)).ToList();
            (await ExternalTool.RunAsync("storescu", ["-aec", "DICOMGATEWAY", "127.0.0.1", gw.Port.ToString(CultureInfo.InvariantCulture), .. files], ExternalTool.LongTimeout))
                .ExitCode.Should().Be(0);
            (link, code) = await outboxes.WaitForNotificationAsync();

            var (exitCode, output) = await GatewayProcess.RunUntilExitAsync(env, dataDirectory: data, command: ["backup", backup]);

            exitCode.Should().Be(0, output);
            output.Should().Contain("the gateway key is not in it");
            Directory.GetFiles(Path.Combine(backup, "blobs")).Select(Path.GetFileName).Should().BeEquivalentTo(Directory.GetFiles(gw.BlobDirectory).Select(Path.GetFileName));
        }

        var key = await File.ReadAllBytesAsync(keyFile);
        Directory.EnumerateFiles(backup, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(backup, f)).Should().NotContain(f => f.Contains("key", StringComparison.Ordinal));
        foreach (var file in Directory.EnumerateFiles(backup, "*", SearchOption.AllDirectories))
            (await File.ReadAllBytesAsync(file)).AsSpan().IndexOf(key).Should().Be(-1, $"the key is not in {Path.GetRelativePath(backup, file)}");

        // Restored elsewhere with the key it was used with, the shipment opens with its link and code.
        await using var restored = await GatewayProcess.StartAsync(env, dataDirectory: backup, keyFile: keyFile);
        using var recipient = new RecipientClient(restored.WebBase, link, code);
        (await recipient.UnlockAsync()).Status.Should().Be(HttpStatusCode.OK);
        (await recipient.ManifestAsync()).InstanceCount.Should().Be(3);
    }

    [Fact]
    public async Task A_backup_into_a_directory_that_is_not_empty_or_inside_the_data_directory_or_without_a_target_is_refused()
    {
        var data = Path.Combine(_dir.Path, "data");
        await using (var gw = await GatewayProcess.StartAsync(dataDirectory: data)) { }
        var full = Directory.CreateDirectory(Path.Combine(_dir.Path, "full")).FullName;
        await File.WriteAllTextAsync(Path.Combine(full, "something"), "x");

        var notEmpty = await GatewayProcess.RunUntilExitAsync(dataDirectory: data, command: ["backup", full]);
        var inside = await GatewayProcess.RunUntilExitAsync(dataDirectory: data, command: ["backup", Path.Combine(data, "backup")]);
        var noTarget = await GatewayProcess.RunUntilExitAsync(dataDirectory: data, command: ["backup"]);

        notEmpty.ExitCode.Should().NotBe(0);
        notEmpty.Output.Should().Contain("not empty");
        inside.ExitCode.Should().NotBe(0);
        inside.Output.Should().Contain("inside the data directory");
        Directory.Exists(Path.Combine(data, "backup")).Should().BeFalse();
        noTarget.ExitCode.Should().NotBe(0);
        noTarget.Output.Should().Contain("Usage");
    }
}
