// Boot: take T and E out of the address bar at once, then the unlock page, the overview and the viewer.

import { isLinkPath, parseLink } from './crypto';
import { $, showPage } from './dom';
import { hook } from './hook';
import { applyStatic, lang, setLang, t, type Lang } from './i18n';
import { resendCode, unlock } from './shipment';

// T and E leave the address bar and the history before anything else runs: the fragment, and for a link of the
// earlier form ("/s/<T>#<E>") the token in the path too.
const onLinkPage = isLinkPath(location.pathname);
const link = parseLink(location.pathname, location.hash);
if (location.hash || onLinkPage) history.replaceState(null, '', onLinkPage ? '/s/' : location.pathname);
// Another link opened in this tab changes only the fragment of "/s/", which loads nothing: start again with it.
addEventListener('hashchange', () => location.reload());

const langSelect = $('lang') as HTMLSelectElement;
langSelect.value = lang();
langSelect.addEventListener('change', () => setLang(langSelect.value as Lang));
setLang(lang());

let lastMessage: (() => string) | null = null;
function say(message: (() => string) | null): void {
  lastMessage = message;
  $('message').textContent = message ? message() : '';
}

function boot(): void {
  if (!onLinkPage) {
    showPage('home');
    return;
  }
  showPage('unlock-page');
  const code = $('code') as HTMLInputElement;
  const button = $('unlock') as HTMLButtonElement;
  const resend = $('resend') as HTMLButtonElement;
  if (!link) {
    say(() => t().brokenLink);
    code.disabled = button.disabled = resend.disabled = true;
    return;
  }
  code.focus();
  $('unlock-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    hook.timings.unlockClickedAt = performance.now();
    button.disabled = true;
    say(() => t().unlocking);
    try {
      const result = await unlock(link, code.value);
      switch (result.kind) {
        case 'ok': {
          // cornerstone3D and the codecs load only now: the unlock page stays small.
          const [{ initViewerPage, prepareViewer }, { backToOverview, showOverview }] = await Promise.all([import('./viewerPage'), import('./overview')]);
          performance.mark('dgw:viewer-code');
          say(null);
          initViewerPage(result.shipment, backToOverview);
          showOverview(result.shipment);
          // The renderer, its tools and the decoding worker start now, while the overview is read, not on "Open".
          setTimeout(prepareViewer, 0);
          return;
        }
        case 'wrong-code':
          say(() => t().wrongCode(result.attemptsLeft));
          code.select();
          break;
        case 'invalid-code':
          say(() => t().invalidCode);
          break;
        case 'unavailable':
          say(() => t().unavailable);
          break;
        case 'rate-limited':
          say(() => t().tooManyAttempts(result.retryAfterSeconds));
          break;
        default:
          say(() => t().failed);
      }
    } catch {
      say(() => t().failed);
    }
    button.disabled = false;
  });
  resend.addEventListener('click', async () => {
    resend.disabled = true;
    try {
      const r = await resendCode(link);
      say(() => (r === 'queued' ? t().resent : r === 'rate-limited' ? t().resendLimited : r === 'no-phone' ? t().resendNoPhone : r === 'unavailable' ? t().unavailable : t().failed));
    } catch {
      say(() => t().failed);
    } finally {
      resend.disabled = false;
    }
  });
}

// Messages follow a change of language.
langSelect.addEventListener('change', () => {
  applyStatic();
  if (lastMessage) $('message').textContent = lastMessage();
});

boot();

// The viewer's code (cornerstone3D and its codecs) is fetched while the recipient types the code, not after: the
// unlock page still shows with its own small script first, and opening the study does not wait for the download.
if (link) setTimeout(() => void Promise.all([import('./viewerPage'), import('./overview')]).catch(() => undefined), 0);
