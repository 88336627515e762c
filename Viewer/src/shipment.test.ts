import { describe, expect, it } from 'vitest';
import { retryAfterSeconds } from './shipment';

describe('retryAfterSeconds', () => {
  it('reads the delta-seconds a 429 carries', () => {
    expect(retryAfterSeconds(new Response(null, { status: 429, headers: { 'Retry-After': '42' } }))).toBe(42);
  });

  it('waits a minute when Retry-After is missing, zero, negative or not a number', () => {
    for (const header of [undefined, '0', '-5', 'soon', 'Wed, 21 Oct 2015 07:28:00 GMT']) {
      const headers: Record<string, string> = header === undefined ? {} : { 'Retry-After': header };
      expect(retryAfterSeconds(new Response(null, { status: 429, headers }))).toBe(60);
    }
  });
});
