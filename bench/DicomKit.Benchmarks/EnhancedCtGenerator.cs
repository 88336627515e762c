using System.Globalization;
using DicomKit.Data;
using DicomKit.IO;

namespace DicomKit.Benchmarks;

/// <summary>
/// An Enhanced CT-like multi-frame instance: 2048 frames of 512x512 16-bit (exactly 1 GiB of pixel data) and a
/// Per-frame Functional Groups Sequence of one item per frame, each with frame content, plane position and
/// VOI LUT and CT position macros, so that the header is some 800 KB and 30,000 elements, as real ones are.
/// </summary>
internal static class EnhancedCtGenerator
{
    public const int Rows = 512;
    public const int Columns = 512;

    public static string Generate(string path, int frames)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var study = new StudyContext();
        var ds = new DicomDataset();
        study.AddPatientStudyEquipment(ds);

        var seriesUid = BenchUids.New();
        var dimensionOrganization = BenchUids.New();
        ds.AddOrUpdate(Tags.ImageType, DicomVR.CS, "ORIGINAL", "PRIMARY", "AXIAL", "NONE");
        ds.AddOrUpdate(Tags.InstanceCreationDate, DicomVR.DA, study.StudyDate);
        ds.AddOrUpdate(Tags.InstanceCreationTime, DicomVR.TM, "101711.031000");
        ds.AddOrUpdate(Tags.SOPClassUID, DicomVR.UI, DicomUids.EnhancedCTImageStorage.Value);
        ds.AddOrUpdate(Tags.SOPInstanceUID, DicomVR.UI, seriesUid + ".1");
        ds.AddOrUpdate(Tags.SeriesDate, DicomVR.DA, study.StudyDate);
        ds.AddOrUpdate(Tags.ContentDate, DicomVR.DA, study.StudyDate);
        ds.AddOrUpdate(Tags.SeriesTime, DicomVR.TM, "101640.120000");
        ds.AddOrUpdate(Tags.ContentTime, DicomVR.TM, "101711.031000");
        ds.AddOrUpdate(Tags.AcquisitionDateTime, DicomVR.DT, study.StudyDate + "101645.730000");
        ds.AddOrUpdate(Tags.SeriesDescription, DicomVR.LO, "Thorax 0.5mm enhanced");
        ds.AddOrUpdate(Tags.PixelPresentation, DicomVR.CS, "MONOCHROME");
        ds.AddOrUpdate(Tags.VolumetricProperties, DicomVR.CS, "VOLUME");
        ds.AddOrUpdate(Tags.VolumeBasedCalculationTechnique, DicomVR.CS, "NONE");
        ds.AddOrUpdate(Tags.SeriesInstanceUID, DicomVR.UI, seriesUid);
        ds.AddOrUpdate(Tags.SeriesNumber, DicomVR.IS, "5");
        ds.AddOrUpdate(Tags.InstanceNumber, DicomVR.IS, "1");
        ds.AddOrUpdate(Tags.ContentQualification, DicomVR.CS, "PRODUCT");
        ds.AddOrUpdate(Tags.BurnedInAnnotation, DicomVR.CS, "NO");
        ds.AddOrUpdate(Tags.LossyImageCompression, DicomVR.CS, "00");
        ds.AddOrUpdate(Tags.PresentationLUTShape, DicomVR.CS, "IDENTITY");

        ds.AddOrUpdate(StudyContext.Sequence(Tags.DimensionOrganizationSequence, StudyContext.Dataset(
            (Tags.DimensionOrganizationUID, DicomVR.UI, dimensionOrganization))));
        ds.AddOrUpdate(StudyContext.Sequence(Tags.DimensionIndexSequence,
            DimensionIndex(dimensionOrganization, Tags.StackID, Tags.FrameContentSequence),
            DimensionIndex(dimensionOrganization, Tags.InStackPositionNumber, Tags.FrameContentSequence)));

        CtSeriesGenerator.AddImagePixel(ds, Rows, Columns);
        ds.AddOrUpdate(Tags.NumberOfFrames, DicomVR.IS, StudyContext.Is(frames));
        ds.AddOrUpdate(StudyContext.Sequence(Tags.SharedFunctionalGroupsSequence, SharedGroups()));
        ds.AddOrUpdate(new DicomSequence(Tags.PerFrameFunctionalGroupsSequence,
            Enumerable.Range(0, frames).Select(i => FrameGroups(study, i))));
        ds.AddOrUpdate(new DicomElement(Tags.PixelData, DicomVR.OW, new SyntheticPixelData(frames, Rows, Columns)));

