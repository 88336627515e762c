#!/usr/bin/env python3
"""Helpers for bench/longrun/run.sh, standard library only.

  driver.py generate OUT --instances N --studies S --groups 1,4,10 --rows R
      Writes N small CT instances (Explicit VR Little Endian, R x R 16-bit) spread over S studies into
      OUT/<group>/<association>/, each group's studies split over that many association directories.
  driver.py malformed PORT AE
      One round of the malformed inputs the network tests send: garbage, a half PDU header, a PDU announcing more
      than it sends, an association to an unknown AE title, and a connection reset in the middle of a C-STORE.
"""
import os
import socket
import struct
import sys
import time

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
EXPLICIT_LE = "1.2.840.10008.1.2.1"
ROOT = "1.2.826.0.1.3680043.10.1234.77"


def pad(b: bytes, fill: bytes) -> bytes:
    return b + fill if len(b) % 2 else b


def element(group: int, elem: int, vr: str, value: bytes) -> bytes:
    if vr in ("OB", "OW", "SQ", "UN", "UT"):
        return struct.pack("<HH2sHI", group, elem, vr.encode(), 0, len(value)) + value
    return struct.pack("<HH2sH", group, elem, vr.encode(), len(value)) + value


def text(group, elem, vr, s):
    return element(group, elem, vr, pad(s.encode(), b"\0" if vr == "UI" else b" "))


def us(group, elem, v):
    return element(group, elem, "US", struct.pack("<H", v))


def part10(study: int, series_uid: str, study_uid: str, number: int, rows: int, pixels: bytes) -> bytes:
    sop = f"{ROOT}.3.{study}.{number}"
    meta_body = (element(0x0002, 0x0001, "OB", b"\0\1") + text(0x0002, 0x0002, "UI", CT_IMAGE_STORAGE)
                 + text(0x0002, 0x0003, "UI", sop) + text(0x0002, 0x0010, "UI", EXPLICIT_LE)
                 + text(0x0002, 0x0012, "UI", ROOT + ".9"))
    meta = element(0x0002, 0x0000, "UL", struct.pack("<I", len(meta_body))) + meta_body
    ds = (text(0x0008, 0x0016, "UI", CT_IMAGE_STORAGE) + text(0x0008, 0x0018, "UI", sop)
          + text(0x0008, 0x0020, "DA", "20260101") + text(0x0008, 0x0060, "CS", "CT")
          + text(0x0008, 0x1030, "LO", f"Long run study {study}")
          + text(0x0010, 0x0010, "PN", f"LONGRUN^PATIENT{study}") + text(0x0010, 0x0020, "LO", f"LR{study:04d}")
          + text(0x0020, 0x000D, "UI", study_uid) + text(0x0020, 0x000E, "UI", series_uid)
          + text(0x0020, 0x0011, "IS", "1") + text(0x0020, 0x0013, "IS", str(number))
          + us(0x0028, 0x0002, 1) + text(0x0028, 0x0004, "CS", "MONOCHROME2")
          + us(0x0028, 0x0010, rows) + us(0x0028, 0x0011, rows) + us(0x0028, 0x0100, 16)
          + us(0x0028, 0x0101, 16) + us(0x0028, 0x0102, 15) + us(0x0028, 0x0103, 0)
          + element(0x7FE0, 0x0010, "OW", pixels))
    return bytes(128) + b"DICM" + meta + ds


