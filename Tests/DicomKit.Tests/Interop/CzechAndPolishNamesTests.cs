using DicomKit.Data;
using DicomKit.IO;

namespace DicomKit.Tests.Interop;

/// <summary>The names the product must never garble, through a file DicomKit writes and DCMTK reads, and back.</summary>
public class CzechAndPolishNamesTests
{
    [Theory]
    [InlineData("ISO_IR 101", "Dvořák^Antonín")]
    [InlineData("ISO_IR 101", "Wałęsa^Lech")]
    [InlineData("ISO_IR 192", "Dvořák^Antonín")]
    [InlineData("ISO_IR 192", "Wałęsa^Lech")]
    public void Name_written_by_DicomKit_reads_the_same_in_DCMTK_and_in_DicomKit(string charset, string name)
    {
        var ds = new DicomDataset();
        ds.AddOrUpdate(Tags.SpecificCharacterSet, DicomVR.CS, charset);
        ds.AddOrUpdate(Tags.SOPClassUID, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.7");
        ds.AddOrUpdate(Tags.SOPInstanceUID, DicomVR.UI, "1.2.826.0.1.3680043.2.1143.1");
        ds.AddOrUpdate(Tags.PatientName, DicomVR.PN, name);
        using var temp = new TempDirectory("names-");
        var path = Path.Combine(temp.Path, "names.dcm");
        new DicomFile(ds, DicomTransferSyntax.ExplicitVRLittleEndian).Save(path);

        var back = DicomFile.Open(path);
        back.Dataset.GetString(Tags.PatientName).Should().Be(name);
        back.Dataset.GetPersonName(Tags.PatientName)!.FamilyName.Should().Be(name.Split('^')[0]);

        var dump = ExternalTool.Run("dcmdump", "+U8", "+P", "0010,0010", path);
        dump.StandardOutput.Should().Contain($"[{name}]");
    }
}
