using DicomGateway.Audit;

namespace Gateway.Tests.Audit;

public sealed class AuditCodesTests
{
    [Theory]
    [InlineData(AuditEventIds.ApplicationActivity, "110100", "Application Activity")]
    [InlineData(AuditEventIds.InstancesAccessed, "110103", "DICOM Instances Accessed")]
    [InlineData(AuditEventIds.InstancesTransferred, "110104", "DICOM Instances Transferred")]
    [InlineData(AuditEventIds.StudyDeleted, "110105", "DICOM Study Deleted")]
    [InlineData(AuditEventIds.Export, "110106", "Export")]
    [InlineData(AuditEventIds.Import, "110107", "Import")]
    [InlineData(AuditEventIds.PatientRecord, "110110", "Patient Record")]
    [InlineData(AuditEventIds.Query, "110112", "Query")]
    [InlineData(AuditEventIds.SecurityAlert, "110113", "Security Alert")]
    [InlineData(AuditEventIds.UserAuthentication, "110114", "User Authentication")]
    public void Event_ids_are_the_DCM_codes_of_PS3_16_with_their_meanings(string constant, string code, string meaning)
    {
        constant.Should().Be(code);
        AuditEventIds.Meaning(code).Should().Be(meaning);
    }

    [Fact]
    public void Login_and_logout_are_the_DCM_event_types_110122_and_110123()
    {
        AuditEventTypes.Login.Should().Be("110122");
        AuditEventTypes.Logout.Should().Be("110123");
        AuditEventTypes.Meaning("110123").Should().Be("Logout");
    }

    [Fact]
    public void Action_codes_and_outcome_indicators_have_the_values_of_PS3_15()
    {
        Enum.GetValues<AuditAction>().Select(a => (char)a).Should().BeEquivalentTo(['C', 'R', 'U', 'D', 'E']);
        Enum.GetValues<AuditOutcome>().Select(o => (int)o).Should().Equal(0, 4, 8, 12);
    }
}
