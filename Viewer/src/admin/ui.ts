// Small DOM helpers for the console: elements without innerHTML (nothing from the API is ever parsed as HTML),
// labelled fields with their error slots, tables, modal dialogs, a status line.

import { ApiError, type FieldErrors } from './api';
import { t } from './i18n';

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener | Record<string, string>>;

/** h('button', {class: 'x', onclick: f, 'aria-label': '...'}, 'text', child...). Strings are text, never HTML. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v as EventListener);
    else if (k === 'dataset' && typeof v === 'object') Object.assign(e.dataset, v);
    else if (k === 'class') e.className = String(v);
    else if (k === 'value' && 'value' in e) (e as HTMLInputElement).value = String(v);
    else if (k === 'checked' && 'checked' in e) (e as HTMLInputElement).checked = !!v;
    else if (k === 'selected' && 'selected' in e) (e as HTMLOptionElement).selected = !!v;
    else if (k === 'text') e.textContent = String(v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  append(e, children);
  return e;
}

export function append(parent: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.append(c instanceof Node ? c : String(c));
  }
}

let uid = 0;
export function nextId(prefix = 'f'): string {
  return `${prefix}-${++uid}`;
}

/**
 * A labelled control with a hint and an error slot. The control gets data-field=<path>, so errors from the
 * API or the form model find it (see showErrors).
 */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, path?: string, hint?: string): HTMLDivElement {
  if (!control.id) control.id = nextId();
  if (path) control.dataset.field = path;
  const wrapper = h('div', { class: 'field' }, h('label', { for: control.id }, label), control);
  if (hint) {
    const hintId = `${control.id}-hint`;
    wrapper.append(h('small', { class: 'hint', id: hintId }, hint));
    control.setAttribute('aria-describedby', hintId);
  }
  return wrapper;
}

/** A checkbox with its label after it. */
export function checkbox(label: string, checked: boolean, onchange: (v: boolean) => void, path?: string): HTMLLabelElement {
  const input = h('input', { type: 'checkbox', checked });
  if (path) input.dataset.field = path;
  input.addEventListener('change', () => onchange(input.checked));
  return h('label', { class: 'check' }, input, ' ', label);
}

export function input(attrs: Attrs & { value?: string }, oninput?: (v: string) => void): HTMLInputElement {
  const e = h('input', { type: 'text', ...attrs });
  if (oninput) e.addEventListener('input', () => oninput(e.value));
  return e;
}

export function select(options: [string, string][], value: string, onchange?: (v: string) => void, attrs: Attrs = {}): HTMLSelectElement {
  const e = h('select', attrs, ...options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));
  e.value = value;
  if (onchange) e.addEventListener('change', () => onchange(e.value));
  return e;
}

/** Clears the error marks in root. */
export function clearErrors(root: ParentNode): void {
  root.querySelectorAll('.field-error').forEach((e) => e.remove());
  root.querySelectorAll('[aria-invalid]').forEach((e) => {
    e.removeAttribute('aria-invalid');
    const described = e.getAttribute('aria-describedby');
    if (described) {
      const rest = described.split(' ').filter((id) => !id.endsWith('-error')).join(' ');
      if (rest) e.setAttribute('aria-describedby', rest);
      else e.removeAttribute('aria-describedby');
    }
  });
  root.querySelectorAll('.form-errors').forEach((e) => e.replaceChildren());
}

/**
 * Shows each message beside the control whose data-field is its path (or whose path is the nearest parent of it),
 * and the rest in the form's .form-errors box. Focuses the first marked control. Returns the unplaced paths.
 */
