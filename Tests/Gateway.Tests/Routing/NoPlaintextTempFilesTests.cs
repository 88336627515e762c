using System.Globalization;
using System.Runtime.Versioning;
using DicomKit.Data;
using DicomKit.IO;
using Xunit.Abstractions;

namespace Gateway.Tests.Routing;

/// <summary>
/// Issue #14, "no plaintext temp files", through the real executable: an Encapsulated PDF whose 20 MiB document comes
/// before anything the rules read is sent by storescu and routed by its header. The gateway's temporary directory
/// (TMPDIR, which holds DicomKit's default spill directory) is watched while it works, together with the files the
/// gateway holds open there: nothing in it may be readable by another user or hold the document's bytes, during the
/// run, at its end, or after a SIGKILL in the middle. Routing reads past the document, so nothing is spilled at all;
/// DicomKit's EncryptedSpillTests cover what a spill looks like when a large value must be kept. Linux only, as the
/// open files are read through /proc.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class NoPlaintextTempFilesTests : IDisposable
{
    private const string StudyUid = "1.2.826.0.1.3680043.10.1234.1414";
    private const int DocumentBytes = 20 * 1024 * 1024;
    private const UnixFileMode OthersOrGroup = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
                                               UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(90);

    private readonly ITestOutputHelper _output;
    private readonly TempDirectory _dir = new("dgw-spill-e2e-");
    private readonly byte[][] _samples;
    private readonly string _file;

    public NoPlaintextTempFilesTests(ITestOutputHelper output)
    {
        _output = output;
        var document = new byte[DocumentBytes];
        new Random(1414).NextBytes(document);
        "%PDF-1.7\n"u8.CopyTo(document);
        // Pieces spread over the document: a file that holds any of them holds the document in clear.
        _samples = [.. Enumerable.Range(0, 16).Select(i => document.AsSpan(64 + i * (DocumentBytes / 16 - 64), 48).ToArray())];
        _file = WriteDocument(document);
    }

    public void Dispose() => _dir.Dispose();

    private string TempRoot => _dir.Subdirectory("tmp");

    private Outboxes Outboxes => new(Path.Combine(_dir.Path, "outbox"));

    private string WriteDocument(byte[] document)
    {
        var ds = new DicomDataset();
        ds.AddOrUpdate(Tags.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192");
        ds.AddOrUpdate(Tags.SOPClassUID, DicomVR.UI, DicomUids.EncapsulatedPDFStorage.Value);
        ds.AddOrUpdate(Tags.SOPInstanceUID, DicomVR.UI, StudyUid + ".1.1");
        ds.AddOrUpdate(Tags.StudyDate, DicomVR.DA, "20261207");
        ds.AddOrUpdate(Tags.Modality, DicomVR.CS, "DOC");
        ds.AddOrUpdate(Tags.PatientName, DicomVR.PN, "Dvořák^Antonín");
        ds.AddOrUpdate(Tags.PatientID, DicomVR.LO, "PAT-014");
        ds.AddOrUpdate(Tags.StudyInstanceUID, DicomVR.UI, StudyUid);
        ds.AddOrUpdate(Tags.SeriesInstanceUID, DicomVR.UI, StudyUid + ".1");
        ds.AddOrUpdate(Tags.InstanceNumber, DicomVR.IS, "1");
        ds.AddOrUpdate(Tags.BurnedInAnnotation, DicomVR.CS, "YES");
        ds.AddOrUpdate(Tags.DocumentTitle, DicomVR.ST, "Discharge letter");
        ds.AddOrUpdate(new DicomElement(Tags.EncapsulatedDocument, DicomVR.OB, ValueSource.FromBytes(document)));
        ds.AddOrUpdate(Tags.MIMETypeOfEncapsulatedDocument, DicomVR.LO, "application/pdf");
        var path = Path.Combine(_dir.Path, "letter.dcm");
        new DicomFile(ds, DicomTransferSyntax.ExplicitVRLittleEndian).Save(path);
        return path;
    }

    /// <summary>The rule ships documents only: the study is routed by an attribute of its header.</summary>
    private Dictionary<string, string> Environment()
    {
        var env = Outboxes.Environment();
        env["Routing__Rules__0__Match__Attributes__Modality"] = "DOC";
        env["TMPDIR"] = TempRoot;
        return env;
    }

    private bool Routed => Directory.Exists(Outboxes.MailDirectory) && Directory.EnumerateFiles(Outboxes.MailDirectory, "*.eml").Any();

    private Task<ToolResult> SendAsync(GatewayProcess gateway) =>
        ExternalTool.RunAsync("storescu", ["-aec", "DICOMGATEWAY", "127.0.0.1", gateway.Port.ToString(CultureInfo.InvariantCulture), _file], ExternalTool.LongTimeout);

    [Fact]
    public async Task A_20_MiB_document_routed_by_its_header_leaves_no_temp_file_readable_by_anyone_but_the_gateway()
    {
        await using var gateway = await GatewayProcess.StartAsync(Environment());
        var watch = new TempWatch(TempRoot, gateway.ProcessId, _samples);

        var send = SendAsync(gateway);
        var routed = await Eventually.TrueAsync(() => { watch.Look(); return Routed; }, Slow, TimeSpan.FromMilliseconds(5));
        (await send).ExitCode.Should().Be(0);
        routed.Should().BeTrue("the document is routed by its Modality to the rule's recipient:\n" + gateway.Output);
        watch.Look();

        _output.WriteLine($"looked {watch.Looks} times; spill files seen open: {watch.SpillsSeen}, largest read {watch.LargestRead} bytes");
        watch.Violations.Should().BeEmpty();
        watch.Remaining().Should().BeEmpty("no spill has a directory entry once it is opened");
        watch.SpillsSeen.Should().Be(0, "routing reads past a large binary value instead of spilling it (StudyReader)");
        SpillDirectories().Where(d => File.GetUnixFileMode(d) != (UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute))
            .Should().BeEmpty("a spill directory, if one was made, is the gateway user's alone");
    }

    [Fact]
    public async Task After_a_kill_9_in_the_middle_of_routing_a_20_MiB_document_nothing_of_it_remains_in_the_temp_directory()
    {
        await using var gateway = await GatewayProcess.StartAsync(Environment());
        var watch = new TempWatch(TempRoot, gateway.ProcessId, _samples);

        var send = SendAsync(gateway);
        // The header is read for routing once the study is quiet; the kill comes while a spill of it is open, or, if
        // the gateway reads past the document without spilling, once it has been routed.
        var caught = await Eventually.TrueAsync(() => { watch.Look(); return watch.SpillsSeen > 0 || Routed; }, Slow, TimeSpan.FromMilliseconds(5));
        await gateway.KillAsync();
        await send;
        caught.Should().BeTrue("the study reaches routing:\n" + gateway.Output);
        _output.WriteLine($"killed with {watch.SpillsSeen} spill file(s) open; routed before the kill: {Routed}");

        watch.Look();
        watch.Violations.Should().BeEmpty();
        watch.Remaining().Should().BeEmpty("an unlinked file is freed by the kernel when its process dies");
        foreach (var file in watch.Remaining())
            TempWatch.Holds(file, _samples).Should().BeFalse($"{file} holds none of the document");
    }

    private IEnumerable<string> SpillDirectories() => Directory.EnumerateDirectories(TempRoot, "dicomkit-*");

    /// <summary>
    /// Looks at every file under the temporary directory and every file the gateway holds open there, and notes each
    /// that another user could read or that holds the document in clear.
    /// </summary>
    private sealed class TempWatch(string root, int pid, byte[][] samples)
    {
        private readonly HashSet<string> _read = [];
        private readonly HashSet<string> _spills = [];

        public List<string> Violations { get; } = [];
        public int Looks { get; private set; }
        public int SpillsSeen => _spills.Count;
        public long LargestRead { get; private set; }

        public void Look()
        {
            Looks++;
            foreach (var file in Remaining())
                Check(file, file);
            foreach (var open in OpenFiles.Under(root, pid))
            {
                if (IsRuntimeChannel(open.Target)) continue;
                if (open.Target.Contains("/dicomkit-", StringComparison.Ordinal)) _spills.Add(open.Target);
                if (!open.Unlinked) Violations.Add($"{open.Target} is open with a name");
                Check(open.Descriptor, open.Target);
            }
        }

        /// <summary>
        /// Files under the temporary directory other than the runtime's diagnostic socket and debugger pipes, which hold
        /// no data (and a pipe opened for reading would wait for a writer).
        /// </summary>
        public List<string> Remaining() =>
            [.. Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Where(f => !IsRuntimeChannel(f))];

        private static bool IsRuntimeChannel(string path) =>
            Path.GetFileName(path).StartsWith("dotnet-diagnostic-", StringComparison.Ordinal) ||
            Path.GetFileName(path).StartsWith("clr-debug-pipe-", StringComparison.Ordinal);

        /// <summary>
        /// Mode and size are taken from the open file itself: a /proc descriptor link reports its own size, not its
        /// file's. A file is read again whenever it has grown, so a spill being written is caught too.
        /// </summary>
        private void Check(string path, string name)
        {
            try
            {
                using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                var length = file.Length;
                if (length == 0) return;
                if ((File.GetUnixFileMode(file.SafeFileHandle) & OthersOrGroup) != 0)
                    Violations.Add($"{name} has mode {File.GetUnixFileMode(file.SafeFileHandle)}");
                if (!_read.Add($"{name}:{length}")) return;
                LargestRead = Math.Max(LargestRead, length);
                if (Holds(file, samples)) Violations.Add($"{name} holds the document in clear");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // gone between listing and looking
            }
        }

        public static bool Holds(string path, byte[][] samples)
        {
            try
            {
                using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                return Holds(file, samples);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }

        private static bool Holds(FileStream file, byte[][] samples)
        {
            var bytes = new byte[file.Length];
            bytes = bytes[..file.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false)];
            return samples.Any(s => bytes.AsSpan().IndexOf(s) >= 0);
        }
    }
}