        new DicomFile(ds, DicomTransferSyntax.ExplicitVRLittleEndian).Save(path);
        return path;
    }

    private static DicomDataset DimensionIndex(string organization, DicomTag pointer, DicomTag group)
    {
        var item = new DicomDataset();
        item.AddOrUpdate<ushort>(Tags.DimensionIndexPointer, DicomVR.AT, pointer.Group, pointer.Element);
        item.AddOrUpdate<ushort>(Tags.FunctionalGroupPointer, DicomVR.AT, group.Group, group.Element);
        item.AddOrUpdate(Tags.DimensionOrganizationUID, DicomVR.UI, organization);
        return item;
    }

    private static DicomDataset SharedGroups()
    {
        var item = new DicomDataset();
        item.AddOrUpdate(StudyContext.Sequence(Tags.PixelMeasuresSequence, StudyContext.Dataset(
            (Tags.SliceThickness, DicomVR.DS, "0.5"),
            (Tags.PixelSpacing, DicomVR.DS, "0.742187\\0.742187"))));
        item.AddOrUpdate(StudyContext.Sequence(Tags.PlaneOrientationSequence, StudyContext.Dataset(
            (Tags.ImageOrientationPatient, DicomVR.DS, "1\\0\\0\\0\\1\\0"))));
        item.AddOrUpdate(StudyContext.Sequence(Tags.PixelValueTransformationSequence, StudyContext.Dataset(
            (Tags.RescaleIntercept, DicomVR.DS, "-1024"),
            (Tags.RescaleSlope, DicomVR.DS, "1"),
            (Tags.RescaleType, DicomVR.LO, "HU"))));
        var acquisition = StudyContext.Dataset((Tags.AcquisitionType, DicomVR.CS, "SPIRAL"));
        acquisition.AddOrUpdate<double>(Tags.TubeAngle, DicomVR.FD, 0.0);
        item.AddOrUpdate(StudyContext.Sequence(Tags.CTAcquisitionTypeSequence, acquisition));
        return item;
    }

    /// <summary>One item of the Per-frame Functional Groups Sequence: frame content, plane position, VOI LUT.</summary>
    private static DicomDataset FrameGroups(StudyContext study, int frame)
    {
        var z = -50.0 - frame * 0.5;
        var content = new DicomDataset();
        content.AddOrUpdate(Tags.FrameAcquisitionDateTime, DicomVR.DT,
            study.StudyDate + "1016" + (45 + frame / 1000).ToString("00", CultureInfo.InvariantCulture) + "." + (frame % 1000).ToString("000000", CultureInfo.InvariantCulture));
        content.AddOrUpdate(Tags.FrameReferenceDateTime, DicomVR.DT, study.StudyDate + "101645.730000");
        content.AddOrUpdate<double>(Tags.FrameAcquisitionDuration, DicomVR.FD, 500.0);
        content.AddOrUpdate(Tags.StackID, DicomVR.SH, "1");
        content.AddOrUpdate<uint>(Tags.InStackPositionNumber, DicomVR.UL, (uint)frame + 1);
        content.AddOrUpdate<uint>(Tags.DimensionIndexValues, DicomVR.UL, 1u, (uint)frame + 1);

        var item = new DicomDataset();
        item.AddOrUpdate(StudyContext.Sequence(Tags.FrameContentSequence, content));
        item.AddOrUpdate(StudyContext.Sequence(Tags.PlanePositionSequence, StudyContext.Dataset(
            (Tags.ImagePositionPatient, DicomVR.DS, "-189.628906\\-352.628906\\" + StudyContext.Ds(z)))));
        item.AddOrUpdate(StudyContext.Sequence(Tags.FrameVOILUTSequence, StudyContext.Dataset(
            (Tags.WindowCenter, DicomVR.DS, "40"),
            (Tags.WindowWidth, DicomVR.DS, "400"))));
        var position = new DicomDataset();
        position.AddOrUpdate<double>(Tags.TablePosition, DicomVR.FD, z);
        position.AddOrUpdate<double>(Tags.ReconstructionTargetCenterPatient, DicomVR.FD, 0.0, 0.0, z);
        item.AddOrUpdate(StudyContext.Sequence(Tags.CTPositionSequence, position));
        return item;
    }
}
