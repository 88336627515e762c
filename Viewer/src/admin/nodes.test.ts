import { describe, expect, it } from 'vitest';
import { requiresCertificate, splitList } from './pages/nodes';

describe('splitList', () => {
  it('reads addresses separated by commas, semicolons or spaces, and drops empty entries', () => {
    expect(splitList(' 10.0.0.0/8, 192.0.2.7;ct1.hospital.local  fd00::/8 ,, ')).toEqual(['10.0.0.0/8', '192.0.2.7', 'ct1.hospital.local', 'fd00::/8']);
  });

  it('gives an empty list for an empty field, so the node falls back to its host', () => {
    expect(splitList('')).toEqual([]);
    expect(splitList('  ,  ')).toEqual([]);
  });
});

describe('requiresCertificate', () => {
  it('is true for a thumbprint, or for a subject with an issuer, and false for half a name or nothing', () => {
    expect(requiresCertificate({ certificateThumbprint: 'AB'.repeat(32) })).toBe(true);
    expect(requiresCertificate({ certificateSubject: 'CN=ct1', certificateIssuer: 'CN=CA' })).toBe(true);
    expect(requiresCertificate({ certificateSubject: 'CN=ct1', certificateIssuer: null })).toBe(false);
    expect(requiresCertificate({})).toBe(false);
  });
});
