// Boot of the console: who is signed in (or the sign-in form), the forced password change, the navigation the
// role allows, and the History API routing under /admin.

import { ApiClient, ApiError, endpoints, type Me } from './api';
import { capabilities, parsePath, sections, type AppContext, type Section } from './app';
import { isAdminLang, lang, setLang, t, tk } from './i18n';
import { renderLogin, renderForcedPasswordChange, passwordDialog } from './login';
import { errorText, h, loading, toast } from './ui';

const content = document.getElementById('content') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
const navToggle = document.getElementById('nav-toggle') as HTMLButtonElement;
const userBox = document.getElementById('user-box') as HTMLElement;
const langSelect = document.getElementById('lang') as HTMLSelectElement;

const client = new ApiClient({ onUnauthorized: () => signedOut() });
const api = endpoints(client);

let me: Me | null = null;
let ctx: AppContext | null = null;

function applyChrome(): void {
  document.documentElement.lang = lang();
  (document.getElementById('skip-link') as HTMLElement).textContent = t().skip;
  (document.getElementById('lang-label') as HTMLElement).textContent = t().language;
  (document.getElementById('brand-sub') as HTMLElement).textContent = t().administration;
  (document.getElementById('change-password') as HTMLElement).textContent = t().changePassword;
  (document.getElementById('sign-out') as HTMLElement).textContent = t().signOut;
  navToggle.setAttribute('aria-label', t().menu);
  nav.setAttribute('aria-label', t().sections);
  if (me) {
    (document.getElementById('user-name') as HTMLElement).textContent = me.displayName || me.username;
    (document.getElementById('user-role') as HTMLElement).textContent = me.roles.map((r) => tk(`role_${r}`, r)).join(', ');
  }
}

langSelect.value = lang();
langSelect.addEventListener('change', () => {
  if (!isAdminLang(langSelect.value)) return;
  setLang(langSelect.value);
  applyChrome();
  if (ctx) {
    buildNav();
    void route(false);
  } else void boot();
});

function allowed(): Section[] {
  const caps = me ? capabilities(me.roles) : new Set();
  return sections.filter((s) => caps.has(s.needs));
}

function buildNav(): void {
  const { section } = parsePath(location.pathname);
  nav.replaceChildren(
    h(
      'ul',
      {},
      ...allowed().map((s) =>
        h('li', {}, h('a', { href: `/admin/${s.path}`, 'data-route': s.path, 'aria-current': s.path === section ? 'page' : null }, tk(s.nav))),
      ),
    ),
  );
}

function markCurrent(section: string): void {
  nav.querySelectorAll<HTMLAnchorElement>('a[data-route]').forEach((a) => {
    if (a.dataset.route === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
}

function navigate(path: string, replace = false): void {
  const url = `/admin/${path.replace(/^\/+/, '')}`;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  void route(true);
}

let routeSerial = 0;
async function route(focus: boolean): Promise<void> {
  if (!ctx) return;
  const serial = ++routeSerial;
  const { section, params } = parsePath(location.pathname);
  const available = allowed();
  const target = available.find((s) => s.path === section);
  if (!target) {
    if (available.length === 0) {
      content.replaceChildren(h('p', { class: 'empty' }, t().forbidden));
      return;
    }
    history.replaceState(null, '', `/admin/${available[0].path}`);
    return route(focus);
  }
  markCurrent(section);
  closeNav();
  document.title = `${tk(target.nav)} · DicomGateway`;
  const root = h('div', { class: 'page', 'data-page': section });
  content.replaceChildren(loading());
  try {
    const module = await target.load();
    if (serial !== routeSerial) return;
    content.replaceChildren(root);
    await module.render(root, ctx, params);
  } catch (e) {
    if (serial !== routeSerial) return;
    if (e instanceof ApiError && e.kind === 'unauthorized') return; // back at the sign-in form already
    content.replaceChildren(root);
    root.replaceChildren(h('div', { class: 'page-header' }, h('h1', { tabindex: '-1' }, tk(target.nav))), h('p', { class: 'error-box', role: 'alert' }, errorText(e)));
  }
  if (focus && serial === routeSerial) (content.querySelector('h1') ?? content).focus();
}

function closeNav(): void {
  nav.classList.remove('open');
  navToggle.setAttribute('aria-expanded', 'false');
}

navToggle.addEventListener('click', () => {
  const open = !nav.classList.contains('open');
  nav.classList.toggle('open', open);
  navToggle.setAttribute('aria-expanded', String(open));
});

// Links inside the console navigate without a reload (modified clicks open new tabs as usual).
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element).closest?.('a[href^="/admin"]') as HTMLAnchorElement | null;
  if (!a || a.target || a.hasAttribute('download') || !ctx) return;
  e.preventDefault();
  navigate(a.getAttribute('href')!.replace(/^\/admin\/?/, ''));
});

window.addEventListener('popstate', () => void route(false));

// Escape folds the menu on a narrow screen and gives the focus back to its button.
document.addEventListener('keydown', (e) => {
  if (e.key !== 'Escape' || !nav.classList.contains('open')) return;
  closeNav();
  navToggle.focus();
});

function showShell(account: Me): void {
  me = account;
  ctx = { api, me: account, can: (c) => capabilities(account.roles).has(c), navigate };
  userBox.hidden = false;
  nav.hidden = false;
  navToggle.hidden = false;
  applyChrome();
  buildNav();
  void route(false);
}

function signedIn(account: Me): void {
  if (account.mustChangePassword) {
    me = account;
    ctx = null;
    hideShell();
    renderForcedPasswordChange(content, api, async () => showShell({ ...(await api.auth.me()), mustChangePassword: false }));
    return;
  }
  showShell(account);
}

function hideShell(): void {
  userBox.hidden = true;
  nav.hidden = true;
  navToggle.hidden = true;
  nav.replaceChildren();
}

function signedOut(): void {
  me = null;
  ctx = null;
  hideShell();
  document.querySelectorAll('dialog').forEach((d) => d.remove());
  document.title = `${t().signInTitle} · DicomGateway`;
  renderLogin(content, api, signedIn);
}

document.getElementById('sign-out')!.addEventListener('click', async () => {
  try {
    await api.auth.logout();
  } catch {
    // Signed out either way.
  }
  history.replaceState(null, '', '/admin');
  signedOut();
});

document.getElementById('change-password')!.addEventListener('click', () => passwordDialog(api, () => toast(t().passwordChanged)));

async function boot(): Promise<void> {
  applyChrome();
  content.replaceChildren(loading());
  try {
    signedIn(await api.auth.me());
  } catch (e) {
    if (e instanceof ApiError && e.kind === 'unauthorized') return; // onUnauthorized showed the form
    content.replaceChildren(h('p', { class: 'error-box', role: 'alert' }, errorText(e)));
  }
}

void boot();
