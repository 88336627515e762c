// The unlocked shipment: the recipient API, the manifest, and a queue that decrypts instances with limited
// concurrency. Decrypted files live in memory only (no Cache Storage, IndexedDB or Web Storage).

import { base64UrlDecode, base64UrlEncode, decryptBlobStream, normaliseCode, unlockProof, unwrapDataKey, type Link } from './crypto';

export interface ManifestInstance {
  ordinal: number;
  sopClassUid?: string;
  sopInstanceUid?: string;
  instanceNumber?: number;
  transferSyntaxUid?: string;
  plaintextLength: number;
  ciphertextLength?: number;
}

export interface ManifestSeries {
  seriesInstanceUid: string;
  seriesNumber?: number;
  seriesDescription?: string;
  modality?: string;
  bodyPartExamined?: string;
  instances: ManifestInstance[];
}

export interface Manifest {
  version: number;
  patient?: { name?: string; id?: string; birthDate?: string; sex?: string };
  study?: { studyInstanceUid?: string; studyDate?: string; studyTime?: string; studyDescription?: string; accessionNumber?: string; institutionName?: string };
  series: ManifestSeries[];
  instanceCount: number;
  totalBytes: number;
}

export type UnlockResult =
  | { kind: 'ok'; shipment: Shipment }
  | { kind: 'wrong-code'; attemptsLeft: number }
  | { kind: 'invalid-code' }
  | { kind: 'unavailable' }
  | { kind: 'rate-limited'; retryAfterSeconds: number }
  | { kind: 'failed' };

const API = '/api/recipient';

