// The administration API client (docs/admin-api.md): JSON in and out, the sign-in cookie, the CSRF header on every
// change, and one error type that says what went wrong in terms the pages can show.

import type { Rule } from './ruleModel';

export type FieldErrors = Record<string, string[]>;

export type ApiErrorKind = 'unauthorized' | 'forbidden' | 'invalid' | 'not-found' | 'conflict' | 'rate-limited' | 'failed' | 'network';

export class ApiError extends Error {
  constructor(
    readonly kind: ApiErrorKind,
    readonly status: number,
    message: string,
    /** Validation messages by field path ("name", "conditions[0].value"), normalised by {@link normaliseFieldPath}. */
    readonly fieldErrors: FieldErrors = {},
    /** The machine code of the answer ("invalid-credentials", "conflict", ...), when it had one. */
    readonly code: string = '',
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * A field path as the pages name their inputs: JSON property names in camelCase, indices in brackets, no "$." root.
 * "Conditions[0].Value", "$.conditions[0].value" and "conditions.0.value" all become "conditions[0].value".
 */
export function normaliseFieldPath(path: string): string {
  const trimmed = path.trim().replace(/^\$\.?/, '');
  return trimmed
    .replace(/\.(\d+)(?=\.|\[|$)/g, '[$1]')
    .split('.')
    .map((part) => (part ? part[0].toLowerCase() + part.slice(1) : part))
    .join('.');
}

export interface ClientOptions {
  /** fetch, replaceable in tests. */
  fetch?: typeof fetch;
  /** Called on a 401 from any request except the sign-in itself: the page goes back to the sign-in form. */
  onUnauthorized?: () => void;
}

export interface RequestOptions {
  /** A 401 is the answer itself (the sign-in form's wrong password), not a lost session. */
  expectUnauthorized?: boolean;
}

/** The header the gateway requires on cookie-authenticated changes (CSRF defence in depth). */
export const CsrfHeader = { name: 'X-Requested-With', value: 'DicomGateway' } as const;

export class ApiClient {
  private readonly fetchImpl: typeof fetch;
  onUnauthorized: (() => void) | undefined;

  constructor(options: ClientOptions = {}) {
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.onUnauthorized = options.onUnauthorized;
  }

  get<T>(path: string, query?: Record<string, string | number | undefined | null>): Promise<T> {
    return this.request<T>('GET', withQuery(path, query));
  }

  post<T = void>(path: string, body?: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>('POST', path, body, options);
  }

  put<T = void>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  delete<T = void>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  async request<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (method !== 'GET' && method !== 'HEAD') headers[CsrfHeader.name] = CsrfHeader.value;
    let payload: BodyInit | undefined;
    if (body instanceof FormData) payload = body; // the browser sets the multipart boundary
    else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await this.fetchImpl(path, { method, headers, body: payload, credentials: 'same-origin', cache: 'no-store' });
    } catch (e) {
      throw new ApiError('network', 0, e instanceof Error ? e.message : 'network error');
    }
    if (response.ok) {
      if (response.status === 204) return undefined as T;
      const text = await response.text();
      if (!text) return undefined as T;
      const type = response.headers.get('Content-Type') ?? '';
      return (type.includes('json') ? JSON.parse(text) : text) as T;
    }
    throw await toError(response, options, this.onUnauthorized);
  }
}

async function toError(response: Response, options: RequestOptions, onUnauthorized: (() => void) | undefined): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  try {
    const text = await response.text();
    if (text) {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
    }
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  const code = typeof body.error === 'string' ? body.error : '';
  const message = typeof body.message === 'string' ? body.message : typeof body.detail === 'string' ? body.detail : typeof body.title === 'string' ? body.title : '';
  switch (response.status) {
    case 401:
      if (!options.expectUnauthorized) onUnauthorized?.();
      return new ApiError('unauthorized', 401, message || code || 'unauthorized', {}, code);
    case 403:
      return new ApiError('forbidden', 403, message || 'forbidden', {}, code);
    case 400:
    case 422:
      return new ApiError('invalid', response.status, message || code || 'invalid', readFieldErrors(body.errors), code);
    case 404:
      return new ApiError('not-found', 404, message || 'not found', {}, code);
    case 409:
      return new ApiError('conflict', 409, message || code || 'conflict', {}, code);
    case 429: {
      // The gateway's rate limits say in Retry-After (seconds) when to come back.
      const seconds = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
      return new ApiError('rate-limited', 429, Number.isFinite(seconds) && seconds > 0 ? String(seconds) : message || code, {}, code);
    }
    default:
      return new ApiError('failed', response.status, message || `HTTP ${response.status}`, {}, code);
  }
}

function readFieldErrors(errors: unknown): FieldErrors {
  const result: FieldErrors = {};
  if (!errors || typeof errors !== 'object') return result;
  for (const [key, value] of Object.entries(errors as Record<string, unknown>)) {
    const messages = Array.isArray(value) ? value.filter((m): m is string => typeof m === 'string') : typeof value === 'string' ? [value] : [];
    if (messages.length === 0) continue;
    const path = normaliseFieldPath(key);
    (result[path] ??= []).push(...messages);
  }
  return result;
}

/** path?k=v&... with empty values left out. */
export function withQuery(path: string, query?: Record<string, string | number | undefined | null>): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

// ---- The answers (docs/admin-api.md) ----

export type Role = 'administrator' | 'operator' | 'auditor';

export interface Me {
  username: string;
  displayName: string;
  roles: Role[];
  mustChangePassword: boolean;
  method?: 'password' | 'oidc' | 'api-key';
}

export interface Providers {
  oidc: boolean;
  oidcName?: string;
}

export interface Account {
  id: number;
  username: string;
  displayName: string;
  roles: Role[];
  disabled: boolean;
  mustChangePassword: boolean;
  lockedUntil: string | null;
  lastSignInAt: string | null;
  createdAt: string;
}

export interface ApiKey {
  id: number;
  name: string;
  role: Role;
  prefix: string;
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface Contact {
  id?: number;
  name: string;
  email: string | null;
  phone: string | null;
  language: string | null;
  organisation: string | null;
  dicomNames: string[];
  notes: string | null;
}

export interface EchoResult {
  at?: string;
  ok: boolean;
  milliseconds?: number;
  message: string | null;
}

export interface DicomNode {
  id?: number;
  name: string;
  aeTitle: string;
  host: string;
  port: number;
  allowedToSend: boolean;
  forwardDestination: boolean;
  description: string | null;
  /** IP addresses, CIDR networks or host names the node may call from; empty: its host. */
  callingAddresses?: string[];
  /** Its own transfer syntax preference (UIDs and "compressed"); empty: the listener's. */
  transferSyntaxes?: string[];
  /** Forwarding and the C-ECHO test call it over DICOM TLS. */
  tls?: boolean;
  /** SHA-256 thumbprint of the certificate it must present when it calls over TLS (or subject and issuer below). */
  certificateThumbprint?: string | null;
  certificateSubject?: string | null;
  certificateIssuer?: string | null;
  /** A storage commitment request covering a whole study seals it at once (default true). */
  sealOnCommitment?: boolean;
  lastEcho?: EchoResult | null;
}

/** Whether anyone who reaches the DICOM port may send (GET /api/nodes/caller-policy). */
export interface CallerPolicy {
  acceptUnknownCallers: boolean;
  allowListInEffect: boolean;
  anyoneCanSend: boolean;
}

export type ForwardState = 'queued' | 'sending' | 'done' | 'failed' | 'cancelled';

export interface Forward {
  id: number;
  studyId: number | string;
  nodeId: number;
  nodeName: string;
  aeTitle: string;
  host: string;
  port: number;
  ruleName: string | null;
  state: ForwardState;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  instancesSent: number;
  instanceCount: number;
  createdAt: string;
  completedAt: string | null;
}

export interface ShipmentSummary {
  id: number;
  reference: string;
  state: string;
  ruleName: string | null;
  createdAt: string;
  expiresAt: string;
  endedAt: string | null;
  recipients: { id?: number; email: string | null; phone: string | null; language?: string | null; firstOpenedAt?: string | null; openCount?: number; failedAttempts?: number; lockedAt?: string | null }[];
  instanceCount: number;
  totalBytes: number;
  downloadCount: number;
  maxDownloads: number | null;
  firstOpenedAt: string | null;
}

export interface Delivery {
  id: number;
  recipientId: number;
  channel: string;
  kind: string;
  state: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

export interface AuditRecord {
  id: number;
  occurredAt: string;
  eventId: string | number;
  eventName: string;
  action: string;
  outcome: string | number;
  actorKind: string;
  actor: string | null;
  actorAddress: string | null;
  studyId: number | string | null;
  shipmentId: number | null;
  recipientId: number | null;
  detail: unknown;
}

export interface ShipmentDetails extends ShipmentSummary {
  deliveries: Delivery[];
  events: AuditRecord[];
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface HeldStudy {
  studyId: number | string;
  callingAeTitle: string;
  calledAeTitle: string;
  remoteHost: string;
  firstReceivedAt: string;
  lastReceivedAt: string;
  instanceCount: number;
  totalBytes: number;
  /** Why it is held: 'no-rule', 'rule', 'sender-changed'; null for a study held before reasons were kept. */
  holdReason?: string | null;
  /** Above 0: more instances of a study already sealed (a follow-up). */
  generation?: number;
}

export interface HeldStudyDetails extends HeldStudy {
  patientName: string | null;
  patientId: string | null;
  patientBirthDate?: string | null;
  institutionName?: string | null;
  studyDate: string | null;
  studyDescription: string | null;
  modalities: string[] | string | null;
  referringPhysicianName: string | null;
  accessionNumber: string | null;
  series: { description: string | null; modality: string | null; seriesNumber?: number | string | null; instanceCount: number }[];
}

export interface DryRunStudy {
  studyId: number | string;
  state: string;
  callingAeTitle: string;
  calledAeTitle: string;
  receivedAt: string;
  instanceCount: number;
}

export interface DryRunContext {
  callingAeTitle?: string;
  calledAeTitle?: string;
  sourceAddress?: string;
  receivedAt?: string;
}

export interface DryRunRecipient {
  email?: string | null;
  phone?: string | null;
  language?: string | null;
  contactId?: number | null;
}

export interface DryRun {
  disposition: 'act' | 'held' | 'discard';
  rules: {
    ruleId: number | null;
    name: string;
    enabled: boolean;
    matched: boolean;
    stoppedHere: boolean;
    conditions: { description: string; matched: boolean }[];
    timeWindowMatched: boolean | null;
  }[];
  actions: {
    kind: string;
    ruleId: number | null;
    ruleName: string;
    recipients?: DryRunRecipient[];
    expiryDays?: number | null;
    maxDownloads?: number | null;
    nodeId?: number | null;
    nodeName?: string | null;
    reason?: string | null;
  }[];
  warnings: string[];
}

export interface Statistics {
  months: { month: string; shipments: number; instances: number; bytes: number; opened: number; expiredUnopened: number }[];
  rules: { ruleId: number | null; ruleName: string; shipments: number; instances: number; bytes: number; opened: number; expiredUnopened: number }[];
}

export interface Disclosure {
  occurredAt: string;
  eventId: string | number;
  eventName: string;
  shipmentId: number | null;
  shipmentReference: string | null;
  recipient: string | null;
  actor: string | null;
  detail: unknown;
}

export interface ShipmentQuery {
  from?: string;
  to?: string;
  state?: string;
  recipient?: string;
  reference?: string;
  page?: number;
  pageSize?: number;
}

export interface AuditQuery {
  from?: string;
  to?: string;
  eventId?: string;
  actorKind?: string;
  actor?: string;
  shipmentId?: string;
  outcome?: string;
  page?: number;
  pageSize?: number;
}

/** The endpoints, typed. One instance for the page; tests build their own over a fake fetch. */
export function endpoints(c: ApiClient) {
  const id = (v: number | string) => encodeURIComponent(String(v));
  return {
    client: c,
    auth: {
      login: (username: string, password: string) => c.post<Me>('/api/auth/login', { username, password }, { expectUnauthorized: true }),
      logout: () => c.post('/api/auth/logout'),
      me: () => c.get<Me>('/api/auth/me'),
      changePassword: (currentPassword: string, newPassword: string) => c.post('/api/auth/password', { currentPassword, newPassword }),
      providers: () => c.get<Providers>('/api/auth/providers'),
    },
    accounts: {
      list: () => c.get<Account[]>('/api/accounts'),
      create: (a: { username: string; displayName: string; roles: Role[] }) => c.post<{ id: number; oneTimePassword: string }>('/api/accounts', a),
      update: (accountId: number, a: { displayName: string; roles: Role[]; disabled: boolean }) => c.put(`/api/accounts/${id(accountId)}`, a),
      resetPassword: (accountId: number) => c.post<{ oneTimePassword: string }>(`/api/accounts/${id(accountId)}/reset-password`),
      unlock: (accountId: number) => c.post(`/api/accounts/${id(accountId)}/unlock`),
      remove: (accountId: number) => c.delete(`/api/accounts/${id(accountId)}`),
    },
    apiKeys: {
      list: () => c.get<ApiKey[]>('/api/api-keys'),
      create: (k: { name: string; role: Role }) => c.post<{ id: number; key: string }>('/api/api-keys', k),
      revoke: (keyId: number) => c.delete(`/api/api-keys/${id(keyId)}`),
    },
    rules: {
      list: () => c.get<Rule[]>('/api/rules'),
      get: (ruleId: number) => c.get<Rule>(`/api/rules/${id(ruleId)}`),
      create: (r: Rule) => c.post<{ id: number }>('/api/rules', r),
      update: (ruleId: number, r: Rule) => c.put(`/api/rules/${id(ruleId)}`, r),
      remove: (ruleId: number) => c.delete(`/api/rules/${id(ruleId)}`),
      order: (ids: number[]) => c.post('/api/rules/order', { ids }),
      setEnabled: (ruleId: number, enabled: boolean) => c.post(`/api/rules/${id(ruleId)}/enabled`, { enabled }),
      validate: (r: Rule) => c.post<object>('/api/rules/validate', r),
      dryRunStudy: (studyId: number | string, rules?: Rule[]) => c.post<DryRun>('/api/rules/dry-run', { studyId, rules }),
      /** A file came through no association: the association's fields are given here, or left out (not matched). */
      dryRunFile: (file: File, rules?: Rule[], context: DryRunContext = {}) => {
        const form = new FormData();
        // The small fields first: the gateway reads the upload as it streams in.
        for (const [k, v] of Object.entries(context)) if (v) form.append(k, v);
        if (rules) form.append('rules', JSON.stringify(rules));
        form.append('file', file);
        return c.post<DryRun>('/api/rules/dry-run', form);
      },
      dryRunStudies: () => c.get<DryRunStudy[]>('/api/dry-run/studies'),
    },
    contacts: {
      list: () => c.get<Contact[]>('/api/contacts'),
      create: (x: Contact) => c.post<{ id: number }>('/api/contacts', x),
      update: (contactId: number, x: Contact) => c.put(`/api/contacts/${id(contactId)}`, x),
      remove: (contactId: number) => c.delete(`/api/contacts/${id(contactId)}`),
    },
    nodes: {
      list: () => c.get<DicomNode[]>('/api/nodes'),
      callerPolicy: () => c.get<CallerPolicy>('/api/nodes/caller-policy'),
      create: (n: DicomNode) => c.post<{ id: number }>('/api/nodes', n),
      update: (nodeId: number, n: DicomNode) => c.put(`/api/nodes/${id(nodeId)}`, n),
      remove: (nodeId: number) => c.delete(`/api/nodes/${id(nodeId)}`),
      echo: (nodeId: number) => c.post<EchoResult>(`/api/nodes/${id(nodeId)}/echo`),
    },
    forwards: {
      list: (state?: string) => c.get<Forward[]>('/api/forwards', { state }),
      retry: (forwardId: number) => c.post(`/api/forwards/${id(forwardId)}/retry`),
      cancel: (forwardId: number) => c.post(`/api/forwards/${id(forwardId)}/cancel`),
    },
    shipments: {
      search: (q: ShipmentQuery) => c.get<Page<ShipmentSummary>>('/api/shipments', { ...q }),
      get: (shipmentId: number) => c.get<ShipmentDetails>(`/api/shipments/${id(shipmentId)}`),
      revoke: (shipmentId: number, reason: string) => c.post(`/api/shipments/${id(shipmentId)}/revoke`, { reason }),
      extend: (shipmentId: number, days: number) => c.post<{ expiresAt: string }>(`/api/shipments/${id(shipmentId)}/extend`, { days }),
      resend: (shipmentId: number, recipientId: number, channel: 'sms' | 'email') => c.post(`/api/shipments/${id(shipmentId)}/resend`, { recipientId, channel }),
      unlockRecipient: (shipmentId: number, recipientId: number) => c.post(`/api/shipments/${id(shipmentId)}/recipients/${id(recipientId)}/unlock`),
    },
    held: {
      list: () => c.get<HeldStudy[]>('/api/held'),
      get: (studyId: number | string) => c.get<HeldStudyDetails>(`/api/held/${id(studyId)}`),
      address: (studyId: number | string, action: unknown) => c.post<{ shipmentIds: number[] }>(`/api/held/${id(studyId)}/address`, action),
      route: (studyId: number | string) => c.post<{ disposition: string }>(`/api/held/${id(studyId)}/route`),
      discard: (studyId: number | string, reason: string) => c.post(`/api/held/${id(studyId)}/discard`, { reason }),
    },
    statistics: (from: string, to: string) => c.get<Statistics>('/api/statistics', { from, to }),
    audit: {
      search: (q: AuditQuery) => c.get<Page<AuditRecord>>('/api/audit', { ...q }),
      exportUrl: (q: AuditQuery) => withQuery('/api/audit/export.csv', { ...q, page: undefined, pageSize: undefined }),
      // A POST: the patient ID never goes in a URL.
      disclosures: (patientId: string) => c.post<Disclosure[]>('/api/audit/disclosures', { patientId }),
    },
    configuration: () => c.get<unknown>('/api/configuration'),
  };
}

export type Endpoints = ReturnType<typeof endpoints>;
