// The page's strings in Czech, Polish and English. The language follows the browser unless the person picks one.

export type Lang = 'cs' | 'pl' | 'en';

const en = {
  language: 'Language',
  homeTitle: 'Shared DICOM study',
  homeText: 'Open the link from your e-mail to see the study that was shared with you.',
  unlockTitle: 'Unlock the study',
  unlockText: 'Enter the code you received by SMS.',
  codeLabel: 'Code from the SMS',
  unlock: 'Unlock',
  resend: 'Send the code again',
  unlocking: 'Unlocking…',
  invalidCode: 'The code has 8 characters, for example ABCD-EFGH.',
  wrongCode: (n: number) => `Wrong code, ${n} ${n === 1 ? 'attempt' : 'attempts'} left`,
  unavailable: 'This study is not available. The link may have expired or been withdrawn.',
  tooManyAttempts: (seconds: number) => `Too many attempts. Please try again in ${seconds} s.`,
  failed: 'Something went wrong. Please try again.',
  brokenLink: 'The link is incomplete. Open it again from your e-mail, exactly as it was sent.',
  resent: 'A new code is on its way.',
  resendLimited: 'Too many codes requested. Please try again later.',
  resendNoPhone: 'No phone number is on record for this link.',
  studyTitle: 'Study',
  patientName: 'Patient',
  patientId: 'Patient ID',
  birthDate: 'Date of birth',
  studyDate: 'Study date',
  studyDescription: 'Description',
  series: 'Series',
  images: (n: number) => `${n} ${n === 1 ? 'image' : 'images'}`,
  open: 'Open',
  download: 'Download',
  downloadZip: 'Download the whole study (ZIP)',
  zipping: (k: number, n: number) => `Saving ${k} / ${n}…`,
  zipDone: 'Saved.',
  back: 'Back to the study',
  toolWl: 'Window/level',
  toolPan: 'Pan',
  toolZoom: 'Zoom',
  toolLength: 'Length',
  toolAngle: 'Angle',
  presetSoft: 'Soft tissue',
  presetLung: 'Lung',
  presetBone: 'Bone',
  presetBrain: 'Brain',
  invert: 'Invert',
  reset: 'Reset',
  cine: 'Play/pause',
  decrypted: (k: number, n: number) => `${k} / ${n} decrypted`,
  decryptFailed: 'An image could not be decrypted: it was damaged or altered.',
  sessionEnded: 'The session has ended. Open the link from your e-mail again.',
};

type Strings = typeof en;

const cs: Strings = {
  language: 'Jazyk',
  homeTitle: 'Sdílené vyšetření DICOM',
  homeText: 'Otevřete odkaz z e-mailu a uvidíte vyšetření, které vám bylo zasláno.',
  unlockTitle: 'Odemknout vyšetření',
  unlockText: 'Zadejte kód, který vám přišel v SMS.',
  codeLabel: 'Kód z SMS',
  unlock: 'Odemknout',
  resend: 'Poslat kód znovu',
  unlocking: 'Odemykám…',
  invalidCode: 'Kód má 8 znaků, například ABCD-EFGH.',
  wrongCode: (n) => `Nesprávný kód, ${n === 1 ? 'zbývá 1 pokus' : n >= 2 && n <= 4 ? `zbývají ${n} pokusy` : `zbývá ${n} pokusů`}`,
  unavailable: 'Toto vyšetření není dostupné. Platnost odkazu mohla vypršet nebo byl zrušen.',
  tooManyAttempts: (seconds) => `Příliš mnoho pokusů. Zkuste to prosím znovu za ${seconds} s.`,
  failed: 'Něco se nepovedlo. Zkuste to prosím znovu.',
  brokenLink: 'Odkaz je neúplný. Otevřete jej znovu z e-mailu přesně tak, jak přišel.',
  resent: 'Nový kód je na cestě.',
  resendLimited: 'Příliš mnoho žádostí o kód. Zkuste to prosím později.',
  resendNoPhone: 'K tomuto odkazu není uvedeno telefonní číslo.',
  studyTitle: 'Vyšetření',
  patientName: 'Pacient',
  patientId: 'ID pacienta',
  birthDate: 'Datum narození',
  studyDate: 'Datum vyšetření',
  studyDescription: 'Popis',
  series: 'Série',
  images: (n) => `${n} ${n === 1 ? 'snímek' : n >= 2 && n <= 4 ? 'snímky' : 'snímků'}`,
  open: 'Otevřít',
  download: 'Stáhnout',
  downloadZip: 'Stáhnout celé vyšetření (ZIP)',
  zipping: (k, n) => `Ukládám ${k} / ${n}…`,
  zipDone: 'Uloženo.',
  back: 'Zpět na vyšetření',
  toolWl: 'Okno/úroveň',
  toolPan: 'Posun',
  toolZoom: 'Zvětšení',
  toolLength: 'Délka',
  toolAngle: 'Úhel',
  presetSoft: 'Měkké tkáně',
  presetLung: 'Plíce',
  presetBone: 'Kost',
  presetBrain: 'Mozek',
  invert: 'Invertovat',
  reset: 'Obnovit',
  cine: 'Přehrát/pozastavit',
  decrypted: (k, n) => `${k} / ${n} dešifrováno`,
  decryptFailed: 'Snímek nelze dešifrovat: byl poškozen nebo pozměněn.',
  sessionEnded: 'Relace skončila. Otevřete znovu odkaz z e-mailu.',
};