export function showErrors(root: HTMLElement, errors: FieldErrors, summary?: string): string[] {
  clearErrors(root);
  const unplaced: string[] = [];
  let first: HTMLElement | null = null;
  for (const [path, messages] of Object.entries(errors)) {
    const target = findField(root, path);
    if (!target) {
      unplaced.push(path);
      continue;
    }
    if (!target.id) target.id = nextId();
    const errorId = `${target.id}-error`;
    const message = h('span', { class: 'field-error', id: errorId }, messages.join(' '));
    const holder = target.closest('.field, .check, .inline-field') ?? target.parentElement!;
    holder.append(message);
    target.setAttribute('aria-invalid', 'true');
    target.setAttribute('aria-describedby', [target.getAttribute('aria-describedby'), errorId].filter(Boolean).join(' '));
    first ??= target;
  }
  const box = root.querySelector<HTMLElement>('.form-errors');
  if (box) {
    const lines: string[] = [];
    if (summary) lines.push(summary);
    for (const p of unplaced) lines.push(`${p ? `${p}: ` : ''}${errors[p].join(' ')}`);
    box.replaceChildren(...lines.map((l) => h('p', {}, l)));
  }
  first?.focus();
  return unplaced;
}

function findField(root: HTMLElement, path: string): HTMLElement | null {
  let p = path;
  while (p) {
    const found = root.querySelector<HTMLElement>(`[data-field="${CSS.escape(p)}"]`);
    if (found) return found;
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    if (cut <= 0) break;
    p = p.slice(0, cut);
  }
  return null;
}

/** What to tell the user about a failed request. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    switch (e.kind) {
      case 'forbidden':
        return t().forbidden;
      case 'not-found':
        return t().notFound;
      case 'network':
        return t().networkError;
      case 'conflict':
        return e.message && e.message !== 'conflict' ? e.message : t().failed;
      case 'invalid':
        return e.message && e.message !== 'invalid' ? e.message : t().fixErrors;
      case 'unauthorized':
        return t().invalidCredentials;
      case 'rate-limited':
        return /^\d+$/.test(e.message) ? t().rateLimited(Number(e.message)) : e.message || t().failed;
      default:
        return t().failed;
    }
  }
  return t().failed;
}

/** Shows a failed form submission: field errors at their fields, anything else in the form's error box (or the status line). */
export function showFormError(form: HTMLElement, e: unknown): void {
  if (e instanceof ApiError && e.kind === 'invalid' && Object.keys(e.fieldErrors).length > 0) {
    showErrors(form, e.fieldErrors, t().fixErrors);
    return;
  }
  clearErrors(form);
  const box = form.querySelector<HTMLElement>('.form-errors');
  if (box) box.replaceChildren(h('p', {}, errorText(e)));
  else toast(errorText(e), true);
}

let toastTimer: number | undefined;
/** A short message in the status line (role=status, so screen readers announce it). */
export function toast(message: string, error = false): void {
  const box = document.getElementById('toast');
  if (!box) return;
  box.textContent = message;
  box.classList.toggle('error', error);
  box.classList.add('visible');
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => box.classList.remove('visible'), error ? 8000 : 4000);
}

export interface TableColumn<T> {
  label: string;
  cell: (row: T) => Child | Child[];
  class?: string;
}

export function table<T>(columns: TableColumn<T>[], rows: T[], attrs: Attrs = {}, rowAttrs?: (row: T) => Attrs): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty' }, t().noResults);
  const thead = h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { scope: 'col', class: c.class }, c.label))));
  const tbody = h(
    'tbody',
    {},
    ...rows.map((r) =>
      h(
        'tr',
        rowAttrs?.(r) ?? {},
        ...columns.map((c) => {
          const v = c.cell(r);
          const td = h('td', { class: c.class, 'data-label': c.label });
          append(td, Array.isArray(v) ? v : [v]);
          return td;
        }),
      ),
    ),
  );
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data', ...attrs }, thead, tbody));
}

/**
 * A modal dialog (the native <dialog>: focus is kept inside, Escape closes). build fills the body and returns the
 * form's submit handler; a handler that resolves false keeps the dialog open (errors shown in it).
 */
