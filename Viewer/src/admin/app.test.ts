import { describe, expect, it } from 'vitest';
import { capabilities, parsePath, sections } from './app';

describe('what a role may use', () => {
  const visible = (roles: string[]) => sections.filter((s) => capabilities(roles).has(s.needs)).map((s) => s.path);

  it('gives an administrator every page', () => {
    expect(visible(['administrator'])).toEqual(sections.map((s) => s.path));
  });

  it('gives an operator the views, not accounts nor the audit trail, and no change but resending', () => {
    expect(visible(['operator'])).toEqual(['shipments', 'held', 'forwarding', 'rules', 'nodes', 'contacts', 'statistics', 'configuration']);
    expect([...capabilities(['operator'])].sort()).toEqual(['resend', 'view']);
  });

  it('gives an auditor the audit trail only', () => {
    expect(visible(['auditor'])).toEqual(['audit']);
  });

  it('adds up the roles of an account, and ignores a role it does not know', () => {
    expect(visible(['operator', 'auditor'])).toContain('audit');
    expect(visible(['superuser'])).toEqual([]);
  });
});

describe('console paths', () => {
  it.each([
    ['/admin', '', []],
    ['/admin/', '', []],
    ['/admin/rules', 'rules', []],
    ['/admin/rules/new', 'rules', ['new']],
    ['/admin/shipments/42/', 'shipments', ['42']],
    ['/admin/held/1.2.3%2F4', 'held', ['1.2.3/4']],
  ])('%s', (path, section, params) => {
    expect(parsePath(path)).toEqual({ section, params });
  });
});
