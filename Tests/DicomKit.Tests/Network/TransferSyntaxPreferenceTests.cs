using DicomKit.Network;
using DicomKit.Network.Pdus;
using DicomKit.Network.Services;

namespace DicomKit.Tests.Network;

/// <summary>
/// Which of the proposed transfer syntaxes a storage context is accepted in: by default a compressed one as the
/// modality offers it, before Explicit and Implicit VR Little Endian; an administrator's list or a caller's own list
/// changes the order.
/// </summary>
public class TransferSyntaxPreferenceTests
{
    private const string CtImage = "1.2.840.10008.5.1.4.1.1.2";
    private const string Implicit = "1.2.840.10008.1.2";
    private const string Explicit = "1.2.840.10008.1.2.1";
    private const string BigEndian = "1.2.840.10008.1.2.2";
    private const string Deflated = "1.2.840.10008.1.2.1.99";
    private const string JpegLosslessSv1 = "1.2.840.10008.1.2.4.70";
    private const string JpegBaseline = "1.2.840.10008.1.2.4.50";
    private const string Jpeg2000Lossless = "1.2.840.10008.1.2.4.90";

    private static string Chosen(DicomListenerOptions options, string abstractSyntax, params string[] proposed)
    {
        var rq = new AssociateRq { CalledAeTitle = "DICOMGATEWAY", CallingAeTitle = "CT1" };
        rq.PresentationContexts.Add(new PresentationContextRq(1, abstractSyntax, proposed));
        var pc = ScpNegotiation.Accept(rq, options).PresentationContexts.Single();
        pc.Result.Should().Be(PresentationContextResult.Acceptance);
        return pc.TransferSyntax;
    }

    [Theory]
    [InlineData(new[] { Explicit, JpegLosslessSv1, Implicit }, JpegLosslessSv1)]
    [InlineData(new[] { JpegLosslessSv1, Explicit }, JpegLosslessSv1)]
    [InlineData(new[] { Implicit, JpegBaseline, Explicit }, JpegBaseline)]
    [InlineData(new[] { Jpeg2000Lossless, JpegLosslessSv1, Explicit }, Jpeg2000Lossless)]
    [InlineData(new[] { Implicit, Explicit, BigEndian }, Explicit)]
    [InlineData(new[] { Implicit, BigEndian }, Implicit)]
    [InlineData(new[] { Deflated, Implicit }, Implicit)]
    [InlineData(new[] { BigEndian, Deflated }, BigEndian)]
    public void By_default_a_compressed_syntax_wins_in_the_order_offered_then_explicit_then_implicit(string[] proposed, string expected) =>
        Chosen(new DicomListenerOptions(), CtImage, proposed).Should().Be(expected);

    [Fact]
    public void Verification_is_never_accepted_in_a_compressed_syntax() =>
        Chosen(new DicomListenerOptions(), "1.2.840.10008.1.1", JpegLosslessSv1, Implicit, Explicit).Should().Be(Explicit);

    [Fact]
    public void An_administrators_list_replaces_the_default_and_unlisted_syntaxes_remain_a_fallback()
    {
        var options = new DicomListenerOptions { PreferredTransferSyntaxes = [Explicit, Implicit] };
        Chosen(options, CtImage, JpegLosslessSv1, Implicit, Explicit).Should().Be(Explicit, "uncompressed first, as the administrator asks");
        Chosen(options, CtImage, JpegLosslessSv1).Should().Be(JpegLosslessSv1, "a syntax the list does not name is still accepted when it is all there is");

        var lossless = new DicomListenerOptions { PreferredTransferSyntaxes = [JpegLosslessSv1, DicomListenerOptions.Compressed, Explicit] };
        Chosen(lossless, CtImage, JpegBaseline, JpegLosslessSv1, Explicit).Should().Be(JpegLosslessSv1);
        Chosen(lossless, CtImage, JpegBaseline, Explicit).Should().Be(JpegBaseline);
    }

    [Fact]
    public void A_callers_own_list_overrides_the_listeners_and_an_empty_one_falls_back_to_it()
    {
        var options = new DicomListenerOptions
        {
            PreferredTransferSyntaxesFor = calling => calling == "CT1" ? [Implicit] : null,
        };
        Chosen(options, CtImage, JpegLosslessSv1, Explicit, Implicit).Should().Be(Implicit);
        options.PreferredTransferSyntaxesFor = _ => [];
        Chosen(options, CtImage, JpegLosslessSv1, Explicit, Implicit).Should().Be(JpegLosslessSv1);
    }

    [Theory]
    [InlineData("jpeg")]
    [InlineData("Compressed")]
    [InlineData("1.2.840.10008.1.2.4.999")]
    [InlineData(" 1.2.840.10008.1.2.1")]
    [InlineData("")]
    public void A_preference_that_is_neither_compressed_nor_a_standard_UID_is_refused_at_start(string entry)
    {
        new DicomListenerOptions { PreferredTransferSyntaxes = [entry] }.Validate()
            .Should().ContainSingle(p => p.StartsWith("PreferredTransferSyntaxes:", StringComparison.Ordinal));
        DicomListenerOptions.TransferSyntaxPreferenceProblem(entry).Should().NotBeNull();
    }

    [Fact]
    public void The_default_and_listed_UIDs_pass_validation()
    {
        new DicomListenerOptions { PreferredTransferSyntaxes = [DicomListenerOptions.Compressed, Explicit, JpegLosslessSv1] }.Validate().Should().BeEmpty();
        new DicomListenerOptions().Validate().Should().BeEmpty();
    }
}
