// The recipient's side of docs/shipment-format.md, with nothing but WebCrypto: the link, the code, the unlock
// proof, the key unwrap and the segmented blobs. Keys stay CryptoKeys that cannot be exported wherever WebCrypto
// allows it; the one raw secret the format hands over (the data key, out of the unwrap) is imported at once and
// its bytes are overwritten.

const subtle = globalThis.crypto.subtle;
const ascii = new TextEncoder();

export const HEADER_LENGTH = 40;
export const TAG_LENGTH = 16;
export const MIN_SEGMENT_SIZE = 16;
export const MAX_SEGMENT_SIZE = 16 * 1024 * 1024;
const MAGIC = [0x44, 0x47, 0x57, 0x53]; // "DGWS"

const PROOF_INFO = 'DicomGateway v1 unlock proof';
const WRAP_INFO = 'DicomGateway v1 key wrap';
const WRAP_AAD = 'DicomGateway v1 data key';
const BLOB_KEY_INFO = 'DicomGateway v1 blob key';

/** A blob, a wrapped key or a link that the format says to refuse. The message is for logs, not for people. */
export class ShipmentFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShipmentFormatError';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Encodings

export function base64UrlEncode(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** RFC 4648 section 5 without padding; anything else (padding, '+', '/', a stray length) is refused. */
export function base64UrlDecode(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw new ShipmentFormatError('not base64url');
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function fromHex(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(text.substr(i * 2, 2), 16);
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function u32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, false);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Link and code

export interface Link {
  /** T, 32 bytes, from the fragment (or from the path of a link of the earlier form). */
  token: Uint8Array;
  /** T in base64url, sent to the server in request bodies only, never in a URL. */
  tokenText: string;
  /** E, 32 bytes, from the fragment; never sent anywhere. */
  fragmentKey: Uint8Array;
}

const KEY_TEXT = '[A-Za-z0-9_-]{43}';
const LINK_PATH = /^\/s\/?$/;
const LINK_FRAGMENT = new RegExp(`^#?(${KEY_TEXT})\\.(${KEY_TEXT})$`);
const EARLIER_LINK_PATH = new RegExp(`^/s/(${KEY_TEXT})/?$`);
const EARLIER_LINK_FRAGMENT = new RegExp(`^#?(${KEY_TEXT})$`);

/** Whether the page was opened as a recipient's link ("/s/", or "/s/<T>" for a link of the earlier form). */
export function isLinkPath(pathname: string): boolean {
  return LINK_PATH.test(pathname) || pathname.startsWith('/s/');
}

/**
 * Reads T and E from a link "/s/#<T>.<E>", or from a link of the earlier form "/s/<T>#<E>" (e-mailed before T moved
 * into the fragment, and valid until its shipment expires); null for anything else, or a value that is not 32 bytes.
 */
export function parseLink(pathname: string, hash: string): Link | null {
  let tokenText: string;
  let keyText: string;
  const current = LINK_PATH.test(pathname) ? LINK_FRAGMENT.exec(hash) : null;
  const earlierPath = EARLIER_LINK_PATH.exec(pathname);
  const earlierFragment = earlierPath ? EARLIER_LINK_FRAGMENT.exec(hash) : null;
  if (current) [tokenText, keyText] = [current[1], current[2]];
  else if (earlierPath && earlierFragment) [tokenText, keyText] = [earlierPath[1], earlierFragment[1]];
  else return null;
  try {
    const token = base64UrlDecode(tokenText);
    const fragmentKey = base64UrlDecode(keyText);
    if (token.length !== 32 || fragmentKey.length !== 32 || base64UrlEncode(token) !== tokenText || base64UrlEncode(fragmentKey) !== keyText) return null;
    return { token, tokenText, fragmentKey };
  } catch {
    return null;
  }
}

export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * Crockford normalisation of a typed code, exactly as the gateway's: hyphens and spaces dropped, then any non-ASCII
 * character makes the code invalid before any case mapping (toUpperCase would turn "ı" into "I", "ſ" into "S" and
 * "ß" into "SS"); a-z upper-cased, I and L read as 1, O as 0; the 8 symbols, or null.
 */
export function normaliseCode(typed: string): string | null {
  let out = '';
  for (const c of typed) {
    if (c === '-' || c === ' ') continue;
    const unit = c.charCodeAt(0);
    if (c.length !== 1 || unit > 0x7f) return null;
    let upper = unit >= 0x61 && unit <= 0x7a ? String.fromCharCode(unit - 0x20) : c;
    if (upper === 'I' || upper === 'L') upper = '1';
    else if (upper === 'O') upper = '0';
    if (!CODE_ALPHABET.includes(upper) || out.length === 8) return null;
    out += upper;
  }
  return out.length === 8 ? out : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Key derivations

/** HKDF-SHA256 to 32 raw bytes; the input key material is imported non-extractable. */
export async function hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array): Promise<Uint8Array> {
  const base = await subtle.importKey('raw', ikm as BufferSource, 'HKDF', false, ['deriveBits']);
  const bits = await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: salt as BufferSource, info: info as BufferSource }, base, 256);
  return new Uint8Array(bits);
}

