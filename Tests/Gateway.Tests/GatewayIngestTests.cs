using DicomKit.Data;
using DicomKit.IO;

namespace Gateway.Tests;

/// <summary>The Gateway as an administrator runs it, fed by DCMTK's echoscu and storescu.</summary>
public sealed class GatewayIngestTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gw-src-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Echo_and_store_reach_a_gateway_configured_by_environment_and_command_line()
    {
        await using var gw = await GatewayProcess.StartAsync();
        var files = Enumerable.Range(1, 5).Select(i => Instances.WriteCt(_dir, i)).ToList();

        var echo = await Tool.RunAsync("echoscu", "-aec", "DICOMGATEWAY", "127.0.0.1", gw.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        echo.ExitCode.Should().Be(0, echo.Output);

        var store = await Tool.RunAsync("storescu", ["-aec", "DICOMGATEWAY", "127.0.0.1", gw.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. files]);
        store.ExitCode.Should().Be(0, store.Output);

        var received = Directory.GetFiles(gw.IncomingDirectory, "*.dcm");
        received.Should().HaveCount(5);
        received.Select(Path.GetFileNameWithoutExtension).Should().OnlyContain(n => n!.Length == 32 && n.All(char.IsAsciiHexDigitLower),
            "files are named by an internal id, never by a UID or any value from the data set");
        Directory.GetFiles(gw.IncomingDirectory, "*.part").Should().BeEmpty();

        var bySop = received.Select(f => DicomFile.Open(f)).ToDictionary(f => f.Dataset.GetString(Tags.SOPInstanceUID)!);
        foreach (var path in files)
        {
            var sent = DicomFile.Open(path);
            var got = bySop[sent.Dataset.GetString(Tags.SOPInstanceUID)!];
            DatasetComparer.Differences(sent.Dataset, got.Dataset).Should().BeEmpty();
            got.FileMetaInformation.GetString(new DicomTag(0x0002, 0x0016)).Should().Be("STORESCU", "the meta header names the sender");
        }
    }

    [Fact]
    public async Task A_calling_AE_title_not_on_the_configured_list_is_rejected_and_a_listed_one_accepted()
    {
        var env = new Dictionary<string, string> { ["Dicom__AllowedCallingAeTitles__MODALITY1"] = "127.0.0.1" };
        await using var gw = await GatewayProcess.StartAsync(env);
        var port = gw.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var stranger = await Tool.RunAsync("echoscu", "-aet", "STRANGER", "-aec", "DICOMGATEWAY", "127.0.0.1", port);
        stranger.ExitCode.Should().NotBe(0);
        stranger.Output.Should().Contain("Calling AE Title Not Recognized");

        var listed = await Tool.RunAsync("echoscu", "-aet", "MODALITY1", "-aec", "DICOMGATEWAY", "127.0.0.1", port);
        listed.ExitCode.Should().Be(0, listed.Output);

        (await gw.WaitForOutputAsync("STRANGER")).Should().BeTrue("the rejection is logged with the calling AE title");
        gw.Output.Should().Contain("rejected");
    }

    [Fact]
    public async Task A_listed_AE_title_calling_from_another_host_than_configured_is_rejected()
    {
        var env = new Dictionary<string, string> { ["Dicom__AllowedCallingAeTitles__MODALITY1"] = "192.0.2.10" };
        await using var gw = await GatewayProcess.StartAsync(env);
        var result = await Tool.RunAsync("echoscu", "-aet", "MODALITY1", "-aec", "DICOMGATEWAY", "127.0.0.1", gw.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        result.ExitCode.Should().NotBe(0);
        result.Output.Should().Contain("Calling AE Title Not Recognized");
    }

    [Fact]
    public async Task A_wrong_called_AE_title_is_rejected()
    {
        await using var gw = await GatewayProcess.StartAsync(args: ["--Dicom:AeTitle", "HOSPITALGW"]);
        var port = gw.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var wrong = await Tool.RunAsync("echoscu", "-aec", "DICOMGATEWAY", "127.0.0.1", port);
        wrong.Output.Should().Contain("Called AE Title Not Recognized");
        var right = await Tool.RunAsync("echoscu", "-aec", "HOSPITALGW", "127.0.0.1", port);
        right.ExitCode.Should().Be(0, right.Output);
    }

    [Fact]
    public async Task An_invalid_setting_stops_the_gateway_at_start_with_a_clear_message()
    {
        var act = async () => await GatewayProcess.StartAsync(args: ["--Dicom:AeTitle", "THIS_AE_TITLE_IS_FAR_TOO_LONG"]);
        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("AeTitle must be 1 to 16 characters");
    }
}
