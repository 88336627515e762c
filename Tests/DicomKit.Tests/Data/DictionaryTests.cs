using DicomKit.Data;
using Xunit.Abstractions;

namespace DicomKit.Tests.Data;

public sealed class DictionaryTests(ITestOutputHelper output)
{
    private const string DcmtkDictionary = "/usr/share/libdcmtk17/dicom.dic";

    [Fact]
    public void Patient_name_is_a_single_person_name()
    {
        var entry = DicomDictionary.Lookup(Tags.PatientName);

        entry.Should().NotBeNull();
        entry!.Name.Should().Be("Patient's Name");
        entry.DefaultVR.Should().Be(DicomVR.PN);
        entry.ValueMultiplicity.Should().Be("1");
        entry.IsRetired.Should().BeFalse();
    }

    [Fact]
    public void Pixel_data_may_be_OB_or_OW_and_defaults_to_OW_for_implicit_VR()
    {
        var entry = DicomDictionary.Lookup(new DicomTag(0x7FE0, 0x0010))!;

        entry.Keyword.Should().Be("PixelData");
        entry.ValueRepresentations.Should().BeEquivalentTo([DicomVR.OB, DicomVR.OW]);
        DicomDictionary.GetDefaultVR(Tags.PixelData).Should().Be(DicomVR.OW);
    }

    [Fact]
    public void Overlay_data_of_any_even_overlay_group_is_found_through_the_repeating_group()
    {
        var entry = DicomDictionary.Lookup(new DicomTag(0x6002, 0x3000));

        entry.Should().NotBeNull();
        entry!.Keyword.Should().Be("OverlayData");
        entry.Tag.Should().Be(Tags.OverlayData);
        Tags.OverlayData.Should().Be(new DicomTag(0x6000, 0x3000));
        DicomDictionary.Lookup(new DicomTag(0x60FE, 0x0010))!.Keyword.Should().Be("OverlayRows");
    }

    [Fact]
    public void Element_masks_that_DCMTK_leaves_as_comments_are_found()
    {
        DicomDictionary.Lookup(new DicomTag(0x1000, 0x0123))!.Keyword.Should().Be("HuffmanTableTriplet");
        DicomDictionary.Lookup(new DicomTag(0x1010, 0x1234))!.Keyword.Should().Be("ZonalMap");
        DicomDictionary.Lookup(new DicomTag(0x0028, 0x0430))!.Keyword.Should().Be("RowsForNthOrderCoefficients");
    }

    [Fact]
    public void Group_length_is_UL()
    {
        DicomDictionary.GetDefaultVR(new DicomTag(0x0008, 0x0000)).Should().Be(DicomVR.UL);
        DicomDictionary.GetDefaultVR(new DicomTag(0x1000, 0x0000)).Should().Be(DicomVR.UL, "a mask over the group must not hide its length");
        DicomDictionary.GetDefaultVR(new DicomTag(0x0009, 0x0000)).Should().Be(DicomVR.UL);
        DicomDictionary.Lookup(new DicomTag(0x0002, 0x0000))!.Keyword.Should().Be("FileMetaInformationGroupLength");
    }

    [Fact]
    public void Private_creator_is_LO()
    {
        DicomDictionary.GetDefaultVR(new DicomTag(0x0009, 0x0010)).Should().Be(DicomVR.LO);
        DicomDictionary.GetDefaultVR(new DicomTag(0x0029, 0x00FF)).Should().Be(DicomVR.LO);
    }

    [Fact]
    public void Unknown_private_and_unknown_public_tags_are_UN()
    {
        DicomDictionary.GetDefaultVR(new DicomTag(0x0009, 0x1010)).Should().Be(DicomVR.UN);
        DicomDictionary.Lookup(new DicomTag(0x0009, 0x1010)).Should().BeNull();
        DicomDictionary.GetDefaultVR(new DicomTag(0x6001, 0x3000)).Should().Be(DicomVR.UN, "odd overlay groups are private");
        DicomDictionary.GetDefaultVR(new DicomTag(0x0008, 0xFFF0)).Should().Be(DicomVR.UN);
    }

    [Fact]
    public void Every_one_of_the_34_VRs_appears_somewhere_in_the_dictionary()
    {
        var used = DicomDictionary.Entries.SelectMany(e => e.ValueRepresentations).ToHashSet();

        DicomVR.All.Should().HaveCount(34);
        DicomVR.All.Where(vr => !used.Contains(vr)).Should().BeEmpty();
    }

    [Fact]
    public void Keyword_lookup_finds_the_entry_and_marks_retired_ones()
    {
        DicomDictionary.TryGetByKeyword("StudyInstanceUID", out var study).Should().BeTrue();
        study.Tag.Should().Be(new DicomTag(0x0020, 0x000D));
        study.DefaultVR.Should().Be(DicomVR.UI);

        DicomDictionary.TryGetByKeyword("CurveData", out var curve).Should().BeTrue("DCMTK's RETIRED_ prefix is not part of the keyword");
        curve.IsRetired.Should().BeTrue();

        DicomDictionary.TryGetByKeyword("NoSuchKeyword", out _).Should().BeFalse();
    }