export function blobKeyInfo(ordinal: number): Uint8Array {
  return concat(ascii.encode(BLOB_KEY_INFO), u32(ordinal));
}

/** P = HKDF(E || ASCII(S), salt T, "DicomGateway v1 unlock proof"). */
export async function unlockProof(fragmentKey: Uint8Array, code: string, token: Uint8Array): Promise<Uint8Array> {
  const ikm = concat(fragmentKey, ascii.encode(code));
  try {
    return await hkdf(ikm, token, ascii.encode(PROOF_INFO));
  } finally {
    ikm.fill(0);
  }
}

/** KEK = HKDF(E || ASCII(S) || Ks, salt T, "DicomGateway v1 key wrap"), raw: for the test vectors only. */
export async function keyWrapKeyBytes(fragmentKey: Uint8Array, code: string, token: Uint8Array, serverShare: Uint8Array): Promise<Uint8Array> {
  return hkdf(concat(fragmentKey, ascii.encode(code), serverShare), token, ascii.encode(WRAP_INFO));
}

/**
 * Unwraps DK and returns it as a non-extractable HKDF key. A wrong E, S, T or Ks, or a changed wrapped key, fails
 * the tag and throws.
 */
export async function unwrapDataKey(fragmentKey: Uint8Array, code: string, token: Uint8Array, serverShare: Uint8Array, wrappedKey: Uint8Array): Promise<CryptoKey> {
  if (wrappedKey.length !== 12 + 32 + TAG_LENGTH) throw new ShipmentFormatError('wrapped key has the wrong length');
  const ikm = concat(fragmentKey, ascii.encode(code), serverShare);
  let kek: CryptoKey;
  try {
    const base = await subtle.importKey('raw', ikm as BufferSource, 'HKDF', false, ['deriveKey']);
    kek = await subtle.deriveKey(
      { name: 'HKDF', hash: 'SHA-256', salt: token as BufferSource, info: ascii.encode(WRAP_INFO) },
      base,
      { name: 'AES-GCM', length: 256 },
      false,
      ['decrypt'],
    );
  } finally {
    ikm.fill(0);
  }
  let raw: Uint8Array;
  try {
    raw = new Uint8Array(
      await subtle.decrypt(
        { name: 'AES-GCM', iv: wrappedKey.slice(0, 12), additionalData: ascii.encode(WRAP_AAD), tagLength: 128 },
        kek,
        wrappedKey.slice(12) as BufferSource,
      ),
    );
  } catch {
    throw new ShipmentFormatError('the wrapped key does not open');
  }
  try {
    return await importDataKey(raw);
  } finally {
    raw.fill(0);
  }
}

/** DK as HKDF key material that cannot be read back. */
export function importDataKey(raw: Uint8Array): Promise<CryptoKey> {
  return subtle.importKey('raw', raw as BufferSource, 'HKDF', false, ['deriveKey']);
}

export function deriveBlobKey(dataKey: CryptoKey, salt: Uint8Array, ordinal: number): Promise<CryptoKey> {
  return subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: salt as BufferSource, info: blobKeyInfo(ordinal) as BufferSource },
    dataKey,
    { name: 'AES-GCM', length: 256 },
    false,
    ['decrypt'],
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Blobs

