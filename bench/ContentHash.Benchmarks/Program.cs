using System.Security.Cryptography;
using System.Text;

// Throughput of the two keyed hashes the instance content hash can use, fed as ingest feeds them: the data set
// arrives in chunks (the PDV sizes of the association) and each instance is one hash. Both hashes run in the same
// process and alternate by round, so the ratio is measured under the same load.
var rounds = args.Length > 0 && int.TryParse(args[0], out var r) && r > 0 ? r : 5;

// The key as the gateway derives its hash subkeys: HKDF-SHA256 of the gateway key, info "DicomGateway v1 hash {purpose}".
var gatewayKey = RandomNumberGenerator.GetBytes(32);
var subkey = HKDF.DeriveKey(HashAlgorithmName.SHA256, gatewayKey, 32, [], Encoding.UTF8.GetBytes("DicomGateway v1 hash instance-content"));

var inputs = new[] { 513 * 1024, 64 * 1024 };
var chunks = new[] { 16 * 1024, 64 * 1024 };
const long BytesPerMeasurement = 256L * 1024 * 1024;

Console.WriteLine($"Keyed hash throughput per CPU second, {Environment.ProcessorCount} cores, {rounds} rounds, median of rounds (MB/s = 10^6 bytes/s; * = whole instance in one call)");
Console.WriteLine($"SHA extensions (cpuinfo sha_ni): {File.Exists("/proc/cpuinfo") && File.ReadAllText("/proc/cpuinfo").Contains(" sha_ni")}, AVX2: {System.Runtime.Intrinsics.X86.Avx2.IsSupported}, AVX-512F: {System.Runtime.Intrinsics.X86.Avx512F.IsSupported}");
Console.WriteLine($"{"input",-9}{"chunk",-8}{"HMAC-SHA-256",14}{"BLAKE3 keyed",14}{"ratio",8}{"HMAC us/inst",14}{"BLAKE3 us/inst",16}");
foreach (var size in inputs)
{
    var data = new byte[size];
    new Random(size).NextBytes(data);
    // A last row hashes each instance in one call: BLAKE3's best case, where its SIMD lanes see the most chunks at once.
    foreach (var chunk in chunks.Append(size).Distinct())
    {
        var instances = (int)Math.Max(1, BytesPerMeasurement / size);
        Hmac(subkey, data, chunk, instances / 10); // warm-up
        Blake(subkey, data, chunk, instances / 10);
        var hmac = new List<double>();
        var blake = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            if (round % 2 == 0)
            {
                hmac.Add(Hmac(subkey, data, chunk, instances));
                blake.Add(Blake(subkey, data, chunk, instances));
            }
            else
            {
                blake.Add(Blake(subkey, data, chunk, instances));
                hmac.Add(Hmac(subkey, data, chunk, instances));
            }
        }
        var h = Median(hmac);
        var b = Median(blake);
                var label = chunk / 1024 + " KiB" + (chunk == size ? "*" : "");
        Console.WriteLine($"{size / 1024 + " KiB",-9}{label,-8}{h / 1e6,9:F0} MB/s{b / 1e6,9:F0} MB/s{b / h,7:F2}x{size / h * 1e6,14:F1}{size / b * 1e6,16:F1}");
    }
}

// Bytes per second of this process's CPU time (not wall time: the machine is shared, and waiting for a core is not
// the hash's cost) over `instances` hashes of `data`, each fed in `chunk`-sized pieces.
static double Hmac(byte[] key, byte[] data, int chunk, int instances)
{
    Span<byte> hash = stackalloc byte[32];
    using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
    var start = Environment.CpuUsage.TotalTime;
    for (var i = 0; i < instances; i++)
    {
        for (var offset = 0; offset < data.Length; offset += chunk) hmac.AppendData(data.AsSpan(offset, Math.Min(chunk, data.Length - offset)));
        hmac.GetHashAndReset(hash);
    }
    return (double)data.Length * instances / (Environment.CpuUsage.TotalTime - start).TotalSeconds;
}

static double Blake(byte[] key, byte[] data, int chunk, int instances)
{
    Span<byte> hash = stackalloc byte[32];
    var start = Environment.CpuUsage.TotalTime;
    for (var i = 0; i < instances; i++)
    {
        using var hasher = Blake3.Hasher.NewKeyed(key);
        for (var offset = 0; offset < data.Length; offset += chunk) hasher.Update(data.AsSpan(offset, Math.Min(chunk, data.Length - offset)));
        hasher.Finalize(hash);
    }
    return (double)data.Length * instances / (Environment.CpuUsage.TotalTime - start).TotalSeconds;
}

static double Median(List<double> values)
{
    values.Sort();
    return values[values.Count / 2];
}
