#!/usr/bin/env python3
"""Writes jisx0212.bin: the JIS X 0212-1990 (ISO-IR 159) 94x94 table as 8836 big-endian UTF-16
code units, row-major from 0x2121 to 0x7E7E, 0 where a position has no character.

Provenance: the mapping is taken from the GNU C library's iconv (EUC-JP, where JIS X 0212 is the
0x8F-prefixed code set 3), because .NET's code page 51932/20932 decoders do not implement it.
Run from this folder: python3 generate-jisx0212.py
"""
import struct
import subprocess

out = bytearray()
for row in range(0x21, 0x7F):
    for cell in range(0x21, 0x7F):
        euc = bytes([0x8F, row | 0x80, cell | 0x80])
        p = subprocess.run(["iconv", "-f", "EUC-JP", "-t", "UTF-16BE"], input=euc, capture_output=True)
        code = int.from_bytes(p.stdout, "big") if p.returncode == 0 and len(p.stdout) == 2 else 0
        out += struct.pack(">H", code)
with open("jisx0212.bin", "wb") as f:
    f.write(out)
