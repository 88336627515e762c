#!/usr/bin/env bash
# Builds the Debian package dicomgateway_<version>_<arch>.deb with dotnet publish and dpkg-deb (docs/install.md).
#
#   packaging/build-deb.sh [--no-build] [--version V] [--output DIR]
#
# --no-build publishes the Release build already made (dotnet build DicomGateway.sln -c Release), which takes
# seconds; without it the script builds Gateway itself. The program is framework-dependent: it runs on the
# ASP.NET Core 10 runtime from Microsoft's Debian repository (package aspnetcore-runtime-10.0), which keeps the
# package small and lets the runtime's security updates come with apt.
set -euo pipefail
cd "$(dirname "$0")/.."

no_build=()
version=""
output="packaging/out"
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) no_build=(--no-build); shift ;;
        --version) version="$2"; shift 2 ;;
        --output) output="$2"; shift 2 ;;
        *) echo "build-deb.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
if [ -z "$version" ]; then
    # 0.<commits>~<commit>, so every build of a new commit upgrades the one before.
    version="0.$(git rev-list --count HEAD 2>/dev/null || echo 0)~$(git rev-parse --short HEAD 2>/dev/null || echo local)"
fi
arch=$(dpkg --print-architecture)

mkdir -p "$output"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/root"
lib="$root/usr/lib/dicomgateway"

# The viewer's files come along: the build copies Viewer/dist into wwwroot/ of the output, and publish with it.
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 dotnet publish Gateway/Gateway.csproj -c Release "${no_build[@]}" --self-contained false \
    -o "$lib" -nologo -v quiet -p:UseAppHost=false
[ -f "$lib/DicomGateway.dll" ] || { echo "build-deb.sh: publish made no DicomGateway.dll" >&2; exit 1; }
[ -f "$lib/wwwroot/index.html" ] || { echo "build-deb.sh: the viewer's files are missing from the publish output (build the Viewer)" >&2; exit 1; }
# The configuration lives in /etc/dicomgateway only: one copy an administrator edits.
rm -f "$lib/appsettings.json" "$lib/appsettings.Development.json" "$lib"/*.pdb

install -D -m 0644 appsettings.json "$root/etc/dicomgateway/appsettings.json"
install -D -m 0644 packaging/dicomgateway.service "$root/usr/lib/systemd/system/dicomgateway.service"
install -D -m 0644 docs/install.md "$root/usr/share/doc/dicomgateway/install.md"
install -d -m 0755 "$root/DEBIAN"
install -m 0755 packaging/postinst packaging/prerm packaging/postrm "$root/DEBIAN/"
echo /etc/dicomgateway/appsettings.json > "$root/DEBIAN/conffiles"
size=$(du -sk "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: dicomgateway
Version: $version
Architecture: $arch
Maintainer: DicomGateway developers <root@localhost>
Section: science
Priority: optional
Installed-Size: $size
Depends: aspnetcore-runtime-10.0, adduser | passwd, coreutils
Description: DICOM gateway that seals studies into encrypted shipments
 Receives studies by C-STORE, seals them into end-to-end encrypted shipments
 and lets recipients unlock them in the browser with a link and a code.
 Runs as the systemd service dicomgateway.
CONTROL
find "$root" -type d -exec chmod 0755 {} +
chmod -R go-w "$root"
deb="$output/dicomgateway_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zgzip --build "$root" "$deb" >/dev/null
echo "$deb"
