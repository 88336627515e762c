import { afterEach, describe, expect, it, vi } from 'vitest';
import adminHtml from '../../admin.html?raw';
import { adminLangs, detectLang, plural, stringsOf, type AdminStrings } from './i18n';

const en = stringsOf('en');
const keys = Object.keys(en) as (keyof AdminStrings)[];

/** A string, or what a string-making entry gives for plain arguments. */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'function') return String((value as (...a: unknown[]) => unknown)(3, 7, 42));
  throw new Error(`not a string nor a function: ${typeof value}`);
}

// Strings a Polish PACS user reads as they are in English: protocol names, roles spelt alike, the AE Title.
const samePolishAsEnglish = new Set<string>([
  'menu',
  'none',
  'email',
  'role_administrator',
  'role_operator',
  'calling',
  'called',
  'ck_callingAeTitle',
  'ck_calledAeTitle',
  'aeTitle',
  'host',
  'port',
  'lastEcho',
  'echo',
  'actor_administrator',
]);

describe('the Polish console strings', () => {
  it.each(keys)('have %s, of the same kind as in English and not empty', (key) => {
    const pl = stringsOf('pl')[key];
    expect(typeof pl).toBe(typeof en[key]);
    const text = render(pl);
    expect(text.trim()).not.toBe('');
    expect(text).not.toContain('undefined');
  });

  it('have no key English lacks', () => {
    expect(Object.keys(stringsOf('pl')).sort()).toEqual([...keys].sort());
  });

  it('are translated, not copied from English', () => {
    const copied = keys.filter((k) => !samePolishAsEnglish.has(k) && render(stringsOf('pl')[k]) === render(en[k]));
    expect(copied).toEqual([]);
  });

  it('keep AE Title as PACS users write it', () => {
    expect(stringsOf('pl').aeTitle).toBe('AE Title');
    expect(stringsOf('pl').ck_callingAeTitle).toBe('Calling AE Title');
  });

  it('are the type every table must fill', () => {
    // @ts-expect-error a table without every key of the English one does not compile
    const partial: AdminStrings = { language: 'Język' };
    expect(partial.language).toBe('Język');
  });
});

describe('Polish plural forms', () => {
  it.each([
    [1, 'Utworzono 1 przesyłkę.'],
    [2, 'Utworzono 2 przesyłki.'],
    [4, 'Utworzono 4 przesyłki.'],
    [5, 'Utworzono 5 przesyłek.'],
    [12, 'Utworzono 12 przesyłek.'],
    [14, 'Utworzono 14 przesyłek.'],
    [22, 'Utworzono 22 przesyłki.'],
    [0, 'Utworzono 0 przesyłek.'],
    [111, 'Utworzono 111 przesyłek.'],
  ])('count %i shipments as "%s"', (n, text) => {
    expect(stringsOf('pl').addressed(n)).toBe(text);
  });

  it('pick one, few, many and other by the Polish rules', () => {
    const forms = { one: 'one', few: 'few', many: 'many', other: 'other' };
    expect([1, 2, 3, 4, 5, 11, 12, 13, 14, 21, 22, 24, 25, 102, 112].map((n) => plural('pl', n, forms))).toEqual([
      'one',
      'few',
      'few',
      'few',
      'many',
      'many',
      'many',
      'many',
      'many',
      'many',
      'few',
      'few',
      'many',
      'few',
      'many',
    ]);
    expect(plural('pl', 1.5, forms)).toBe('other');
  });

  it('fall back to "other" where a language has no such form', () => {
    expect(plural('en', 5, { one: 'one', other: 'other' })).toBe('other');
    expect(stringsOf('en').addressed(1)).toBe('1 shipment created.');
    expect(stringsOf('en').addressed(2)).toBe('2 shipments created.');
    expect(stringsOf('cs').addressed(3)).toBe('Vytvořeny 3 zásilky.');
    expect(stringsOf('cs').addressed(5)).toBe('Vytvořeno 5 zásilek.');
  });
});

describe('language detection', () => {
  it.each([
    [['pl-PL', 'pl', 'en-US'], null, 'pl'],
    [['pl'], null, 'pl'],
    [['de-DE', 'pl-PL', 'en'], null, 'pl'],
    [['en-GB', 'pl-PL'], null, 'en'],
    [['sk-SK'], null, 'cs'],
    [['de-DE'], null, 'en'],
    [[], null, 'en'],
    [['cs-CZ'], 'pl', 'pl'],
    [['pl-PL'], 'en', 'en'],
    [['pl-PL'], 'klingon', 'pl'],
    [['pl-PL'], '', 'pl'],
  ])('browser %j with saved choice %j gives %s', (languages, saved, expected) => {
    expect(detectLang(languages, saved)).toBe(expected);
  });

  it('offers every language in the picker, Polish as Polski', () => {
    for (const l of adminLangs) expect(adminHtml).toMatch(new RegExp(`<option value="${l}">`));
    expect(adminHtml).toContain('<option value="pl">Polski</option>');
  });
});

describe('a Polish browser', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  async function consoleIn(language: string) {
    vi.stubGlobal('navigator', { language, languages: [language] });
    vi.stubGlobal('localStorage', undefined);
    vi.resetModules();
    return import('./i18n');
  }

  it('opens the console in Polish', async () => {
    const i18n = await consoleIn('pl-PL');
    expect(i18n.lang()).toBe('pl');
    expect(i18n.t().nav_nodes).toBe('Węzły');
    expect(i18n.tk('state_active')).toBe('Aktywna');
  });

  it('sees numbers, sizes and dates the Polish way', async () => {
    const i18n = await consoleIn('pl-PL');
    expect(i18n.locale()).toBe('pl-PL');
    expect(i18n.formatNumber(1234567)).toMatch(/^1\s234\s567$/);
    expect(i18n.formatBytes(1_536_000)).toBe('1,5 MB');
    expect(i18n.formatDicomDate('20260305')).toBe('5 mar 2026');
    // Midday UTC is the same day in every time zone a test machine uses.
    expect(i18n.formatDateTime('2026-03-05T12:00:00Z')).toMatch(/^05\.03\.2026, \d\d:00$/);
  });

  it('formats in Polish when Polish is picked in an English browser', async () => {
    const i18n = await consoleIn('en-US');
    expect(i18n.lang()).toBe('en');
    vi.stubGlobal('document', { documentElement: {} });
    i18n.setLang('pl');
    expect(i18n.locale()).toBe('pl');
    expect(i18n.formatBytes(1_536_000)).toBe('1,5 MB');
  });
});
