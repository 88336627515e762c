#!/usr/bin/env bash
# Builds TestData/corpus/ from the committed sources (TestData/sources/*.dump) with DCMTK tools.
# Idempotent: the corpus is rebuilt only when a source or this script is newer than the stamp file.
# See TestData/README.md for what each file is.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/sources"
out="$here/corpus"
stamp="$out/.built"

if [ -f "$stamp" ] && [ -z "$(find "$src" "$here/make-corpus.sh" -newer "$stamp" -print -quit)" ]; then
  exit 0
fi

rm -rf "$out"
mkdir -p "$out/raw"
work="$out/raw"

# Pixel data: deterministic ramps, little endian.
python3 - "$work" <<'PY'
import struct, sys
d = sys.argv[1]
with open(f"{d}/ramp16.raw", "wb") as f:
    f.write(b"".join(struct.pack("<H", (x * 97 + y * 331) % 4096) for y in range(32) for x in range(32)))
with open(f"{d}/ramp8.raw", "wb") as f:
    f.write(bytes(((x * 4 + y * 2) % 256) for y in range(48) for x in range(64)))
with open(f"{d}/frames8.raw", "wb") as f:
    f.write(bytes(((x * 16 + y + fr * 60) % 256) for fr in range(4) for y in range(16) for x in range(16)))
PY

q=(-q)
for name in ct-16bit sc-8bit mf-8bit; do
  # dump2dcm reads =file references relative to the working directory.
  (cd "$work" && grep -v '^#' "$src/$name.dump" > "$name.dump" && dump2dcm "${q[@]}" +te "$name.dump" "$out/$name.dcm")
done

# Every uncompressed syntax, with and without meta information.
for name in ct-16bit sc-8bit mf-8bit; do
  dcmconv "${q[@]}" +ti "$out/$name.dcm" "$out/$name.implicit.dcm"
  dcmconv "${q[@]}" +tb "$out/$name.dcm" "$out/$name.big.dcm"
  dcmconv "${q[@]}" +td "$out/$name.dcm" "$out/$name.deflated.dcm"
  dcmconv "${q[@]}" -e "$out/$name.dcm" "$out/$name.undefined-lengths.dcm"
done
# Data Set Trailing Padding (FFFC,FFFC) at the end of the file and of every item.
dcmconv "${q[@]}" +p 512 32 "$out/ct-16bit.dcm" "$out/ct-16bit.padded.dcm"
dcmconv "${q[@]}" -F +ti "$out/ct-16bit.dcm" "$out/ct-16bit.bare-implicit.dcm"
dcmconv "${q[@]}" -F +te "$out/ct-16bit.dcm" "$out/ct-16bit.bare-explicit.dcm"
dcmconv "${q[@]}" -F +tb "$out/ct-16bit.dcm" "$out/ct-16bit.bare-big.dcm"
# Meta information without the 128-byte preamble and "DICM" prefix (DCMTK reads this layout too).
tail -c +133 "$out/ct-16bit.dcm" > "$out/ct-16bit.no-preamble.dcm"

# Encapsulated syntaxes made by DCMTK's own codecs.
dcmcjpeg "${q[@]}" +eb "$out/sc-8bit.dcm" "$out/sc-8bit.jpeg-baseline.dcm"
dcmcjpeg "${q[@]}" +el "$out/ct-16bit.dcm" "$out/ct-16bit.jpeg-lossless.dcm"
dcmcjpeg "${q[@]}" +el "$out/sc-8bit.dcm" "$out/sc-8bit.jpeg-lossless.dcm"
dcmcjpls "${q[@]}" "$out/ct-16bit.dcm" "$out/ct-16bit.jpeg-ls.dcm"
dcmcjpls "${q[@]}" "$out/sc-8bit.dcm" "$out/sc-8bit.jpeg-ls.dcm"
dcmcrle "${q[@]}" "$out/ct-16bit.dcm" "$out/ct-16bit.rle.dcm"
dcmcrle "${q[@]}" "$out/mf-8bit.dcm" "$out/mf-8bit.rle.dcm"
dcmcjpeg "${q[@]}" +eb "$out/mf-8bit.dcm" "$out/mf-8bit.jpeg-baseline.dcm"

# A JPEG file wrapped by img2dcm: the route a scanned document takes.
dcmj2pnm "${q[@]}" +oj "$out/sc-8bit.dcm" "$work/sc-8bit.jpg"
# Patient, study and series attributes come from the 8-bit source (-df), as a scanning workstation would fill them.
img2dcm "${q[@]}" -df "$out/sc-8bit.dcm" "$work/sc-8bit.jpg" "$out/img2dcm-jpeg.dcm"

rm -rf "$work"
touch "$stamp"
