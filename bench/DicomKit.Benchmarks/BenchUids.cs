using System.Numerics;

namespace DicomKit.Benchmarks;

/// <summary>UUID-derived UIDs (PS3.5 B.2): unique without an organisation root.</summary>
internal static class BenchUids
{
    public static string New() =>
        "2.25." + new BigInteger(Guid.NewGuid().ToByteArray(), isUnsigned: true).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
