using System.Text;
using DicomGateway.Routing;
using DicomKit.Data;
using DicomKit.IO;
using static Gateway.Tests.Support.Headers;

namespace Gateway.Tests.Routing;

public sealed class DryRunUploadTests
{
    private const string Boundary = "----dgw-test-boundary";
    private const string ContentType = "multipart/form-data; boundary=" + Boundary;
    private static readonly DateTimeOffset Now = new(2026, 2, 2, 9, 0, 0, TimeSpan.Zero);

    private static byte[] Part10(DicomDataset dataset, int pixelBytes = 0)
    {
        if (pixelBytes > 0) dataset = dataset.Clone().AddOrUpdate<byte>(new DicomTag(0x7FE0, 0x0010), DicomVR.OB, new byte[pixelBytes]);
        dataset.AddOrUpdate(Tags.SOPClassUID, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.2").AddOrUpdate(Tags.SOPInstanceUID, DicomVR.UI, "2.25.1234");
        using var output = new MemoryStream();
        new DicomFile(dataset, DicomTransferSyntax.ExplicitVRLittleEndian).Save(output);
        return output.ToArray();
    }

    private static MemoryStream Form(byte[]? file, params (string Name, string Value)[] fields)
    {
        var body = new MemoryStream();
        void Write(string text) => body.Write(Encoding.UTF8.GetBytes(text));
        foreach (var (name, value) in fields)
        {
            Write($"--{Boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n");
        }
        if (file is not null)
        {
            Write($"--{Boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ct.dcm\"\r\nContent-Type: application/dicom\r\n\r\n");
            body.Write(file);
            Write("\r\n");
        }
        Write($"--{Boundary}--\r\n");
        body.Position = 0;
        return body;
    }

    [Fact]
    public async Task An_uploaded_file_with_its_association_fields_becomes_a_routing_input()
    {
        var rules = """[{"name":"try","conditions":[{"kind":"attribute","key":"Modality","op":"equals","value":"CT"}],"actions":[{"kind":"hold"}]}]""";
        using var body = Form(Part10(Ct(), pixelBytes: 4096),
            ("callingAeTitle", "CT1"), ("calledAeTitle", " KARDIO "), ("sourceAddress", "10.0.0.5"), ("receivedAt", "2026-01-05T08:30:00Z"), ("rules", rules));

        var upload = await DryRunUpload.ReadAsync(body, ContentType, Now, CancellationToken.None);

        upload.Input.Should().BeEquivalentTo(new { CallingAeTitle = "CT1", CalledAeTitle = "KARDIO", RemoteAddress = "10.0.0.5", ReceivedAt = (DateTimeOffset?)MondayMorning });
        upload.Input.Header.GetString(Tags.StudyDescription).Should().Be("CT HEART WITH CONTRAST");
        upload.Input.Header.Contains(new DicomTag(0x7FE0, 0x0010)).Should().BeFalse("the pixel data is not read");
        upload.Rules.Should().ContainSingle().Which.Actions.Single().Should().BeOfType<HoldAction>();
        RuleEvaluator.Evaluate(upload.Rules!, upload.Input).Disposition.Should().Be(RoutingDisposition.Held);
    }

    [Fact]
    public async Task A_large_document_before_the_pixel_data_is_read_past_and_large_text_is_spilled_encrypted()
    {
        var document = new byte[200_000];
        new Random(14).NextBytes(document);
        var header = Ct().AddOrUpdate(new DicomElement(new DicomTag(0x0042, 0x0011), DicomVR.OB, ValueSource.FromBytes(document)))
            .AddOrUpdate(new DicomTag(0x0070, 0x0006), DicomVR.UT, new string('x', 100_000) + "END");
        var rules = """[{"name":"try","conditions":[{"kind":"attribute","key":"Modality","op":"equals","value":"CT"}],"actions":[{"kind":"hold"}]}]""";
        using var body = Form(Part10(header, pixelBytes: 4096), ("rules", rules));

        var upload = await DryRunUpload.ReadAsync(body, ContentType, Now, CancellationToken.None);

        var skipped = upload.Input.Header.GetElement(new DicomTag(0x0042, 0x0011))!;
        skipped.Value.Should().BeOfType<SkippedValueSource>("routing never reads bulk data, so none of it is kept, in memory or on disk");
        skipped.Length.Should().Be(document.Length);
        var text = upload.Input.Header.GetElement(new DicomTag(0x0070, 0x0006))!.Value;
        text.Should().BeOfType<EncryptedSpillValueSource>("text over 64 KiB may be matched by a rule, so it is kept, encrypted");
        upload.Input.Header.GetString(new DicomTag(0x0070, 0x0006)).Should().EndWith("END");
        upload.Input.Header.GetString(Tags.StudyDescription).Should().Be("CT HEART WITH CONTRAST", "reading goes on after the document");
        RuleEvaluator.Evaluate(upload.Rules!, upload.Input).Disposition.Should().Be(RoutingDisposition.Held);
        ((EncryptedSpillValueSource)text).Dispose();
    }

    [Fact]
    public async Task Fields_after_the_file_are_read_too_and_the_time_defaults_to_now()
    {
        using var body = new MemoryStream();
        using (var first = Form(Part10(Ct(), pixelBytes: 70_000)))
        {
            // The file first, then a field: the rest of the file section is skipped to reach it.
            var text = first.ToArray();
            var end = Encoding.UTF8.GetBytes($"--{Boundary}--\r\n");
            body.Write(text, 0, text.Length - end.Length);
            body.Write(Encoding.UTF8.GetBytes($"--{Boundary}\r\nContent-Disposition: form-data; name=\"callingAeTitle\"\r\n\r\nMR7\r\n"));
            body.Write(end);
            body.Position = 0;
        }

        var upload = await DryRunUpload.ReadAsync(body, ContentType, Now, CancellationToken.None);

        upload.Input.CallingAeTitle.Should().Be("MR7");
        upload.Input.ReceivedAt.Should().Be(Now);
        upload.Rules.Should().BeNull();
    }

    [Theory]
    [InlineData("text")]
    [InlineData("empty")]
    [InlineData("truncated")]
    [InlineData("dataset-only")]
    public async Task A_malformed_file_is_refused_with_a_clear_message(string kind)
    {
        var good = Part10(Ct());
        var file = kind switch
        {
            "text" => Encoding.UTF8.GetBytes(new string('x', 400)),
            "empty" => [],
            "truncated" => good[..150],
            _ => good[132..],
        };
        using var body = Form(file);

        var act = () => DryRunUpload.ReadAsync(body, ContentType, Now, CancellationToken.None);

        var thrown = (await act.Should().ThrowAsync<DryRunUploadException>()).Which;
        thrown.Field.Should().Be("file");
        thrown.Message.Should().MatchRegex("not a (DICOM Part-10|readable DICOM) file");
    }

    [Fact]
    public async Task A_form_without_a_file_or_with_bad_fields_names_the_field()
    {
        (await FieldAtFault(Form(null, ("callingAeTitle", "CT1")))).Should().Be("file");
        (await FieldAtFault(Form(Part10(Ct()), ("receivedAt", "yesterday")))).Should().Be("receivedAt");
        (await FieldAtFault(Form(Part10(Ct()), ("rules", "{not json")))).Should().Be("rules");
    }

    [Fact]
    public async Task A_request_that_is_not_multipart_is_refused()
    {
        var act = () => DryRunUpload.ReadAsync(new MemoryStream(), "application/x-www-form-urlencoded", Now, CancellationToken.None);

        await act.Should().ThrowAsync<DryRunUploadException>();
    }

    private static async Task<string> FieldAtFault(Stream body)
    {
        try
        {
            await DryRunUpload.ReadAsync(body, ContentType, Now, CancellationToken.None);
            return "(none)";
        }
        catch (DryRunUploadException e)
        {
            return e.Field;
        }
    }
}
