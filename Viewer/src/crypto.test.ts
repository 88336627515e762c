import { describe, expect, it } from 'vitest';
import vectors from '../../docs/shipment-vectors.json';
import {
  blobKeyInfo,
  decryptBlob,
  decryptBlobStream,
  fromHex,
  hex,
  hkdf,
  importDataKey,
  isLinkPath,
  keyWrapKeyBytes,
  normaliseCode,
  parseHeader,
  parseLink,
  segmentNonce,
  ShipmentFormatError,
  unlockProof,
  unwrapDataKey,
} from './crypto';

const subtle = globalThis.crypto.subtle;

interface BlobVector {
  name: string;
  dataKey: string;
  ordinal: number;
  segmentSize: number;
  salt: string;
  plaintextLength: number;
  plaintext?: string;
  plaintextPattern?: string;
  blobKey: string;
  header: string;
  nonFinalAssociatedData: string;
  segments: { index: number; last: boolean; offset: number; length: number; nonce: string; ciphertextAndTag?: string; tag?: string; sha256?: string }[];
  blobLength: number;
  blob?: string;
  blobSha256?: string;
}

const blobs = vectors.blobs as BlobVector[];

function plaintextOf(v: BlobVector): Uint8Array {
  if (v.plaintext !== undefined) return fromHex(v.plaintext);
  const p = new Uint8Array(v.plaintextLength);
  for (let i = 0; i < p.length; i++) p[i] = i % 251;
  return p;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  return hex(new Uint8Array(await subtle.digest('SHA-256', bytes as BufferSource)));
}

/** A writer written from the spec, independent of the reader: seals a plaintext as the gateway does. */
async function seal(dataKey: Uint8Array, salt: Uint8Array, ordinal: number, size: number, plaintext: Uint8Array): Promise<Uint8Array> {
  const keyBytes = await hkdf(dataKey, salt, blobKeyInfo(ordinal));
  const key = await subtle.importKey('raw', keyBytes as BufferSource, 'AES-GCM', false, ['encrypt']);
  const header = new Uint8Array(40);
  header.set([0x44, 0x47, 0x57, 0x53, 1, 1, 0, 0]);
  const view = new DataView(header.buffer);
  view.setUint32(8, size);
  view.setUint32(12, ordinal);
  header.set(salt, 16);
  const nonFinal = header.slice();
  view.setBigUint64(32, BigInt(plaintext.length));
  const count = plaintext.length === 0 ? 1 : Math.ceil(plaintext.length / size);
  const parts: Uint8Array[] = [header];
  for (let i = 0; i < count; i++) {
    const last = i === count - 1;
    const ct = await subtle.encrypt(
      { name: 'AES-GCM', iv: segmentNonce(i, last) as BufferSource, additionalData: (last ? header : nonFinal) as BufferSource, tagLength: 128 },
      key,
      plaintext.subarray(i * size, Math.min((i + 1) * size, plaintext.length)) as BufferSource,
    );
    parts.push(new Uint8Array(ct));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function chunked(bytes: Uint8Array, chunk: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(at, at + chunk));
      at += chunk;
    },
  });
}

async function blobOf(v: BlobVector): Promise<Uint8Array> {
  return v.blob !== undefined ? fromHex(v.blob) : seal(fromHex(v.dataKey), fromHex(v.salt), v.ordinal, v.segmentSize, plaintextOf(v));
}