export interface BlobHeader {
  segmentSize: number;
  ordinal: number;
  salt: Uint8Array;
  plaintextLength: number;
  segmentCount: number;
  /** 40 + len + 16 * count. */
  blobLength: number;
  /** The 40 bytes as read: the final segment's associated data. */
  bytes: Uint8Array;
  /** The header with the length zeroed: every other segment's associated data. */
  nonFinalAssociatedData: Uint8Array;
}

/** Parses and checks the 40-byte header (rules 1 to 3 of "What a reader must reject"). */
export function parseHeader(bytes: Uint8Array, expectedOrdinal: number): BlobHeader {
  if (bytes.length < HEADER_LENGTH) throw new ShipmentFormatError('blob shorter than its header');
  const header = bytes.slice(0, HEADER_LENGTH);
  const view = new DataView(header.buffer);
  for (let i = 0; i < 4; i++) if (header[i] !== MAGIC[i]) throw new ShipmentFormatError('bad magic');
  if (header[4] !== 1) throw new ShipmentFormatError('unknown version');
  if (header[5] !== 1) throw new ShipmentFormatError('unknown algorithm');
  if (view.getUint16(6) !== 0) throw new ShipmentFormatError('reserved field not zero');
  const segmentSize = view.getUint32(8);
  if (segmentSize < MIN_SEGMENT_SIZE || segmentSize > MAX_SEGMENT_SIZE) throw new ShipmentFormatError('segment size out of range');
  const ordinal = view.getUint32(12);
  if (ordinal !== expectedOrdinal) throw new ShipmentFormatError(`ordinal ${ordinal} where ${expectedOrdinal} was expected`);
  const length = view.getBigUint64(32);
  const count = length === 0n ? 1n : (length + BigInt(segmentSize) - 1n) / BigInt(segmentSize);
  if (count > 0x1_0000_0000n) throw new ShipmentFormatError('too many segments');
  const blobLength = BigInt(HEADER_LENGTH) + length + BigInt(TAG_LENGTH) * count;
  if (blobLength > BigInt(Number.MAX_SAFE_INTEGER)) throw new ShipmentFormatError('blob too large');
  const nonFinalAssociatedData = header.slice();
  nonFinalAssociatedData.fill(0, 32, 40);
  return {
    segmentSize,
    ordinal,
    salt: header.slice(16, 32),
    plaintextLength: Number(length),
    segmentCount: Number(count),
    blobLength: Number(blobLength),
    bytes: header,
    nonFinalAssociatedData,
  };
}