export function dialog(title: string, build: (body: HTMLElement, close: () => void) => { submitLabel?: string; onSubmit?: () => Promise<boolean | void>; danger?: boolean }): HTMLDialogElement {
  const titleId = nextId('dlg');
  const body = h('div', { class: 'dialog-body' });
  const errors = h('div', { class: 'form-errors', role: 'alert' });
  const form = h('form', { method: 'dialog', novalidate: true });
  const d = h('dialog', { 'aria-labelledby': titleId, class: 'dialog' }, form);
  const close = () => {
    d.close();
    d.remove();
  };
  const spec = build(body, close);
  const buttons = h('div', { class: 'dialog-buttons' });
  const cancel = h('button', { type: 'button', class: 'secondary', onclick: close }, spec.onSubmit ? t().cancel : t().close);
  if (spec.onSubmit) {
    const submit = h('button', { type: 'submit', class: spec.danger ? 'danger' : '' }, spec.submitLabel ?? t().save);
    buttons.append(submit);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      submit.disabled = true;
      try {
        const r = await spec.onSubmit!();
        if (r !== false) close();
      } catch (err) {
        showFormError(form, err);
      } finally {
        submit.disabled = false;
      }
    });
  } else {
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      close();
    });
  }
  buttons.append(cancel);
  form.append(h('h2', { id: titleId }, title), errors, body, buttons);
  d.addEventListener('close', () => d.remove());
  document.body.append(d);
  d.showModal();
  const firstInput = body.querySelector<HTMLElement>('input, select, textarea');
  (firstInput ?? buttons.querySelector('button'))?.focus();
  return d;
}

/** Asks for a reason (required when `required`), then runs action with it. */
export function reasonDialog(title: string, text: string, submitLabel: string, required: boolean, action: (reason: string) => Promise<void>): void {
  dialog(title, (body) => {
    const reason = h('textarea', { rows: 3, required, maxlength: 500 });
    body.append(h('p', {}, text), field(t().reason, reason, 'reason'));
    return {
      submitLabel,
      danger: true,
      onSubmit: async () => {
        if (required && !reason.value.trim()) {
          showErrors(body, { reason: [t().fixErrors] });
          return false;
        }
        await action(reason.value.trim());
      },
    };
  });
}

export function confirmDialog(text: string, submitLabel: string, action: () => Promise<void>): void {
  dialog(t().confirm, (body) => {
    body.append(h('p', {}, text));
    return { submitLabel, danger: true, onSubmit: action };
  });
}

/** Shows a secret once (a one-time password, an API key), with a copy button; nothing keeps it after close. */
export function secretDialog(title: string, text: string, secret: string): void {
  dialog(title, (body) => {
    const out = h('output', { class: 'secret', 'data-testid': 'secret' }, secret);
    const copy = h('button', { type: 'button', class: 'secondary small' }, t().copy);
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(secret);
        toast(t().copied);
      } catch {
        const range = document.createRange();
        range.selectNodeContents(out);
        getSelection()?.removeAllRanges();
        getSelection()?.addRange(range);
      }
    });
    body.append(h('p', {}, text), h('p', { class: 'secret-line' }, out, ' ', copy));
    return {};
  });
}

/** Page heading with optional buttons on the right. */
export function pageHeader(title: string, ...buttons: Child[]): HTMLElement {
  return h('div', { class: 'page-header' }, h('h1', { tabindex: '-1' }, title), h('div', { class: 'page-actions' }, ...buttons));
}

export function badge(text: string, kind: string): HTMLElement {
  return h('span', { class: `badge badge-${kind}` }, text);
}

export function loading(): HTMLElement {
  return h('p', { class: 'loading', role: 'status' }, t().loading);
}

/** Paging controls for a page of `pageSize` out of `total`. */
export function pager(page: number, pageSize: number, total: number, go: (page: number) => void): HTMLElement {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return h(
    'nav',
    { class: 'pager', 'aria-label': t().pageOf(page, pages, total) },
    h('button', { type: 'button', class: 'secondary small', disabled: page <= 1, onclick: () => go(page - 1) }, t().previous),
    h('span', {}, t().pageOf(page, pages, total)),
    h('button', { type: 'button', class: 'secondary small', disabled: page >= pages, onclick: () => go(page + 1) }, t().next),
  );
}