describe('blob vectors', () => {
  for (const v of blobs) {
    describe(v.name, () => {
      it('derives the blob key', async () => {
        expect(hex(await hkdf(fromHex(v.dataKey), fromHex(v.salt), blobKeyInfo(v.ordinal)))).toBe(v.blobKey);
      });

      it('reads the header, the associated data and the nonces', async () => {
        const header = parseHeader(fromHex(v.header), v.ordinal);
        expect(header.plaintextLength).toBe(v.plaintextLength);
        expect(header.segmentSize).toBe(v.segmentSize);
        expect(header.blobLength).toBe(v.blobLength);
        expect(header.segmentCount).toBe(v.segments.length);
        expect(hex(header.nonFinalAssociatedData)).toBe(v.nonFinalAssociatedData);
        for (const s of v.segments) expect(hex(segmentNonce(s.index, s.last))).toBe(s.nonce);
      });

      it('is what a writer following the spec produces', async () => {
        const sealed = await seal(fromHex(v.dataKey), fromHex(v.salt), v.ordinal, v.segmentSize, plaintextOf(v));
        if (v.blob !== undefined) expect(hex(sealed)).toBe(v.blob);
        else expect(await sha256(sealed)).toBe(v.blobSha256);
        for (const s of v.segments) {
          const stored = sealed.subarray(s.offset, s.offset + s.length);
          if (s.ciphertextAndTag !== undefined) expect(hex(stored)).toBe(s.ciphertextAndTag);
          if (s.tag !== undefined) expect(hex(stored.subarray(stored.length - 16))).toBe(s.tag);
          if (s.sha256 !== undefined) expect(await sha256(stored)).toBe(s.sha256);
        }
      });

      it('decrypts whole and streamed in small chunks', async () => {
        const dk = await importDataKey(fromHex(v.dataKey));
        const blob = await blobOf(v);
        expect(hex(await decryptBlob(blob, dk, v.ordinal))).toBe(hex(plaintextOf(v)));
        const progress: number[] = [];
        const streamed = await decryptBlobStream(chunked(blob, 7), dk, v.ordinal, { onProgress: (d) => progress.push(d) });
        expect(hex(streamed)).toBe(hex(plaintextOf(v)));
        expect(progress.at(-1)).toBe(v.plaintextLength);
      });
    });
  }
});

describe('recipient vector', () => {
  const r = vectors.recipient;
  const E = fromHex(r.fragmentKey);
  const T = fromHex(r.token);
  const Ks = fromHex(r.serverShare);

  it('parses the link, with T and E in the fragment only', () => {
    const url = new URL(r.link);
    expect(url.pathname).toBe('/s/');
    expect(url.search).toBe('');
    const link = parseLink(url.pathname, url.hash);
    expect(link).not.toBeNull();
    expect(hex(link!.token)).toBe(r.token);
    expect(hex(link!.fragmentKey)).toBe(r.fragmentKey);
    expect(link!.tokenText).toBe(url.hash.slice(1, 44));
  });

  it('parses a link of the earlier form, T in the path', () => {
    const url = new URL(r.linkEarlierForm);
    const link = parseLink(url.pathname, url.hash);
    expect(link).not.toBeNull();
    expect(hex(link!.token)).toBe(r.token);
    expect(hex(link!.fragmentKey)).toBe(r.fragmentKey);
    expect(link!.tokenText).toBe(url.pathname.slice(3));
  });

  it('normalises the typed code', () => {
    expect(normaliseCode(r.codeTyped)).toBe(r.code);
  });

  it('hashes the token and derives the proof and its hash', async () => {
    expect(await sha256(T)).toBe(r.tokenHash);
    const proof = await unlockProof(E, r.code, T);
    expect(hex(proof)).toBe(r.unlockProof);
    expect(await sha256(proof)).toBe(r.proofHash);
  });

  it('derives the key-wrap key and reproduces the wrapped key', async () => {
    const kek = await keyWrapKeyBytes(E, r.code, T, Ks);
    expect(hex(kek)).toBe(r.keyWrapKey);
    const key = await subtle.importKey('raw', kek as BufferSource, 'AES-GCM', false, ['encrypt']);
    const nonce = fromHex(r.wrapNonce);
    const ct = new Uint8Array(
      await subtle.encrypt({ name: 'AES-GCM', iv: nonce as BufferSource, additionalData: new TextEncoder().encode('DicomGateway v1 data key') }, key, fromHex(r.dataKey) as BufferSource),
    );
    expect(hex(nonce) + hex(ct)).toBe(r.wrappedKey);
  });

  it('unwraps a data key that cannot be exported and opens the blob vectors', async () => {
    const dk = await unwrapDataKey(E, r.code, T, Ks, fromHex(r.wrappedKey));
    expect(dk.extractable).toBe(false);
    await expect(subtle.exportKey('raw', dk)).rejects.toThrow();
    const v = blobs[1];
    expect(hex(await decryptBlob(fromHex(v.blob!), dk, v.ordinal))).toBe(v.plaintext);
  });

  it('refuses to unwrap with a wrong code, fragment, token, share or a changed wrapped key', async () => {
    const wrapped = fromHex(r.wrappedKey);
    const flip = (b: Uint8Array, i: number) => {
      const c = b.slice();
      c[i] ^= 1;
      return c;
    };
    await expect(unwrapDataKey(E, '7K3M9QXY', T, Ks, wrapped)).rejects.toThrow(ShipmentFormatError);
    await expect(unwrapDataKey(flip(E, 0), r.code, T, Ks, wrapped)).rejects.toThrow(ShipmentFormatError);
    await expect(unwrapDataKey(E, r.code, flip(T, 31), Ks, wrapped)).rejects.toThrow(ShipmentFormatError);
    await expect(unwrapDataKey(E, r.code, T, flip(Ks, 5), wrapped)).rejects.toThrow(ShipmentFormatError);
    for (const i of [0, 11, 12, 43, 59]) await expect(unwrapDataKey(E, r.code, T, Ks, flip(wrapped, i))).rejects.toThrow(ShipmentFormatError);
    await expect(unwrapDataKey(E, r.code, T, Ks, wrapped.subarray(0, 59))).rejects.toThrow(ShipmentFormatError);
  });
});