/** 7 zero bytes, the index as u32, then 1 for the final segment and 0 otherwise. */
export function segmentNonce(index: number, last: boolean): Uint8Array {
  const nonce = new Uint8Array(12);
  new DataView(nonce.buffer).setUint32(7, index, false);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/** Stored length of segment i (ciphertext and tag). */
export function segmentStoredLength(header: BlobHeader, index: number): number {
  const last = index === header.segmentCount - 1;
  return (last ? header.plaintextLength - index * header.segmentSize : header.segmentSize) + TAG_LENGTH;
}

async function openSegment(key: CryptoKey, header: BlobHeader, index: number, stored: Uint8Array): Promise<Uint8Array> {
  const last = index === header.segmentCount - 1;
  try {
    const plain = await subtle.decrypt(
      {
        name: 'AES-GCM',
        iv: segmentNonce(index, last) as BufferSource,
        additionalData: (last ? header.bytes : header.nonFinalAssociatedData) as BufferSource,
        tagLength: 128,
      },
      key,
      stored as BufferSource,
    );
    return new Uint8Array(plain);
  } catch {
    throw new ShipmentFormatError(`segment ${index} does not open`);
  }
}

export interface DecryptOptions {
  /** The blob's size when the transport tells it (Content-Length): refused at once if it does not fit the header. */
  knownLength?: number;
  /** Called after every verified segment with the plaintext bytes so far and the total. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Decrypts a blob while it arrives: each segment is verified and decrypted as soon as its bytes are in. The
 * plaintext is handed out only once the final segment has verified and the stream has ended with no byte after
 * it; on any failure it is zeroed and the promise rejects.
 */
export async function decryptBlobStream(
  stream: ReadableStream<Uint8Array>,
  dataKey: CryptoKey,
  expectedOrdinal: number,
  options: DecryptOptions = {},
): Promise<Uint8Array> {
  const reader = stream.getReader();
  let pending: Uint8Array = new Uint8Array(0);
  let header: BlobHeader | null = null;
  let key: CryptoKey | null = null;
  let plaintext: Uint8Array | null = null;
  // When the transport proved the blob's size (Content-Length equal to the size the header implies), the plaintext
  // buffer is allocated once and segments are decrypted concurrently: WebCrypto calls are asynchronous, and waiting
  // for each before starting the next made a blob's segments a chain of round trips. Otherwise the buffer grows as
  // segments verify, one at a time, since an unproven header length must not size an allocation.
  let sized = false;
  const inFlight: Promise<void>[] = [];
  const maxInFlight = 8;
  let verified = 0;
  let index = 0;
  let done = false;
  try {
    for (;;) {
      options.signal?.throwIfAborted();
      const chunk = await reader.read();
      if (chunk.done) break;
      if (done) {
        if (chunk.value.length > 0) throw new ShipmentFormatError('bytes after the final segment');
        continue;
      }
      pending = pending.length === 0 ? chunk.value : concat(pending, chunk.value);
      if (!header) {
        if (pending.length < HEADER_LENGTH) continue;
        header = parseHeader(pending, expectedOrdinal);
        if (options.knownLength !== undefined && options.knownLength !== header.blobLength) {
          throw new ShipmentFormatError('blob size does not match its header');
        }
        sized = options.knownLength !== undefined;
        key = await deriveBlobKey(dataKey, header.salt, header.ordinal);
        plaintext = new Uint8Array(sized ? header.plaintextLength : Math.min(header.plaintextLength, 1 << 20));
        pending = pending.subarray(HEADER_LENGTH);
      }
      while (!done) {
        const need = segmentStoredLength(header, index);
        if (pending.length < need) break;
        const at = index * header.segmentSize;
        const segment = openSegment(key!, header, index, pending.subarray(0, need)).then((plain) => {
          const end = at + plain.length;
          if (end > plaintext!.length) {
            const grown = new Uint8Array(Math.min(header!.plaintextLength, Math.max(end, plaintext!.length * 2)));
            grown.set(plaintext!);
            plaintext!.fill(0);
            plaintext = grown;
          }
          plaintext!.set(plain, at);
          plain.fill(0);
          verified += plain.length;
          options.onProgress?.(Math.min(verified, header!.plaintextLength), header!.plaintextLength);
        });
        pending = pending.subarray(need);
        done = index === header.segmentCount - 1;
        index++;
        if (!sized) {
          await segment;
        } else {
          segment.catch(() => undefined); // awaited below; this only keeps an early failure from reading as unhandled
          inFlight.push(segment);
          if (inFlight.length >= maxInFlight) await inFlight.shift();
        }
      }
      if (done && pending.length > 0) throw new ShipmentFormatError('bytes after the final segment');
    }
    if (!header) throw new ShipmentFormatError('blob shorter than its header');
    if (!done) throw new ShipmentFormatError('blob truncated');
    await Promise.all(inFlight);
    const result = plaintext!;
    plaintext = null;
    return result;
  } catch (error) {
    // No segment may still be writing into the buffer once it is zeroed.
    await Promise.allSettled(inFlight);
    plaintext?.fill(0);
    await reader.cancel().catch(() => undefined);
    throw error;
  } finally {
    reader.releaseLock();
  }
}

/** Decrypts a blob already in memory (the blob's size is known). */
export function decryptBlob(blob: Uint8Array, dataKey: CryptoKey, expectedOrdinal: number): Promise<Uint8Array> {
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(blob);
      controller.close();
    },
  });
  return decryptBlobStream(stream, dataKey, expectedOrdinal, { knownLength: blob.length });
}
