using DicomKit.Data;

namespace DicomKit.Tests.Data;

public class CharacterSetTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    private static DicomCharacterSet Set(params string[] terms) => DicomCharacterSet.FromTerms(terms);

    // Single-byte sets. Expected bytes are from the ISO 8859 / TIS 620 code charts (cross-checked with Python's codecs).
    public static TheoryData<string, string, string> SingleByteNames => new()
    {
        { "ISO_IR 100", "Buc^Jérôme", "42 75 63 5E 4A E9 72 F4 6D 65" },
        { "ISO_IR 101", "Dvořák^Antonín", "44 76 6F F8 E1 6B 5E 41 6E 74 6F 6E ED 6E" },
        { "ISO_IR 101", "Wałęsa^Lech", "57 61 B3 EA 73 61 5E 4C 65 63 68" },
        { "ISO_IR 109", "Ĝoĝo^Ĥaŭ", "D8 6F F8 6F 5E A6 61 FD" },
        { "ISO_IR 110", "Šķēle^Ģirts", "A9 F3 BA 6C 65 5E AB 69 72 74 73" },
        { "ISO_IR 144", "Люкceмбypг", "BB EE DA 63 65 DC D1 79 70 D3" },
        { "ISO_IR 127", "قباني^لنزار", "E2 C8 C7 E6 EA 5E E4 E6 D2 C7 D1" },
        { "ISO_IR 126", "Διονυσιος", "C4 E9 EF ED F5 F3 E9 EF F2" },
        { "ISO_IR 138", "שרון^דבורה", "F9 F8 E5 EF 5E E3 E1 E5 F8 E4" },
        { "ISO_IR 148", "Çavuşoğlu^Ömer", "C7 61 76 75 FE 6F F0 6C 75 5E D6 6D 65 72" },
        { "ISO_IR 166", "ภาษาไทย", "C0 D2 C9 D2 E4 B7 C2" },
        { "ISO_IR 13", "ﾔﾏﾀﾞ^ﾀﾛｳ", "D4 CF C0 DE 5E C0 DB B3" },
    };

    [Theory]
    [MemberData(nameof(SingleByteNames))]
    public void Single_byte_sets_decode_the_code_chart_bytes(string term, string name, string hex)
    {
        Set(term).Decode(Hex(hex), DicomVR.PN).Should().Be(name);
    }

    [Theory]
    [MemberData(nameof(SingleByteNames))]
    public void Single_byte_sets_encode_to_the_code_chart_bytes(string term, string name, string hex)
    {
        Set(term).Encode(name, DicomVR.PN).Should().Equal(Hex(hex));
    }

    [Theory]
    [MemberData(nameof(SingleByteNames))]
    public void The_same_names_survive_the_iso_2022_form_of_each_single_byte_set(string term, string name, string hex)
    {
        _ = hex;
        var set = Set(term.Replace("ISO_IR", "ISO 2022 IR", StringComparison.Ordinal));
        var bytes = set.Encode(name, DicomVR.PN);
        set.Decode(bytes, DicomVR.PN).Should().Be(name);
    }

    [Fact]
    public void Iso_2022_latin_1_as_value_one_needs_no_escape_sequences()
    {
        Set("ISO 2022 IR 100").Encode("Buc^Jérôme", DicomVR.PN).Should().Equal(Hex("42 75 63 5E 4A E9 72 F4 6D 65"));
    }

    [Fact]
    public void Utf8_encodes_chinese_and_czech_names()
    {
        var set = DicomCharacterSet.FromTerms(["ISO_IR 192"]);
        set.Should().BeSameAs(DicomCharacterSet.Utf8);
        var bytes = set.Encode("Wang^XiaoDong=王^小东=", DicomVR.PN);
        bytes.Should().Equal(Hex("57 61 6E 67 5E 58 69 61 6F 44 6F 6E 67 3D E7 8E 8B 5E E5 B0 8F E4 B8 9C 3D"));
        set.Decode(bytes, DicomVR.PN).Should().Be("Wang^XiaoDong=王^小东=");
        set.Decode(set.Encode("Dvořák^Antonín", DicomVR.PN), DicomVR.PN).Should().Be("Dvořák^Antonín");
    }

    // PS3.5 Annex H, Example H.3-1: (0008,0005) \ISO 2022 IR 87.
    private const string JapaneseH31 =
        "59 61 6D 61 64 61 5E 54 61 72 6F 75 3D 1B 24 42 3B 33 45 44 1B 28 42 5E 1B 24 42 42 40 4F 3A 1B 28 42 3D " +
        "1B 24 42 24 64 24 5E 24 40 1B 28 42 5E 1B 24 42 24 3F 24 6D 24 26 1B 28 42";

    // PS3.5 Annex H, Example H.3-2: (0008,0005) ISO 2022 IR 13\ISO 2022 IR 87.
    private const string JapaneseH32 =
        "D4 CF C0 DE 5E C0 DB B3 3D 1B 24 42 3B 33 45 44 1B 28 4A 5E 1B 24 42 42 40 4F 3A 1B 28 4A 3D " +
        "1B 24 42 24 64 24 5E 24 40 1B 28 4A 5E 1B 24 42 24 3F 24 6D 24 26 1B 28 4A";

    // PS3.5 Annex I, Example I.2-1: (0008,0005) \ISO 2022 IR 149.
    private const string KoreanI2 =
        "48 6F 6E 67 5E 47 69 6C 64 6F 6E 67 3D 1B 24 29 43 FB F3 5E 1B 24 29 43 D1 CE D4 D7 3D " +
        "1B 24 29 43 C8 AB 5E 1B 24 29 43 B1 E6 B5 BF";

    // PS3.5 Annex K, Example K.2-1: (0008,0005) \ISO 2022 IR 58, value padded with a space.
    private const string ChineseK2 =
        "5A 68 61 6E 67 5E 58 69 61 6F 44 6F 6E 67 3D 1B 24 29 41 D5 C5 5E 1B 24 29 41 D0 A1 B6 AB 3D 20";

    // PS3.5 Annex K, Example K.3-1: LT with CR LF after each line.
    private const string ChineseK3 =
        "31 2E 1B 24 29 41 B5 DA D2 BB D0 D0 CE C4 D7 D6 A1 A3 0D 0A " +
        "32 2E 1B 24 29 41 B5 DA B6 FE D0 D0 CE C4 D7 D6 A1 A3 0D 0A " +
        "33 2E 1B 24 29 41 B5 DA C8 FD D0 D0 CE C4 D7 D6 A1 A3 0D 0A";

    // PS3.5 Annex J, Example J.3-1: (0008,0005) GB18030.
    private const string ChineseJ3 = "57 61 6E 67 5E 58 69 61 6F 44 6F 6E 67 3D CD F5 5E D0 A1 B6 AB 3D";

    [Fact]
    public void Japanese_example_h3_1_decodes_to_the_three_component_groups()
    {
        Set("", "ISO 2022 IR 87").Decode(Hex(JapaneseH31), DicomVR.PN).Should().Be("Yamada^Tarou=山田^太郎=やまだ^たろう");
    }

    [Fact]
    public void Japanese_example_h3_1_encodes_to_the_bytes_of_the_standard()
    {
        Set("", "ISO 2022 IR 87").Encode("Yamada^Tarou=山田^太郎=やまだ^たろう", DicomVR.PN).Should().Equal(Hex(JapaneseH31));
    }

    [Fact]
    public void Japanese_example_h3_2_with_katakana_as_value_one_round_trips_byte_for_byte()
    {
        var set = Set("ISO 2022 IR 13", "ISO 2022 IR 87");
        set.Decode(Hex(JapaneseH32), DicomVR.PN).Should().Be("ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう");
        set.Encode("ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう", DicomVR.PN).Should().Equal(Hex(JapaneseH32));
    }

    [Fact]
    public void Korean_example_i2_round_trips_byte_for_byte()
    {
        var set = Set("", "ISO 2022 IR 149");
        set.Decode(Hex(KoreanI2), DicomVR.PN).Should().Be("Hong^Gildong=洪^吉洞=홍^길동");
        set.Encode("Hong^Gildong=洪^吉洞=홍^길동", DicomVR.PN).Should().Equal(Hex(KoreanI2));
    }

    [Fact]
    public void Chinese_example_k2_round_trips_byte_for_byte_apart_from_padding()
    {
        var set = Set("", "ISO 2022 IR 58");
        set.Decode(Hex(ChineseK2), DicomVR.PN).Should().Be("Zhang^XiaoDong=张^小东= ");
        set.Encode("Zhang^XiaoDong=张^小东=", DicomVR.PN).Should().Equal(Hex(ChineseK2)[..^1]);
    }

    [Fact]
    public void Chinese_example_k3_long_text_restarts_each_line_in_the_default_set()
    {
        var set = Set("", "ISO 2022 IR 58");
        const string text = "1.第一行文字。\r\n2.第二行文字。\r\n3.第三行文字。\r\n";
        set.Decode(Hex(ChineseK3), DicomVR.LT).Should().Be(text);
        set.Encode(text, DicomVR.LT).Should().Equal(Hex(ChineseK3));
    }

    [Theory]
    [InlineData("GB18030")]
    [InlineData("GBK")]
    public void Chinese_example_j3_round_trips_in_gb18030_and_gbk(string term)
    {
        var set = Set(term);
        set.UsesCodeExtensions.Should().BeFalse();
        set.Decode(Hex(ChineseJ3), DicomVR.PN).Should().Be("Wang^XiaoDong=王^小东=");
        set.Encode("Wang^XiaoDong=王^小东=", DicomVR.PN).Should().Equal(Hex(ChineseJ3));
    }

    [Fact]
    public void Jis_x_0212_is_read_and_written_with_its_four_byte_escape()
    {
        var set = Set("", "ISO 2022 IR 87", "ISO 2022 IR 159");
        var bytes = Hex("41 1B 24 28 44 30 21 1B 28 42");
        set.Decode(bytes, DicomVR.LO).Should().Be("A\u4E02");
        set.Encode("A\u4E02", DicomVR.LO).Should().Equal(bytes);
    }

    [Fact]
    public void A_caret_byte_inside_kanji_is_part_of_a_character_not_a_delimiter()
    {
        // やまだ is 24 64 24 5E 24 40: the 5E must not end the double-byte run.
        Set("", "ISO 2022 IR 87").Decode(Hex("1B 24 42 24 64 24 5E 24 40 1B 28 42"), DicomVR.PN).Should().Be("やまだ");
    }

    [Fact]
    public void A_line_break_returns_to_ascii_even_when_the_sender_did_not_switch_back()
    {
        Set("", "ISO 2022 IR 87").Decode(Hex("1B 24 42 3B 33 45 44 0D 0A 41"), DicomVR.LT).Should().Be("山田\r\nA");
    }

    [Fact]
    public void A_value_delimiter_resets_g1_so_each_value_must_designate_hangul_again()
    {
        var set = Set("", "ISO 2022 IR 149");
        set.Encode("홍\\길동", DicomVR.LO).Should().Equal(Hex("1B 24 29 43 C8 AB 5C 1B 24 29 43 B1 E6 B5 BF"));
    }

    [Fact]
    public void Multi_valued_lo_switches_back_to_ascii_before_each_backslash()
    {
        var set = Set("", "ISO 2022 IR 87");
        var bytes = set.Encode("山田\\ABC\\太郎", DicomVR.LO);
        bytes.Should().Equal(Hex("1B 24 42 3B 33 45 44 1B 28 42 5C 41 42 43 5C 1B 24 42 42 40 4F 3A 1B 28 42"));
        set.Decode(bytes, DicomVR.LO).Split('\\').Should().Equal("山田", "ABC", "太郎");
    }

    [Fact]
    public void Iso_2022_latin_value_one_is_designated_again_after_a_delimiter()
    {
        // Value 1 puts Latin-1 in G1; after Hangul took G1 the delimiter must bring Latin-1 back (ESC - A).
        var set = Set("ISO 2022 IR 100", "ISO 2022 IR 149");
        var bytes = set.Encode("홍^é", DicomVR.PN);
        bytes.Should().Equal(Hex("1B 24 29 43 C8 AB 1B 2D 41 5E E9"));
        set.Decode(bytes, DicomVR.PN).Should().Be("홍^é");
    }

    [Fact]
    public void Hangul_without_a_repeated_escape_after_a_delimiter_is_still_read()
    {
        // Seen from real modalities: the designation is written once only. Decoding must not lose the name.
        Set("", "ISO 2022 IR 149").Decode(Hex("1B 24 29 43 C8 AB 5E B1 E6 B5 BF"), DicomVR.PN).Should().Be("홍^길동");
    }

    [Fact]
    public void Windows_wave_dash_is_written_as_the_jis_wave_dash()
    {
        var set = Set("", "ISO 2022 IR 87");
        var bytes = set.Encode("\uFF5E", DicomVR.LO);
        bytes.Should().Equal(Hex("1B 24 42 21 41 1B 28 42"));
        set.Decode(bytes, DicomVR.LO).Should().Be("\u301C");
    }

    [Fact]
    public void Unknown_term_is_rejected_with_the_term_in_the_message()
    {
        var act = () => DicomCharacterSet.FromTerms(["ISO_IR 999"]);
        act.Should().Throw<DicomCharacterSetException>().WithMessage("*ISO_IR 999*");
        DicomCharacterSet.TryFromTerms(["ISO_IR 999"], out var set).Should().BeFalse();
        set.Should().BeNull();
    }

    [Fact]
    public void Utf8_cannot_be_combined_with_code_extensions()
    {
        var act = () => DicomCharacterSet.FromTerms(["ISO_IR 192", "ISO 2022 IR 87"]);
        act.Should().Throw<DicomCharacterSetException>().WithMessage("*ISO_IR 192*");
    }

    [Fact]
    public void A_character_outside_the_repertoire_cannot_be_encoded()
    {
        var act = () => Set("ISO_IR 100").Encode("Wałęsa", DicomVR.PN);
        act.Should().Throw<DicomCharacterSetException>().WithMessage("*U+0142*ISO_IR 100*");
        var katakana = () => Set("", "ISO 2022 IR 149").Encode("ﾔﾏﾀﾞ", DicomVR.PN);
        katakana.Should().Throw<DicomCharacterSetException>().WithMessage("*U+FF94*");
    }

    [Fact]
    public void The_default_repertoire_reads_undeclared_latin_1_but_writes_only_ascii()
    {
        DicomCharacterSet.Default.Decode(Hex("42 75 63 5E 4A E9 72 F4 6D 65"), DicomVR.PN).Should().Be("Buc^Jérôme");
        var act = () => DicomCharacterSet.Default.Encode("Jérôme", DicomVR.PN);
        act.Should().Throw<DicomCharacterSetException>();
    }

    [Fact]
    public void Empty_or_padded_terms_mean_the_default_repertoire_and_sets_are_cached()
    {
        DicomCharacterSet.FromTerms([]).Should().BeSameAs(DicomCharacterSet.Default);
        DicomCharacterSet.FromTerms([""]).Should().BeSameAs(DicomCharacterSet.Default);
        Set("ISO_IR 100 ").Should().BeSameAs(Set("ISO_IR 100"));
        Set("", "ISO 2022 IR 87").UsesCodeExtensions.Should().BeTrue();
        Set("", "ISO 2022 IR 87").Terms.Should().Equal("", "ISO 2022 IR 87");
    }

    [Fact]
    public void Non_text_vrs_are_ascii_whatever_the_character_set()
    {
        Set("", "ISO 2022 IR 87").Decode("20240101"u8, DicomVR.DA).Should().Be("20240101");
        var act = () => Set("ISO_IR 192").Encode("é", DicomVR.CS);
        act.Should().Throw<DicomCharacterSetException>().WithMessage("*CS*");
    }

    public static TheoryData<string[], string> RoundTrips => new()
    {
        { ["ISO_IR 6"], "Doe^John" },
        { ["ISO_IR 100"], "Müller^Zoë" },
        { ["ISO_IR 101"], "Dvořák^Antonín" },
        { ["ISO_IR 109"], "Ĝoĝo^Ĥaŭ" },
        { ["ISO_IR 110"], "Šķēle^Ģirts" },
        { ["ISO_IR 144"], "Иванов^Иван" },
        { ["ISO_IR 127"], "قباني^لنزار" },
        { ["ISO_IR 126"], "Διονυσιος" },
        { ["ISO_IR 138"], "שרון^דבורה" },
        { ["ISO_IR 148"], "Çavuşoğlu^Ömer" },
        { ["ISO_IR 166"], "ภาษาไทย" },
        { ["ISO_IR 13"], "ﾔﾏﾀﾞ^ﾀﾛｳ" },
        { ["ISO_IR 192"], "Дворжак^王^홍길동^😀" },
        { ["GB18030"], "王^小东^😀" },
        { ["GBK"], "王^小东" },
        { ["ISO 2022 IR 6"], "Doe^John" },
        { ["ISO 2022 IR 144", "ISO 2022 IR 100"], "Иванов^Müller" },
        { ["ISO 2022 IR 6", "ISO 2022 IR 126", "ISO 2022 IR 101"], "Διονυσιος^Dvořák" },
        { ["", "ISO 2022 IR 87", "ISO 2022 IR 159"], "山田^太郎=丂" },
        { ["ISO 2022 IR 13", "ISO 2022 IR 87"], "ﾔﾏﾀﾞ=山田" },
        { ["", "ISO 2022 IR 149"], "홍^길동" },
        { ["", "ISO 2022 IR 58"], "张^小东" },
        { ["ISO 2022 IR 100", "ISO 2022 IR 87", "ISO 2022 IR 149"], "Zoë=山田=홍" },
    };

    [Theory]
    [MemberData(nameof(RoundTrips))]
    public void Decode_of_encode_gives_back_the_text(string[] terms, string text)
    {
        var set = DicomCharacterSet.FromTerms(terms);
        var bytes = set.Encode(text, DicomVR.PN);
        bytes.Length.Should().BeLessThanOrEqualTo(set.GetMaxByteCount(text.Length));
        set.Decode(bytes, DicomVR.PN).Should().Be(text);
        set.Encode(set.Decode(bytes, DicomVR.PN), DicomVR.PN).Should().Equal(bytes);
    }

    [Theory]
    [InlineData("ISO_IR 6")]
    [InlineData("ISO_IR 100")]
    [InlineData("ISO_IR 144")]
    [InlineData("ISO_IR 192")]
    public void Decoding_common_sets_allocates_nothing_but_the_string(string term)
    {
        var set = Set(term);
        var bytes = new byte[200];
        Array.Fill(bytes, (byte)'A');
        _ = set.Decode(bytes, DicomVR.LO);
        _ = new string('A', bytes.Length);

        var before = GC.GetAllocatedBytesForCurrentThread();
        _ = new string('A', bytes.Length);
        var oneString = GC.GetAllocatedBytesForCurrentThread() - before;

        before = GC.GetAllocatedBytesForCurrentThread();
        _ = set.Decode(bytes, DicomVR.LO);
        var decode = GC.GetAllocatedBytesForCurrentThread() - before;

        decode.Should().Be(oneString);
    }
}