describe('codes', () => {
  for (const c of vectors.codes) {
    it(`"${c.typed}" -> ${c.normalized}`, () => {
      expect(normaliseCode(c.typed)).toBe(c.normalized);
    });
  }
  it('refuses non-ASCII look-alikes', () => {
    expect(normaliseCode('ABCD-EFGÍ')).toBeNull();
  });
  it('has vectors for the non-ASCII characters that case mapping or folding would turn into the alphabet', () => {
    const typed = vectors.codes.map((c) => c.typed).join('');
    for (const c of ['\u0131', '\u0130', '\u017f', '\u00df', '\u212a', '\u00a0']) expect(typed).toContain(c);
    expect(typed).toMatch(/[\uff10-\uff19]/);
    // The trap the vectors guard against: the browser's own case mapping reads them as code symbols.
    expect('7K3M-9QX\u0131'.toUpperCase()).toBe('7K3M-9QXI');
    expect('7K3M-9Q\u00df'.toUpperCase()).toBe('7K3M-9QSS');
    for (const c of vectors.codes) if (/[^\x00-\x7f]/.test(c.typed)) expect(c.normalized).toBeNull();
  });
});

describe('links', () => {
  const t = 'gIGCg4SFhoeIiYqLjI2Oj5CRkpOUlZaXmJmam5ydnp8';
  const e = 'QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8';

  it('reads both forms', () => {
    expect(parseLink('/s/', `#${t}.${e}`)?.tokenText).toBe(t);
    expect(parseLink('/s', `#${t}.${e}`)?.tokenText).toBe(t);
    expect(parseLink(`/s/${t}`, `#${e}`)?.tokenText).toBe(t);
  });

  it.each([
    ['no fragment', '/s/', ''],
    ['no fragment, earlier form', `/s/${t}`, ''],
    ['only E in the fragment and no T in the path', '/s/', `#${e}`],
    ['only T and a separator', '/s/', `#${t}.`],
    ['no separator', '/s/', `#${t}${e}`],
    ['T short', '/s/', `#${t.slice(1)}.${e}`],
    ['E long', '/s/', `#${t}.${e}A`],
    ['T padded', '/s/', `#${t}=.${e}`],
    ['a second separator', '/s/', `#${t}.${e}.${e}`],
    ['standard base64', '/s/', `#${t.slice(0, -1)}+.${e}`],
    ['a non-canonical final character', '/s/', `#${t.slice(0, -1)}9.${e}`],
    ['another path', '/x/', `#${t}.${e}`],
    ['both forms at once', `/s/${t}`, `#${t}.${e}`],
    ['earlier form, T short', `/s/${t.slice(1)}`, `#${e}`],
    ['earlier form, E padded', `/s/${t}`, `#${e}=`],
    ['earlier form, another path', `/x/${t}`, `#${e}`],
  ])('refuses %s', (_, pathname, hash) => {
    expect(parseLink(pathname, hash)).toBeNull();
  });

  it('knows the link page by its path', () => {
    expect(isLinkPath('/s/')).toBe(true);
    expect(isLinkPath('/s')).toBe(true);
    expect(isLinkPath(`/s/${t}`)).toBe(true);
    expect(isLinkPath('/')).toBe(false);
    expect(isLinkPath('/admin')).toBe(false);
    expect(isLinkPath('/sx')).toBe(false);
  });
});

