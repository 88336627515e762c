using DicomKit.Data;
using DicomKit.IO;

namespace Gateway.Tests;

/// <summary>The Gateway as an administrator runs it, fed by DCMTK's echoscu and storescu.</summary>
public sealed class GatewayIngestTests : IDisposable
{
    private readonly TempDirectory _dir = new("gw-src-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Echo_and_store_reach_a_gateway_configured_by_environment_and_command_line()
    {
        await using var gw = await GatewayProcess.StartAsync();
        var files = Enumerable.Range(1, 5).Select(i => Instances.WriteCt(_dir.Path, i)).ToList();

        var echo = await ExternalTool.RunAsync("echoscu", ["-aec", "DICOMGATEWAY", "127.0.0.1", gw.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)], ExternalTool.LongTimeout);
        echo.ExitCode.Should().Be(0, echo.Output);

        var store = await ExternalTool.RunAsync("storescu", ["-aec", "DICOMGATEWAY", "127.0.0.1", gw.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. files], ExternalTool.LongTimeout);
        store.ExitCode.Should().Be(0, store.Output);

        // Received instances are ciphertext blobs (their content is checked through decryption in ShipmentEndToEndTests).
        var received = Directory.GetFiles(gw.BlobDirectory);
        received.Should().HaveCount(5);
        received.Select(Path.GetFileName).Should().OnlyContain(n => n!.Length == 32 && n.All(char.IsAsciiHexDigitLower),
            "blobs are named by an internal id, never by a UID or any value from the data set");
        foreach (var blob in received)
            (await File.ReadAllBytesAsync(blob)).AsSpan(0, 4).SequenceEqual("DGWS"u8).Should().BeTrue("every blob is in the shipment format");
    }

    [Fact]
    public async Task A_called_AE_title_named_by_a_routing_rule_is_answered_besides_the_gateways_own()
    {
        var env = new Dictionary<string, string>
        {
            ["Routing__Rules__0__Name"] = "Cardiology",
            ["Routing__Rules__0__Match__CalledAeTitle"] = "KARDIO",
            ["Routing__Rules__0__Recipients__0__Email"] = "cardio@example.org",
        };
        await using var gw = await GatewayProcess.StartAsync(env);
        var port = gw.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        (await ExternalTool.RunAsync("echoscu", ["-aec", "KARDIO", "127.0.0.1", port], ExternalTool.LongTimeout)).ExitCode.Should().Be(0);
        (await ExternalTool.RunAsync("echoscu", ["-aec", "DICOMGATEWAY", "127.0.0.1", port], ExternalTool.LongTimeout)).ExitCode.Should().Be(0);
        (await ExternalTool.RunAsync("echoscu", ["-aec", "ELSEWHERE", "127.0.0.1", port], ExternalTool.LongTimeout)).ExitCode.Should().NotBe(0);
    }

    [Fact]
    public async Task A_calling_AE_title_not_on_the_configured_list_is_rejected_and_a_listed_one_accepted()
    {
        var env = new Dictionary<string, string> { ["Dicom__AllowedCallingAeTitles__MODALITY1"] = "127.0.0.1" };
        await using var gw = await GatewayProcess.StartAsync(env);
        var port = gw.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var stranger = await ExternalTool.RunAsync("echoscu", ["-aet", "STRANGER", "-aec", "DICOMGATEWAY", "127.0.0.1", port], ExternalTool.LongTimeout);
        stranger.ExitCode.Should().NotBe(0);
        stranger.Output.Should().Contain("Calling AE Title Not Recognized");

        var listed = await ExternalTool.RunAsync("echoscu", ["-aet", "MODALITY1", "-aec", "DICOMGATEWAY", "127.0.0.1", port], ExternalTool.LongTimeout);
        listed.ExitCode.Should().Be(0, listed.Output);

        (await gw.WaitForOutputAsync("STRANGER")).Should().BeTrue("the rejection is logged with the calling AE title");
        gw.Output.Should().Contain("rejected");
    }

    [Fact]
    public async Task A_listed_AE_title_calling_from_another_host_than_configured_is_rejected()
    {
        var env = new Dictionary<string, string> { ["Dicom__AllowedCallingAeTitles__MODALITY1"] = "192.0.2.10" };
        await using var gw = await GatewayProcess.StartAsync(env);
        var result = await ExternalTool.RunAsync("echoscu", ["-aet", "MODALITY1", "-aec", "DICOMGATEWAY", "127.0.0.1", gw.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)], ExternalTool.LongTimeout);
        result.ExitCode.Should().NotBe(0);
        result.Output.Should().Contain("Calling AE Title Not Recognized");
    }

    [Fact]
    public async Task A_wrong_called_AE_title_is_rejected()
    {
        await using var gw = await GatewayProcess.StartAsync(args: ["--Dicom:AeTitle", "HOSPITALGW"]);
        var port = gw.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var wrong = await ExternalTool.RunAsync("echoscu", ["-aec", "DICOMGATEWAY", "127.0.0.1", port], ExternalTool.LongTimeout);
        wrong.Output.Should().Contain("Called AE Title Not Recognized");
        var right = await ExternalTool.RunAsync("echoscu", ["-aec", "HOSPITALGW", "127.0.0.1", port], ExternalTool.LongTimeout);
        right.ExitCode.Should().Be(0, right.Output);
    }

    [Fact]
    public async Task An_invalid_setting_stops_the_gateway_at_start_with_a_clear_message()
    {
        var act = async () => await GatewayProcess.StartAsync(args: ["--Dicom:AeTitle", "THIS_AE_TITLE_IS_FAR_TOO_LONG"]);
        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("AeTitle must be 1 to 16 characters");
    }
}