def generate(out: str, instances: int, studies: int, groups: list[int], rows: int) -> None:
    if instances < studies or studies < len(groups):
        sys.exit("need at least one instance per study and one study per group")
    per_study = [instances // studies + (1 if s < instances % studies else 0) for s in range(studies)]
    study_groups = [[] for _ in groups]
    for s in range(studies):
        study_groups[s * len(groups) // studies].append(s)
    for g, associations in enumerate(groups):
        # The group's instances, dealt round-robin to its associations so that each association carries several
        # studies and each study arrives over several associations, as parallel modalities would send them.
        n = 0
        for s in study_groups[g]:
            study_uid = f"{ROOT}.1.{s}"
            series_uid = f"{ROOT}.2.{s}"
            for i in range(per_study[s]):
                # Pixel values differ per instance so that no two blobs are equal.
                pixels = struct.pack("<H", (s * 7919 + i) & 0xFFFF) * (rows * rows)
                d = os.path.join(out, str(associations), f"a{n % associations:02d}")
                os.makedirs(d, exist_ok=True)
                with open(os.path.join(d, f"S{s:03d}I{i:05d}.dcm"), "wb") as f:
                    f.write(part10(s, series_uid, study_uid, i + 1, rows, pixels))
                n += 1


def pdu(pdu_type: int, body: bytes) -> bytes:
    return struct.pack(">BBI", pdu_type, 0, len(body)) + body


def item(t: int, body: bytes) -> bytes:
    return struct.pack(">BBH", t, 0, len(body)) + body


def associate_rq(called: str) -> bytes:
    app = item(0x10, b"1.2.840.10008.3.1.1.1")
    pc = item(0x20, bytes([1, 0, 0, 0]) + item(0x30, CT_IMAGE_STORAGE.encode()) + item(0x40, EXPLICIT_LE.encode()))
    user = item(0x50, item(0x51, struct.pack(">I", 16384)) + item(0x52, (ROOT + ".9").encode()))
    return pdu(1, struct.pack(">HH", 1, 0) + called.encode().ljust(16) + b"LONGRUNPEER".ljust(16) + bytes(32)
               + app + pc + user)


def pdata(control: int, fragment: bytes) -> bytes:
    return pdu(4, struct.pack(">IBB", len(fragment) + 2, 1, control) + fragment)


def store_command(sop: str) -> bytes:
    def el(e, v):
        return struct.pack("<HHI", 0, e, len(v)) + v
    body = (el(0x0002, pad(CT_IMAGE_STORAGE.encode(), b"\0")) + el(0x0100, struct.pack("<H", 1))
            + el(0x0110, struct.pack("<H", 7)) + el(0x0700, struct.pack("<H", 0))
            + el(0x0800, struct.pack("<H", 0)) + el(0x1000, pad(sop.encode(), b"\0")))
    return el(0x0000, struct.pack("<I", len(body))) + body


def connect(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    return s


def reset(s: socket.socket) -> None:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def drain(s: socket.socket) -> None:
    """Reads until the gateway closes or 2 s pass; a reset from its side is an answer too."""
    s.settimeout(2)
    try:
        while s.recv(65536):
            pass
    except OSError:
        pass
    s.close()


def malformed(port: int, ae: str) -> None:
    cases = {
        "garbage": lambda s: (s.sendall(os.urandom(4096)), drain(s)),
        "half PDU header": lambda s: (s.sendall(b"\x01\x00\x00"), s.close()),
        "PDU longer than sent": lambda s: (s.sendall(struct.pack(">BBI", 1, 0, 1 << 20) + bytes(100)), s.close()),
        "unknown called AE": lambda s: (s.sendall(associate_rq("NOSUCHAE")), drain(s)),
        "reset inside a C-STORE": lambda s: store_then_reset(s, ae),
        "close inside a C-STORE": lambda s: store_then_reset(s, ae, close=True),
    }
    for name, case in cases.items():
        try:
            case(connect(port))
        except OSError as e:
            print(f"  malformed input '{name}': {e}", file=sys.stderr)


def store_then_reset(s: socket.socket, ae: str, close: bool = False) -> None:
    s.sendall(associate_rq(ae))
    answer = s.recv(6)
    if not answer or answer[0] != 2:
        raise OSError(f"association not accepted: {answer!r}")
    s.recv(65536)
    s.sendall(pdata(3, store_command(f"{ROOT}.8.{time.time_ns()}")))
    s.sendall(pdata(0, bytes(1000)))
    time.sleep(0.05)
    if close:
        s.close()
    else:
        reset(s)


def main(argv: list[str]) -> None:
    if len(argv) >= 2 and argv[1] == "generate":
        args = dict(zip(argv[3::2], argv[4::2]))
        generate(argv[2], int(args.get("--instances", 10000)), int(args.get("--studies", 50)),
                 [int(g) for g in args.get("--groups", "1,4,10").split(",")], int(args.get("--rows", 128)))
    elif len(argv) == 4 and argv[1] == "malformed":
        malformed(int(argv[2]), argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