describe('tampering', () => {
  // Three segments of 16 (the last partial), ordinal 4.
  const v = blobs.find((b) => b.name.startsWith('three segments'))!;
  const blob = fromHex(v.blob!);
  const size = v.segmentSize;
  const dk = () => importDataKey(fromHex(v.dataKey));
  const refused = async (bytes: Uint8Array, ordinal = v.ordinal) => {
    await expect(decryptBlob(bytes, await dk(), ordinal)).rejects.toThrow(ShipmentFormatError);
    await expect(decryptBlobStream(chunked(bytes, 5), await dk(), ordinal)).rejects.toThrow(ShipmentFormatError);
  };

  it('refuses any changed byte, header or segment', async () => {
    for (let i = 0; i < blob.length; i++) {
      const changed = blob.slice();
      changed[i] ^= 0x80;
      await refused(changed);
    }
  });

  it('refuses every truncation and any appended byte', async () => {
    for (let n = 0; n < blob.length; n++) await refused(blob.slice(0, n));
    const longer = new Uint8Array(blob.length + 1);
    longer.set(blob);
    await refused(longer);
  });

  it('refuses a blob presented under another ordinal', async () => {
    await refused(blob, v.ordinal + 1);
  });

  it('refuses swapped segments and a dropped final segment', async () => {
    const s0 = blob.slice(40, 40 + size + 16);
    const s1 = blob.slice(40 + size + 16, 40 + 2 * (size + 16));
    const swapped = blob.slice();
    swapped.set(s1, 40);
    swapped.set(s0, 40 + size + 16);
    await refused(swapped);
    // Header rewritten to the length of two full segments, final segment dropped: segment 1 was sealed non-final.
    const dropped = blob.slice(0, 40 + 2 * (size + 16));
    new DataView(dropped.buffer).setBigUint64(32, BigInt(2 * size));
    await refused(dropped);
  });

  it('refuses a segment taken from another blob', async () => {
    const other = await seal(fromHex(v.dataKey), fromHex(blobs[0].salt), v.ordinal, size, plaintextOf(v));
    const mixed = blob.slice();
    mixed.set(other.subarray(40, 40 + size + 16), 40);
    await refused(mixed);
  });

  it('refuses a size the transport reports that does not fit the header', async () => {
    await expect(decryptBlobStream(chunked(blob, 64), await dk(), v.ordinal, { knownLength: blob.length + 1 })).rejects.toThrow(ShipmentFormatError);
  });

  it('refuses a segment size out of range', async () => {
    const header = fromHex(v.header);
    new DataView(header.buffer).setUint32(8, 15);
    expect(() => parseHeader(header, v.ordinal)).toThrow(ShipmentFormatError);
    new DataView(header.buffer).setUint32(8, 16 * 1024 * 1024 + 1);
    expect(() => parseHeader(header, v.ordinal)).toThrow(ShipmentFormatError);
  });
});
