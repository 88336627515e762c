using DicomGateway.Commitment;

namespace Gateway.Tests.Commitment;

/// <summary>Settings under Dicom:StorageCommitment an administrator could get wrong are refused at start.</summary>
public sealed class StorageCommitmentOptionsTests
{
    [Fact]
    public void The_defaults_are_valid() => new StorageCommitmentOptions().Validate().Should().BeEmpty();

    [Theory]
    [InlineData("PollInterval")]
    [InlineData("RetryBase")]
    [InlineData("ResponseTimeout")]
    [InlineData("RetryMax")]
    [InlineData("MaxAttempts")]
    public void A_bad_value_is_named(string setting)
    {
        var options = new StorageCommitmentOptions();
        switch (setting)
        {
            case "PollInterval": options.PollInterval = TimeSpan.Zero; break;
            case "RetryBase": options.RetryBase = TimeSpan.FromSeconds(-1); break;
            case "ResponseTimeout": options.ResponseTimeout = TimeSpan.Zero; break;
            case "RetryMax": options.RetryMax = TimeSpan.FromSeconds(1); break;
            case "MaxAttempts": options.MaxAttempts = 0; break;
        }

        options.Validate().Should().ContainSingle().Which.Should().Contain(setting);
    }
}
