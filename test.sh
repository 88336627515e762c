#!/usr/bin/env bash
# Installs what the tests need (when missing) and runs every test.
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v dcmdump  >/dev/null 2>&1 || need+=(dcmtk)
command -v dciodvfy >/dev/null 2>&1 || need+=(dicom3tools)
# Orthanc, a real PACS peer over DICOM TLS (Tests/Gateway.Tests/Ingest/OrthancTlsTests.cs); openssl makes the certificates.
command -v Orthanc  >/dev/null 2>&1 || need+=(orthanc)
command -v openssl  >/dev/null 2>&1 || need+=(openssl)
# The Debian package's tests (Tests/Gateway.Tests/Packaging): systemd-analyze verify on the unit; dpkg-deb and setpriv are essential.
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
# A real Prometheus server scraping the gateway, and promtool checking its exposition (Tests/Gateway.Tests/Metrics).
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || need+=(prometheus)
# Real-world DICOM files read in place by Tests/DicomKit.Tests/Interop/RealFileTests.cs (see TestData/README.md).
dpkg -s python3-pydicom >/dev/null 2>&1 || [ -d /usr/lib/python3/dist-packages/pydicom/data/test_files ] || need+=(python3-pydicom)
# rsyslog as the audit record repository over TLS and UDP, xmllint for the audit schema (Tests/Gateway.Tests/Audit).
command -v rsyslogd >/dev/null 2>&1 || need+=(rsyslog)
ls /usr/lib/*/rsyslog/lmnsd_gtls.so >/dev/null 2>&1 || need+=(rsyslog-gnutls)
command -v xmllint  >/dev/null 2>&1 || need+=(libxml2-utils)
# Headless Chromium for the viewer tests in Tests/Gateway.Tests/Browser (Playwright drives it; it downloads no browser).
[ -x /usr/bin/chromium ] || [ -n "${DGW_CHROMIUM:-}" ] || [ "${DGW_SKIP_BROWSER_TESTS:-}" = 1 ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "test.sh: installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "test.sh: missing ${need[*]}; run as root or install them with apt-get" >&2
    exit 1
  fi
fi

# The DICOM corpus the interop tests read (rebuilt only when its sources change).
TestData/make-corpus.sh

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
dotnet build DicomGateway.sln -c Release -nologo -v quiet
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test DicomGateway.sln -c Release --no-build -nologo --logger "console;verbosity=minimal" 2>&1 | tee "$log" || status=$?

# The viewer's own tests (its WebCrypto reader against docs/shipment-vectors.json); the build installed its packages.
vlog=$(mktemp)
(cd Viewer && npm test --silent) 2>&1 | tee "$vlog" || status=$?
# vitest's summary, e.g. "Tests  48 passed (48)" or "Tests  1 failed | 47 passed (48)", in dotnet's form for the total.
sed 's/\x1b\[[0-9;]*m//g' "$vlog" | awk '/^ *Tests +/ { p = 0; f = 0
    for (i = 1; i <= NF; i++) { if ($i == "passed") p = $(i - 1); if ($i == "failed") f = $(i - 1) }
    printf "Passed!  - Failed: %d, Passed: %d (viewer)\n", f, p }' >>"$log"
rm -f "$vlog"

# One closing line over all test projects: "N passed, N failed".
awk '/(Passed|Failed)! +- +Failed: / {
       gsub(/,/, ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i + 1); if ($i == "Passed:") p += $(i + 1) } }
     END { printf "%d passed, %d failed\n", p, f }' "$log"
exit "$status"
