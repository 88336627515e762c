using DicomKit.Data;
using DicomKit.IO;

namespace DicomKit.Tests.IO;

/// <summary>
/// Large values of a source that cannot be revisited are spilled encrypted under a key held only in memory, into
/// a private directory, in files that have no name from the moment they are opened (issue #14).
/// Linux only: the tests look at the spill files through /proc, since they have no name.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class EncryptedSpillTests : IDisposable
{
    private const int Chunk = EncryptedSpillValueSource.ChunkSize;
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private static readonly DicomTag EncapsulatedDocument = new(0x0042, 0x0011);
    private static readonly DicomTag DocumentTitle = new(0x0042, 0x0010);
    private static readonly DicomTag TextValue = new(0x0070, 0x0006);
    private static readonly DicomTag StudyInstanceUid = new(0x0020, 0x000D);

    private readonly TempDirectory _scratch = new("dicomkit-spill-");

    public void Dispose() => _scratch.Dispose();

    private string SpillPath => Path.Combine(_scratch.Path, "spill");

    /// <summary>Bytes that are recognisable and never repeat within a chunk, so a plaintext leak cannot hide.</summary>
    private static byte[] Plaintext(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private EncryptedSpillValueSource Spill(byte[] plaintext) =>
        EncryptedSpillValueSource.Create(SpillDirectory.Prepare(SpillPath), s => s.Write(plaintext));

    private static bool Same(byte[] a, byte[] b) => a.AsSpan().SequenceEqual(b);

    private OpenFile TheSpillFile() => OpenFiles.Under(SpillPath).Should().ContainSingle("one spill is open").Subject;

    [Fact]
    public void The_bytes_on_disk_are_not_the_plaintext()
    {
        var plaintext = Plaintext(3 * Chunk + 100);
        using var spill = Spill(plaintext);

        var stored = TheSpillFile().ReadAll();

        stored.Length.Should().Be(plaintext.Length + 4 * EncryptedSpillValueSource.TagSize, "each of the four chunks carries its tag");
        stored.Length.Should().Be((int)spill.StoredLength);
        for (var at = 0; at + 32 <= plaintext.Length; at += 4096)
            stored.AsSpan().IndexOf(plaintext.AsSpan(at, 32)).Should().Be(-1, $"the plaintext at {at} is not on disk");
    }

    [Fact]
    public void Two_spills_of_the_same_bytes_differ_on_disk_because_each_has_its_own_key()
    {
        var plaintext = Plaintext(Chunk);
        using var first = Spill(plaintext);
        var firstStored = TheSpillFile().ReadAll();
        using var second = Spill(plaintext);

        var both = OpenFiles.Under(SpillPath);
        both.Should().HaveCount(2);
        both.Select(f => f.ReadAll()).Count(b => Same(b, firstStored)).Should().Be(1, "the second spill's ciphertext differs from the first's");

    }

    [Fact]
    public void The_directory_is_made_private_and_the_file_is_the_owners_alone()
    {
        using var spill = Spill(Plaintext(100));

        File.GetUnixFileMode(SpillPath).Should().Be(PrivateDirectory);
        File.GetUnixFileMode(TheSpillFile().Descriptor).Should().Be(OwnerOnly, "the file is created 0600, whatever the umask leaves");
    }

    [Fact]
    public void An_existing_directory_open_to_others_is_made_private_before_use()
    {
        Directory.CreateDirectory(SpillPath);
        File.SetUnixFileMode(SpillPath, PrivateDirectory | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead |
                                        UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);

        SpillDirectory.Prepare(SpillPath);

        File.GetUnixFileMode(SpillPath).Should().Be(PrivateDirectory);
    }

    [Fact]
    public void A_spill_directory_that_is_a_symbolic_link_is_refused()
    {
        var elsewhere = Directory.CreateDirectory(Path.Combine(_scratch.Path, "elsewhere")).FullName;
        Directory.CreateSymbolicLink(SpillPath, elsewhere);

        var act = () => SpillDirectory.Prepare(SpillPath);

        act.Should().Throw<IOException>().WithMessage("*symbolic link*");
    }

    [Fact]
    public void The_default_directory_is_per_user_under_the_temporary_directory()
    {
        SpillDirectory.Default.Should().StartWith(Path.GetTempPath()).And.Contain(Environment.UserName);
    }

    [Fact]
    public void No_directory_entry_remains_while_the_value_is_in_use_nor_after_it_is_disposed()
    {
        var spill = Spill(Plaintext(2 * Chunk));
        using (var reading = spill.OpenRead())
        {
            reading.ReadByte();
            Directory.EnumerateFileSystemEntries(SpillPath).Should().BeEmpty("the file is unlinked as soon as it is opened");
            TheSpillFile().Unlinked.Should().BeTrue();
        }

        spill.Dispose();

        Directory.EnumerateFileSystemEntries(SpillPath).Should().BeEmpty();
        OpenFiles.Under(SpillPath).Should().BeEmpty("disposing closes the last handle, so the kernel frees the file");
        spill.Invoking(s => s.OpenRead()).Should().Throw<ObjectDisposedException>();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Chunk - 1)]
    [InlineData(Chunk)]
    [InlineData(Chunk + 1)]
    [InlineData(3 * Chunk + 17)]
    public void Reading_back_gives_the_exact_bytes(int length)
    {
        var plaintext = Plaintext(length);
        using var spill = Spill(plaintext);

        spill.Length.Should().Be(length);
        spill.Memory.ToArray().Should().Equal(plaintext);
        using var ms = new MemoryStream();
        spill.CopyTo(ms);
        ms.ToArray().Should().Equal(plaintext);
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(Chunk - 1, 1)]
    [InlineData(Chunk - 1, 2)]
    [InlineData(Chunk, 1)]
    [InlineData(Chunk - 5, Chunk + 10)]
    [InlineData(2 * Chunk + 3, Chunk)]
    [InlineData(3 * Chunk + 16, 1)]
    public void Any_range_reads_back_after_a_seek_across_chunk_boundaries(int offset, int count)
    {
        var plaintext = Plaintext(3 * Chunk + 17);
        using var spill = Spill(plaintext);
        using var reading = spill.OpenRead();

        reading.CanSeek.Should().BeTrue();
        reading.Seek(offset, SeekOrigin.Begin);
        var got = new byte[count];
        reading.ReadExactly(got);

        got.Should().Equal(plaintext.AsSpan(offset, count).ToArray());
    }

    [Fact]
    public void Reading_at_the_end_returns_nothing_and_readers_do_not_disturb_each_other()
    {
        var plaintext = Plaintext(2 * Chunk + 5);
        using var spill = Spill(plaintext);
        using var a = spill.OpenRead();
        using var b = spill.OpenRead();

        a.Seek(0, SeekOrigin.End);
        a.Read(new byte[10]).Should().Be(0);
        b.Position = Chunk + 1;
        a.Position = 3;
        var fromB = new byte[4];
        var fromA = new byte[4];
        b.ReadExactly(fromB);
        a.ReadExactly(fromA);

        fromA.Should().Equal(plaintext.AsSpan(3, 4).ToArray());
        fromB.Should().Equal(plaintext.AsSpan(Chunk + 1, 4).ToArray());
    }

    [Fact]
    public void A_changed_byte_on_disk_is_detected()
    {
        using var spill = Spill(Plaintext(2 * Chunk));
        using (var raw = TheSpillFile().Open(FileAccess.ReadWrite))
        {
            raw.Position = Chunk + EncryptedSpillValueSource.TagSize + 10; // inside the second chunk
            var b = raw.ReadByte();
            raw.Position--;
            raw.WriteByte((byte)(b ^ 1));
        }
        using var reading = spill.OpenRead();

        reading.Invoking(r => r.ReadExactly(new byte[10])).Should().NotThrow("the first chunk is intact");
        reading.Position = Chunk;
        reading.Invoking(r => r.ReadByte()).Should().Throw<IOException>().WithMessage("*chunk 1*changed*");
    }

    [Fact]
    public void Chunks_swapped_on_disk_are_detected()
    {
        using var spill = Spill(Plaintext(2 * Chunk));
        using (var raw = TheSpillFile().Open(FileAccess.ReadWrite))
        {
            var size = Chunk + EncryptedSpillValueSource.TagSize;
            var both = new byte[2 * size];
            raw.ReadExactly(both);
            raw.Position = 0;
            raw.Write(both, size, size);
            raw.Write(both, 0, size);
        }

        spill.Invoking(s => s.Memory).Should().Throw<IOException>().WithMessage("*chunk 0*");
    }

    [Fact]
    public void A_short_spill_file_is_detected()
    {
        using var spill = Spill(Plaintext(2 * Chunk + 100));
        using (var raw = TheSpillFile().Open(FileAccess.ReadWrite))
            raw.SetLength(raw.Length - 1);
        using var reading = spill.OpenRead();

        reading.Invoking(r => r.ReadExactly(new byte[2 * Chunk])).Should().NotThrow();
        reading.Invoking(r => r.ReadByte()).Should().Throw<IOException>().WithMessage("*truncated*");
    }

    [Fact]
    public void A_failure_while_filling_leaves_nothing_open()
    {
        var act = () => EncryptedSpillValueSource.Create(SpillDirectory.Prepare(SpillPath), s =>
        {
            s.Write(Plaintext(Chunk + 1));
            throw new EndOfStreamException();
        });

        act.Should().Throw<EndOfStreamException>();
        OpenFiles.Under(SpillPath).Should().BeEmpty();
        Directory.EnumerateFileSystemEntries(SpillPath).Should().BeEmpty();
    }

    // ---- through the reader ----

    private static byte[] DocumentFile(byte[] document, string? longText = null)
    {
        var d = new DicomBytes()
            .Text(0x0020, 0x000D, "UI", "1.2.826.0.1.3680043.10.1347.14.1")
            .Text(0x0042, 0x0010, "ST", "Discharge letter")
            .Header(0x0042, 0x0011, "OB", (uint)document.Length).Raw(document);
        if (longText is not null) d.Text(0x0070, 0x0006, "UT", longText);
        d.Text(0x0042, 0x0012, "LO", "application/pdf");
        return DicomBytes.Part10(Synthetic.ExplicitLittle, d.ToArray(), sopClass: "1.2.840.10008.5.1.4.1.1.104.1");
    }

    [Fact]
    public void A_large_value_read_from_a_stream_is_spilled_encrypted_into_the_given_directory()
    {
        var document = Plaintext(300_000, seed: 7);
        using var source = new ForwardOnly(DocumentFile(document));

        var ds = DicomFile.Open(source, new DicomReadOptions { SpillDirectory = SpillPath }).Dataset;

        var value = ds.GetElement(EncapsulatedDocument)!.Value.Should().BeOfType<EncryptedSpillValueSource>().Subject;
        using (value)
        {
            value.Memory.ToArray().Should().Equal(document);
            var stored = TheSpillFile().ReadAll();
            stored.AsSpan().IndexOf(document.AsSpan(1000, 64)).Should().Be(-1);
            Directory.EnumerateFileSystemEntries(SpillPath).Should().BeEmpty();
            ds.GetString(new DicomTag(0x0042, 0x0012)).Should().Be("application/pdf", "reading goes on after the spill");
        }
    }

    [Fact]
    public void A_header_only_read_reads_past_large_bulk_data_and_keeps_nothing_of_it()
    {
        var document = Plaintext(300_000, seed: 8);
        using var source = new ForwardOnly(DocumentFile(document));

        var ds = DicomFile.Open(source, new DicomReadOptions { SpillDirectory = SpillPath, SkipLargeBulkData = true }).Dataset;

        var element = ds.GetElement(EncapsulatedDocument)!;
        element.VR.Should().Be(DicomVR.OB);
        element.Length.Should().Be(document.Length, "the element says how large it was");
        element.Value.Should().BeOfType<SkippedValueSource>();
        element.Value.Invoking(v => v.OpenRead()).Should().Throw<InvalidOperationException>();
        element.Value.Invoking(v => v.Memory).Should().Throw<InvalidOperationException>();
        ds.GetString(DocumentTitle).Should().Be("Discharge letter");
        ds.GetString(new DicomTag(0x0042, 0x0012)).Should().Be("application/pdf");
        ds.GetString(StudyInstanceUid).Should().Be("1.2.826.0.1.3680043.10.1347.14.1");
        OpenFiles.Under(SpillPath).Should().BeEmpty("nothing was spilled");
    }

    [Fact]
    public void A_header_only_read_still_spills_large_text_which_rules_may_match()
    {
        var text = new string('A', 100_000) + "needle";
        using var source = new ForwardOnly(DocumentFile(Plaintext(300_000), text));

        var ds = DicomFile.Open(source, new DicomReadOptions { SpillDirectory = SpillPath, SkipLargeBulkData = true }).Dataset;

        ds.GetElement(TextValue)!.Value.Should().BeOfType<EncryptedSpillValueSource>();
        ds.GetString(TextValue).Should().EndWith("needle");
        OpenFiles.Under(SpillPath).Should().ContainSingle();
    }

    [Fact]
    public void Bulk_data_cut_short_while_read_past_is_a_format_error_naming_the_element()
    {
        var whole = DocumentFile(Plaintext(300_000));
        using var source = new ForwardOnly(whole[..^1000]);

        var act = () => DicomFile.Open(source, new DicomReadOptions { SpillDirectory = SpillPath, SkipLargeBulkData = true });

        act.Should().Throw<DicomFormatException>().Which.Tag.Should().Be(EncapsulatedDocument);
    }

    /// <summary>A stream that cannot seek, as a socket or a decrypting stream.</summary>
    private sealed class ForwardOnly(byte[] data) : Stream
    {
        private int _pos;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, data.Length - _pos);
            data.AsSpan(_pos, n).CopyTo(buffer);
            _pos += n;
            return n;
        }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