async function postJson(path: string, body: unknown): Promise<Response> {
  return fetch(`${API}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    credentials: 'same-origin',
    cache: 'no-store',
  });
}

export async function unlock(link: Link, typedCode: string): Promise<UnlockResult> {
  const code = normaliseCode(typedCode);
  if (!code) return { kind: 'invalid-code' };
  const proof = await unlockProof(link.fragmentKey, code, link.token);
  const response = await postJson('/unlock', { token: link.tokenText, proof: base64UrlEncode(proof) });
  if (response.status === 403) {
    const body = (await response.json().catch(() => ({}))) as { attemptsLeft?: number };
    return { kind: 'wrong-code', attemptsLeft: body.attemptsLeft ?? 0 };
  }
  if (response.status === 404) return { kind: 'unavailable' };
  if (response.status === 429) return { kind: 'rate-limited', retryAfterSeconds: retryAfterSeconds(response) };
  if (!response.ok) return { kind: 'failed' };
  const body = (await response.json()) as { serverShare: string; wrappedKey: string };
  const dataKey = await unwrapDataKey(link.fragmentKey, code, link.token, base64UrlDecode(body.serverShare), base64UrlDecode(body.wrappedKey));
  performance.mark('dgw:unlocked');
  const manifestBytes = await fetchBlob(dataKey, 0);
  const manifest = JSON.parse(new TextDecoder().decode(manifestBytes)) as Manifest;
  manifestBytes.fill(0);
  performance.mark('dgw:manifest');
  return { kind: 'ok', shipment: new Shipment(dataKey, manifest) };
}

/** Seconds to wait from a 429's Retry-After (delta-seconds); a minute when it is missing or not a number. */
export function retryAfterSeconds(response: Response): number {
  const value = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
  return Number.isFinite(value) && value > 0 ? value : 60;
}

export type ResendResult = 'queued' | 'rate-limited' | 'no-phone' | 'unavailable' | 'failed';

/** Tells the gateway (for its audit trail) that a ZIP of the study, or of one series, is being downloaded. */
export async function announceDownload(seriesInstanceUid: string | undefined, files: number): Promise<void> {
  const response = await postJson('/downloads', { seriesInstanceUid, files });
  if (response.status === 401 || response.status === 404) throw new SessionEndedError();
  if (!response.ok) throw new Error(`download announcement: HTTP ${response.status}`);
}

export async function resendCode(link: Link): Promise<ResendResult> {
  const response = await postJson('/resend-code', { token: link.tokenText });
  switch (response.status) {
    case 202: return 'queued';
    case 429: return 'rate-limited';
    case 409: return 'no-phone';
    case 404: return 'unavailable';
    default: return 'failed';
  }
}

/** The server no longer knows our session (idle timeout, restart, shipment ended): unlock again. */
export class SessionEndedError extends Error {
  constructor() {
    super('session ended');
    this.name = 'SessionEndedError';
  }
}

async function fetchBlob(dataKey: CryptoKey, ordinal: number, onProgress?: (done: number, total: number) => void): Promise<Uint8Array> {
  const response = await fetch(`${API}/blobs/${ordinal}`, { credentials: 'same-origin', cache: 'no-store' });
  if (response.status === 401 || response.status === 404) throw new SessionEndedError();
  if (!response.ok || !response.body) throw new Error(`blob ${ordinal}: HTTP ${response.status}`);
  const length = response.headers.get('Content-Length');
  const encoding = response.headers.get('Content-Encoding');
  return decryptBlobStream(response.body, dataKey, ordinal, {
    knownLength: length !== null && !encoding ? Number(length) : undefined,
    onProgress,
  });
}

interface Job {
  ordinal: number;
  promise: Promise<Blob>;
  resolve: (v: Blob) => void;
  reject: (e: unknown) => void;
  started: boolean;
}

export class Shipment {
  /** Decrypted Part-10 files by ordinal, in memory only. */
  private readonly files = new Map<number, Blob>();
  private readonly jobs = new Map<number, Job>();
  private queue: number[] = [];
  private running = 0;
  bytesDecrypted = 0;
  /** Frame counts read from the plaintext while it is still an array (reading a Blob back costs a copy each time). */
  readonly frames = new Map<number, number>();
  /** Set by the viewer: counts the frames of a decrypted Part-10 file. */
  countFrames: ((bytes: Uint8Array) => number) | null = null;
  onDecrypted: ((ordinal: number) => void) | null = null;
  /** A blob that failed (tampered, truncated, or the session ended). */
  onFailed: ((ordinal: number, error: unknown) => void) | null = null;

  constructor(private readonly dataKey: CryptoKey, readonly manifest: Manifest, private readonly concurrency = 6) {}

  isDecrypted(ordinal: number): boolean {
    return this.files.has(ordinal);
  }

  /** The decrypted file; queued at the back, or moved to the front with urgent. */
  get(ordinal: number, urgent = false): Promise<Blob> {
    const done = this.files.get(ordinal);
    if (done) return Promise.resolve(done);
    let job = this.jobs.get(ordinal);
    if (!job) {
      let resolve!: (v: Blob) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<Blob>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      job = { ordinal, promise, resolve, reject, started: false };
      this.jobs.set(ordinal, job);
      if (urgent) this.queue.unshift(ordinal);
      else this.queue.push(ordinal);
    } else if (urgent && !job.started) {
      this.queue = [ordinal, ...this.queue.filter((o) => o !== ordinal)];
    }
    this.pump();
    return job.promise;
  }

  /** Queues every ordinal in order (display order), without moving ones already queued. */
  enqueue(ordinals: number[]): void {
    for (const o of ordinals) void this.get(o).catch(() => undefined);
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const ordinal = this.queue.shift()!;
      const job = this.jobs.get(ordinal)!;
      job.started = true;
      this.running++;
      let last = 0;
      fetchBlob(this.dataKey, ordinal, (done) => {
        this.bytesDecrypted += done - last;
        last = done;
      })
        .then((bytes) => {
          if (this.countFrames) this.frames.set(ordinal, this.countFrames(bytes));
          const blob = new Blob([bytes as BlobPart], { type: 'application/dicom' });
          bytes.fill(0);
          this.files.set(ordinal, blob);
          job.resolve(blob);
          if (this.files.size === 1) performance.mark('dgw:first-decrypted');
          this.onDecrypted?.(ordinal);
        })
        .catch((error) => {
          this.bytesDecrypted -= last;
          this.jobs.delete(ordinal);
          job.reject(error);
          this.onFailed?.(ordinal, error);
        })
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
  }

  /** The decrypted file, kept if it was already decrypted, else decrypted for this one use (ZIP downloads). */
  async decryptOnce(ordinal: number): Promise<Blob> {
    const kept = this.files.get(ordinal);
    if (kept) return kept;
    const bytes = await fetchBlob(this.dataKey, ordinal);
    const blob = new Blob([bytes as BlobPart], { type: 'application/dicom' });
    bytes.fill(0);
    return blob;
  }

  /** Every instance in manifest order with the path it gets in a ZIP: "<series number>/<instance number>.dcm". */
  zipEntries(series?: ManifestSeries): { ordinal: number; name: string }[] {
    const out: { ordinal: number; name: string }[] = [];
    const list = series ? [series] : this.manifest.series;
    list.forEach((s) => {
      const folder = String(s.seriesNumber ?? this.manifest.series.indexOf(s) + 1);
      s.instances.forEach((i, k) => out.push({ ordinal: i.ordinal, name: `${folder}/${i.instanceNumber ?? k + 1}.dcm` }));
    });
    return out;
  }
}