const pl: Strings = {
  language: 'Język',
  homeTitle: 'Udostępnione badanie DICOM',
  homeText: 'Otwórz link z wiadomości e-mail, aby zobaczyć udostępnione badanie.',
  unlockTitle: 'Odblokuj badanie',
  unlockText: 'Wpisz kod otrzymany SMS-em.',
  codeLabel: 'Kod z SMS-a',
  unlock: 'Odblokuj',
  resend: 'Wyślij kod ponownie',
  unlocking: 'Odblokowuję…',
  invalidCode: 'Kod ma 8 znaków, na przykład ABCD-EFGH.',
  wrongCode: (n) => `Błędny kod, ${n === 1 ? 'pozostała 1 próba' : n >= 2 && n <= 4 ? `pozostały ${n} próby` : `pozostało ${n} prób`}`,
  unavailable: 'To badanie jest niedostępne. Link mógł wygasnąć lub zostać wycofany.',
  tooManyAttempts: (seconds) => `Zbyt wiele prób. Spróbuj ponownie za ${seconds} s.`,
  failed: 'Coś poszło nie tak. Spróbuj ponownie.',
  brokenLink: 'Link jest niepełny. Otwórz go ponownie z wiadomości e-mail dokładnie tak, jak został wysłany.',
  resent: 'Nowy kod jest w drodze.',
  resendLimited: 'Zbyt wiele próśb o kod. Spróbuj ponownie później.',
  resendNoPhone: 'Dla tego linku nie zapisano numeru telefonu.',
  studyTitle: 'Badanie',
  patientName: 'Pacjent',
  patientId: 'ID pacjenta',
  birthDate: 'Data urodzenia',
  studyDate: 'Data badania',
  studyDescription: 'Opis',
  series: 'Seria',
  images: (n) => `${n} ${n === 1 ? 'obraz' : n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 12 || n % 100 > 14) ? 'obrazy' : 'obrazów'}`,
  open: 'Otwórz',
  download: 'Pobierz',
  downloadZip: 'Pobierz całe badanie (ZIP)',
  zipping: (k, n) => `Zapisuję ${k} / ${n}…`,
  zipDone: 'Zapisano.',
  back: 'Powrót do badania',
  toolWl: 'Okno/poziom',
  toolPan: 'Przesuń',
  toolZoom: 'Powiększ',
  toolLength: 'Długość',
  toolAngle: 'Kąt',
  presetSoft: 'Tkanki miękkie',
  presetLung: 'Płuca',
  presetBone: 'Kości',
  presetBrain: 'Mózg',
  invert: 'Odwróć',
  reset: 'Resetuj',
  cine: 'Odtwórz/pauza',
  decrypted: (k, n) => `${k} / ${n} odszyfrowano`,
  decryptFailed: 'Nie można odszyfrować obrazu: został uszkodzony lub zmieniony.',
  sessionEnded: 'Sesja wygasła. Otwórz ponownie link z wiadomości e-mail.',
};

const tables: Record<Lang, Strings> = { cs, pl, en };

let current: Lang = pickDefault();
const listeners: (() => void)[] = [];

function pickDefault(): Lang {
  const languages = typeof navigator !== 'undefined' ? (navigator.languages ?? [navigator.language]) : [];
  for (const l of languages) {
    const base = l.toLowerCase().split('-')[0];
    if (base === 'cs' || base === 'sk') return 'cs';
    if (base === 'pl') return 'pl';
    if (base === 'en') return 'en';
  }
  return 'en';
}

export function t(): Strings {
  return tables[current];
}

export function lang(): Lang {
  return current;
}

export function setLang(l: Lang): void {
  current = l;
  document.documentElement.lang = l;
  applyStatic();
  for (const f of listeners) f();
}

export function onLangChange(f: () => void): void {
  listeners.push(f);
}

/** Fills every element with a data-i18n attribute naming a plain string. */
export function applyStatic(): void {
  const s = t() as Record<string, unknown>;
  document.querySelectorAll<HTMLElement>('[data-i18n]').forEach((el) => {
    const v = s[el.dataset.i18n!];
    if (typeof v === 'string') el.textContent = v;
  });
  const label = document.getElementById('lang-label');
  if (label) label.textContent = t().language;
}

/** DICOM DA (YYYYMMDD) as a local date, or the text as it is when it is not one. */
export function formatDate(da: string | undefined): string {
  if (!da) return '';
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(da.trim());
  if (!m) return da;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return new Intl.DateTimeFormat(current, { timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

/** DICOM PN ("Family^Given^Middle^Prefix^Suffix") as "Family, Given Middle". */
export function formatName(pn: string | undefined): string {
  if (!pn) return '';
  const [family = '', given = '', middle = ''] = pn.split('=')[0].split('^');
  const rest = [given, middle].filter(Boolean).join(' ');
  return rest ? `${family}, ${rest}` : family;
}