    [Fact]
    public void Dictionary_holds_every_entry_of_dicom_dic_the_generator_accepted()
    {
        output.WriteLine($"entries: {DicomDictionary.Count} (dicom.dic accepted at generation: {DicomDictionary.SourceEntryCount}, added by supplement: {DicomDictionary.SupplementEntryCount})");
        DicomDictionary.Count.Should().Be(DicomDictionary.SourceEntryCount + DicomDictionary.SupplementEntryCount);
        DicomDictionary.Count.Should().BeGreaterThan(4000);

        if (!File.Exists(DcmtkDictionary))
        {
            output.WriteLine($"{DcmtkDictionary} not installed: compared with the count recorded at generation only");
            return;
        }
        // The generator accepts the lines whose version column starts with DICOM; PRIVATE, ILLEGAL and
        // GENERIC lines are the rules GetDefaultVR applies in code.
        var accepted = File.ReadLines(DcmtkDictionary)
            .Where(l => l.Length > 0 && l[0] != '#')
            .Count(l => l.Split('\t', StringSplitOptions.RemoveEmptyEntries) is { Length: 5 } f && f[4].StartsWith("DICOM", StringComparison.Ordinal));
        output.WriteLine($"accepted lines in {DcmtkDictionary}: {accepted}");
        DicomDictionary.SourceEntryCount.Should().Be(accepted);
    }

    [Fact]
    public void CT_image_storage_is_a_storage_class()
    {
        DicomUids.CTImageStorage.IsStorageSopClass.Should().BeTrue();
        DicomUids.Lookup("1.2.840.10008.5.1.4.1.1.2").Should().BeSameAs(DicomUids.CTImageStorage);
        DicomUids.StorageSopClasses.Should().Contain(DicomUids.CTImageStorage);
    }

    [Fact]
    public void Storage_commitment_push_model_is_not_a_storage_class()
    {
        DicomUids.StorageCommitmentPushModel.Type.Should().Be(DicomUidType.SopClass);
        DicomUids.StorageCommitmentPushModel.IsStorageSopClass.Should().BeFalse();
        DicomUids.StorageSopClasses.Should().NotContain(DicomUids.StorageCommitmentPushModel);
    }

    [Fact]
    public void Explicit_VR_little_endian_is_a_transfer_syntax()
    {
        DicomUids.ExplicitVRLittleEndian.Type.Should().Be(DicomUidType.TransferSyntax);
        DicomUids.TransferSyntaxes.Should().Contain(DicomUids.ExplicitVRLittleEndian);
        DicomUids.ExplicitVRLittleEndian.ToString().Should().Be("1.2.840.10008.1.2.1");
    }

    [Fact]
    public void Number_of_storage_classes_is_plausible()
    {
        output.WriteLine($"UIDs: {DicomUids.All.Count}, storage SOP classes: {DicomUids.StorageSopClasses.Count}, transfer syntaxes: {DicomUids.TransferSyntaxes.Count}");
        DicomUids.StorageSopClasses.Count.Should().BeGreaterThan(100);
        DicomUids.StorageSopClasses.Should().OnlyContain(u => u.Type == DicomUidType.SopClass);
    }

    [Fact]
    public void Storage_classes_newer_than_DCMTK_come_from_the_supplement()
    {
        DicomUids.Lookup("1.2.840.10008.5.1.4.1.1.6.3")!.Name.Should().Be("Photoacoustic Image Storage");
        DicomUids.HeightMapSegmentationStorage.IsStorageSopClass.Should().BeTrue();
        DicomUids.InventoryStorage.IsStorageSopClass.Should().BeTrue();
        DicomUids.InventoryFind.IsStorageSopClass.Should().BeFalse();
    }

    [Fact]
    public void Uid_lookup_ignores_padding_and_names_unknown_uids_by_themselves()
    {
        DicomUids.Lookup("1.2.840.10008.1.2\0").Should().BeSameAs(DicomUids.ImplicitVRLittleEndian);
        DicomUids.Lookup("1.2.840.10008.1.2.1 ").Should().BeSameAs(DicomUids.ExplicitVRLittleEndian);
        DicomUids.NameOf("1.2.840.10008.5.1.4.1.1.7").Should().Be("Secondary Capture Image Storage");
        DicomUids.NameOf("1.2.3.4").Should().Be("1.2.3.4");
        DicomUids.Lookup("1.2.3.4").Should().BeNull();
    }

    [Fact]
    public void Every_uid_keyword_and_value_is_unique()
    {
        DicomUids.All.Select(u => u.Value).Should().OnlyHaveUniqueItems();
        DicomUids.All.Select(u => u.Keyword).Should().OnlyHaveUniqueItems();
    }
}
