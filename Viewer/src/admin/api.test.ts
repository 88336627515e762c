import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError, endpoints, normaliseFieldPath, withQuery } from './api';

type Call = { url: string; init: RequestInit };

function fakeFetch(status: number, body?: unknown, contentType = 'application/json') {
  const calls: Call[] = [];
  const f = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    const text = body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body);
    return new Response(status === 204 ? null : text, { status, headers: text ? { 'Content-Type': contentType } : {} });
  });
  return { fetch: f as unknown as typeof fetch, calls };
}

async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error('the request did not fail');
}

describe('the API client', () => {
  it('sends the CSRF header on every change and never on a read', async () => {
    const { fetch, calls } = fakeFetch(204);
    const c = new ApiClient({ fetch });
    await c.post('/api/x', { a: 1 });
    await c.put('/api/x', { a: 1 });
    await c.delete('/api/x');
    await c.get('/api/x');
    const header = (i: number) => new Headers(calls[i].init.headers).get('X-Requested-With');
    expect([header(0), header(1), header(2)]).toEqual(['DicomGateway', 'DicomGateway', 'DicomGateway']);
    expect(header(3)).toBeNull();
    expect(calls[0].init.body).toBe('{"a":1}');
    expect(new Headers(calls[0].init.headers).get('Content-Type')).toBe('application/json');
    expect(calls.every((x) => x.init.credentials === 'same-origin')).toBe(true);
  });

  it('sends a multipart body as it is, for the browser to set the boundary', async () => {
    const { fetch, calls } = fakeFetch(200, { disposition: 'held', rules: [], actions: [], warnings: [] });
    const api = endpoints(new ApiClient({ fetch }));
    const r = await api.rules.dryRunFile(new File([new Uint8Array([1, 2])], 'a.dcm'), [{ name: 'x', enabled: true, stopOnMatch: true, match: 'all', conditions: [], actions: [{ kind: 'hold' }] }]);
    expect(r.disposition).toBe('held');
    expect(calls[0].init.body).toBeInstanceOf(FormData);
    const form = calls[0].init.body as FormData;
    expect(form.get('file')).toBeInstanceOf(File);
    expect(JSON.parse(String(form.get('rules')))[0].name).toBe('x');
    expect(new Headers(calls[0].init.headers).get('Content-Type')).toBeNull();
    expect([...form.keys()].at(-1)).toBe('file');
    expect(new Headers(calls[0].init.headers).get('X-Requested-With')).toBe('DicomGateway');
  });

  it('answers JSON parsed, and nothing for 204', async () => {
    const ok = fakeFetch(200, { username: 'admin', roles: ['administrator'] });
    expect(await new ApiClient({ fetch: ok.fetch }).get('/api/auth/me')).toEqual({ username: 'admin', roles: ['administrator'] });
    const empty = fakeFetch(204);
    expect(await new ApiClient({ fetch: empty.fetch }).post('/api/auth/logout')).toBeUndefined();
  });

  it('on 401 goes back to the sign-in form, except for the sign-in itself', async () => {
    const onUnauthorized = vi.fn();
    const { fetch } = fakeFetch(401, { error: 'invalid-credentials' });
    const api = endpoints(new ApiClient({ fetch, onUnauthorized }));
    const login = await failure(api.auth.login('admin', 'wrong'));
    expect(login.kind).toBe('unauthorized');
    expect(login.code).toBe('invalid-credentials');
    expect(onUnauthorized).not.toHaveBeenCalled();
    const e = await failure(api.shipments.search({}));
    expect(e.kind).toBe('unauthorized');
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('says forbidden on 403 without signing out', async () => {
    const onUnauthorized = vi.fn();
    const { fetch } = fakeFetch(403, '');
    const e = await failure(new ApiClient({ fetch, onUnauthorized }).post('/api/rules', {}));
    expect(e.kind).toBe('forbidden');
    expect(e.status).toBe(403);
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it('gives the field errors of a 400 under the paths the form uses', async () => {
    const { fetch } = fakeFetch(400, {
      error: 'invalid',
      errors: { Name: ['Required.'], 'Conditions[0].Value': ['Too long.'], '$.actions[1].recipients[0].email': ['Not an e-mail address.'], 'timeWindow.from': 'A time as HH:MM.' },
    });
    const e = await failure(new ApiClient({ fetch }).post('/api/rules', {}));
    expect(e.kind).toBe('invalid');
    expect(e.fieldErrors).toEqual({
      name: ['Required.'],
      'conditions[0].value': ['Too long.'],
      'actions[1].recipients[0].email': ['Not an e-mail address.'],
      'timeWindow.from': ['A time as HH:MM.'],
    });
  });

  it('keeps the message of a 409', async () => {
    const { fetch } = fakeFetch(409, { error: 'conflict', message: 'The shipment has already ended.' });
    const e = await failure(new ApiClient({ fetch }).post('/api/shipments/4/revoke', { reason: 'x' }));
    expect(e.kind).toBe('conflict');
    expect(e.message).toBe('The shipment has already ended.');
  });

  it('reads the seconds to wait from Retry-After on 429, and keeps the message when it has none', async () => {
    const limited = vi.fn(async () => new Response(JSON.stringify({ error: 'rate-limited' }), { status: 429, headers: { 'Content-Type': 'application/json', 'Retry-After': '42' } }));
    const e = await failure(new ApiClient({ fetch: limited as unknown as typeof fetch }).post('/api/auth/login', { username: 'a', password: 'b' }, { expectUnauthorized: true }));
    expect(e.kind).toBe('rate-limited');
    expect(e.message).toBe('42');
    const bare = await failure(new ApiClient({ fetch: fakeFetch(429, { error: 'rate-limited' }).fetch }).post('/api/shipments/4/resend', {}));
    expect(bare.kind).toBe('rate-limited');
    expect(bare.message).toBe('rate-limited');
  });

  it('posts the unlock of a recipient under its shipment', async () => {
    const { fetch, calls } = fakeFetch(204);
    await endpoints(new ApiClient({ fetch })).shipments.unlockRecipient(4, 17);
    expect(calls[0].url).toBe('/api/shipments/4/recipients/17/unlock');
    expect(calls[0].init.method).toBe('POST');
  });

  it('tells 404, other statuses, a non-JSON error page and a network failure apart', async () => {
    expect((await failure(new ApiClient({ fetch: fakeFetch(404, { error: 'not-found' }).fetch }).get('/api/rules/9'))).kind).toBe('not-found');
    const e500 = await failure(new ApiClient({ fetch: fakeFetch(502, '<html>Bad gateway</html>', 'text/html').fetch }).get('/api/rules'));
    expect(e500.kind).toBe('failed');
    expect(e500.status).toBe(502);
    const down = await failure(new ApiClient({ fetch: (async () => { throw new TypeError('Failed to fetch'); }) as typeof fetch }).get('/api/rules'));
    expect(down.kind).toBe('network');
  });

  it('keeps the patient ID out of the URL of the disclosure lookup', async () => {
    const { fetch, calls } = fakeFetch(200, []);
    await endpoints(new ApiClient({ fetch })).audit.disclosures('PID-0042');
    expect(calls[0].url).toBe('/api/audit/disclosures');
    expect(calls[0].url).not.toContain('PID-0042');
    expect(calls[0].init.method).toBe('POST');
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ patientId: 'PID-0042' });
  });

  it('builds query strings without empty filters, and the CSV export with the filters but not the page', () => {
    expect(withQuery('/api/shipments', { state: 'active', recipient: '', reference: undefined, page: 2 })).toBe('/api/shipments?state=active&page=2');
    const api = endpoints(new ApiClient({ fetch: fakeFetch(200, {}).fetch }));
    expect(api.audit.exportUrl({ eventId: '110106', outcome: '0', page: 3, pageSize: 50 })).toBe('/api/audit/export.csv?eventId=110106&outcome=0');
  });
});

describe('field paths', () => {
  it.each([
    ['Name', 'name'],
    ['$.name', 'name'],
    ['Conditions[0].Value', 'conditions[0].value'],
    ['conditions.0.conditions.1.key', 'conditions[0].conditions[1].key'],
    ['Actions[0].Recipients[2].Email', 'actions[0].recipients[2].email'],
    ['TimeWindow.From', 'timeWindow.from'],
  ])('%s is %s', (input, expected) => {
    expect(normaliseFieldPath(input)).toBe(expected);
  });
});
