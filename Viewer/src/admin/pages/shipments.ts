// Shipments: search by date, state, recipient and reference; the details with every recipient, delivery and audit
// event; revoke, extend, resend, unlock a recipient locked by wrong codes.

import type { AppContext } from '../app';
import type { ShipmentDetails, ShipmentQuery, ShipmentSummary } from '../api';
import { formatBytes, formatDateTime, formatNumber, t, tk } from '../i18n';
import { auditTable } from './auditTable';
import { badge, dialog, errorText, field, h, input, loading, pageHeader, pager, reasonDialog, select, showErrors, table, toast } from '../ui';

const states = ['active', 'locked', 'exhausted', 'expired', 'revoked'];
const pageSize = 25;
// The last search, kept while the console is open so "Back" from a shipment returns to it.
let query: ShipmentQuery = { page: 1, pageSize };

export async function render(root: HTMLElement, ctx: AppContext, params: string[]): Promise<void> {
  if (params[0]) return renderDetails(root, ctx, Number(params[0]));
  return renderList(root, ctx);
}

/** Dates from a date input (local day) as ISO instants: from the start of the first day to the end of the last. */
function dayStart(d: string): string | undefined {
  return d ? new Date(`${d}T00:00:00`).toISOString() : undefined;
}
function dayEnd(d: string): string | undefined {
  return d ? new Date(new Date(`${d}T00:00:00`).getTime() + 86_400_000).toISOString() : undefined;
}

const form = { from: '', to: '', state: '', recipient: '', reference: '' };

export function stateBadge(state: string): HTMLElement {
  const kind = state === 'active' ? 'ok' : state === 'revoked' || state === 'locked' ? 'bad' : 'muted';
  return badge(tk(`state_${state}`, state), kind);
}

async function renderList(root: HTMLElement, ctx: AppContext): Promise<void> {
  const from = input({ type: 'date', value: form.from, name: 'from' }, (v) => (form.from = v));
  const to = input({ type: 'date', value: form.to, name: 'to' }, (v) => (form.to = v));
  const state = select([['', t().anyState], ...states.map((s): [string, string] => [s, tk(`state_${s}`)])], form.state, (v) => (form.state = v), { name: 'state' });
  const recipient = input({ type: 'search', value: form.recipient, name: 'recipient', autocomplete: 'off' }, (v) => (form.recipient = v));
  const reference = input({ type: 'search', value: form.reference, name: 'reference', autocomplete: 'off', 'data-testid': 'shipment-reference' }, (v) => (form.reference = v));
  const results = h('div', { class: 'results' });
  const search = h(
    'form',
    { class: 'filters', role: 'search', novalidate: true },
    field(t().from, from, 'from'),
    field(t().to, to, 'to'),
    field(t().state, state, 'state'),
    field(t().recipient, recipient, 'recipient'),
    field(t().reference, reference, 'reference'),
    h('div', { class: 'filter-buttons' }, h('button', { type: 'submit' }, t().search), h('button', { type: 'button', class: 'secondary', onclick: () => clear() }, t().reset)),
  );
  const clear = () => {
    Object.assign(form, { from: '', to: '', state: '', recipient: '', reference: '' });
    query = { page: 1, pageSize };
    void renderList(root, ctx);
  };
  search.addEventListener('submit', (e) => {
    e.preventDefault();
    query = { from: dayStart(form.from), to: dayEnd(form.to), state: form.state, recipient: form.recipient.trim(), reference: form.reference.trim(), page: 1, pageSize };
    void load();
  });
  root.replaceChildren(pageHeader(t().shipmentsTitle), search, results);

  const load = async () => {
    results.replaceChildren(loading());
    try {
      const page = await ctx.api.shipments.search(query);
      results.replaceChildren(
        table<ShipmentSummary>(
          [
            { label: t().reference, cell: (s) => h('a', { href: `/admin/shipments/${s.id}`, 'data-testid': 'shipment-link' }, s.reference), class: 'nowrap' },
            { label: t().state, cell: (s) => stateBadge(s.state) },
            { label: t().created, cell: (s) => formatDateTime(s.createdAt), class: 'date' },
            { label: t().expires, cell: (s) => formatDateTime(s.endedAt ?? s.expiresAt), class: 'date' },
            { label: t().rule, cell: (s) => s.ruleName ?? t().none },
            { label: t().recipients, cell: (s) => s.recipients.map((r) => r.email ?? r.phone ?? '').filter(Boolean).join(', ') || t().none, class: 'wrap-anywhere' },
            { label: t().size, cell: (s) => formatBytes(s.totalBytes), class: 'num' },
            { label: t().downloads, cell: (s) => `${formatNumber(s.downloadCount)}${s.maxDownloads ? ` / ${s.maxDownloads}` : ''}`, class: 'num' },
            { label: t().opened, cell: (s) => (s.firstOpenedAt ? formatDateTime(s.firstOpenedAt) : t().notOpened) },
          ],
          page.items,
          { 'data-testid': 'shipments-table' },
          (s) => ({ 'data-reference': s.reference }),
        ),
        page.total > pageSize
          ? pager(query.page ?? 1, pageSize, page.total, (p) => {
              query = { ...query, page: p };
              void load();
            })
          : '',
      );
    } catch (e) {
      results.replaceChildren(h('p', { class: 'error-box', role: 'alert' }, errorText(e)));
    }
  };
  await load();
}

async function renderDetails(root: HTMLElement, ctx: AppContext, id: number): Promise<void> {
  root.replaceChildren(loading());
  const s: ShipmentDetails = await ctx.api.shipments.get(id);
  const ended = !!s.endedAt || ['expired', 'revoked', 'exhausted'].includes(s.state);
  const reload = () => renderDetails(root, ctx, id);

  const buttons: HTMLElement[] = [];
  if (ctx.can('administer') && !ended) {
    buttons.push(
      h('button', { type: 'button', class: 'secondary', onclick: () => extendDialog(ctx, s, reload) }, t().extend),
      h(
        'button',
        {
          type: 'button',
          class: 'danger',
          'data-testid': 'revoke',
          onclick: () =>
            reasonDialog(t().revokeTitle, t().revokeText, t().revoke, true, async (reason) => {
              await ctx.api.shipments.revoke(id, reason);
              toast(t().revoked);
              await reload();
            }),
        },
        t().revoke,
      ),
    );
  }

  const summary = h(
    'dl',
    { class: 'summary' },
    ...pairs([
      [t().state, stateBadge(s.state)],
      [t().rule, s.ruleName ?? t().none],
      [t().created, formatDateTime(s.createdAt)],
      [t().expires, formatDateTime(s.expiresAt)],
      [t().ended, formatDateTime(s.endedAt)],
      [t().instances, formatNumber(s.instanceCount)],
      [t().size, formatBytes(s.totalBytes)],
      [t().downloads, `${formatNumber(s.downloadCount)}${s.maxDownloads ? ` / ${s.maxDownloads}` : ''}`],
      [t().firstOpened, s.firstOpenedAt ? formatDateTime(s.firstOpenedAt) : t().notOpened],
    ]),
  );

  const resend = (recipientId: number, channel: 'sms' | 'email') => async () => {
    try {
      await ctx.api.shipments.resend(id, recipientId, channel);
      toast(t().resent);
      await reload();
    } catch (e) {
      toast(errorText(e), true);
    }
  };

  const unlock = (recipientId: number) => async () => {
    try {
      await ctx.api.shipments.unlockRecipient(id, recipientId);
      toast(t().recipientUnlocked);
      await reload();
    } catch (e) {
      toast(errorText(e), true);
    }
  };

  const recipients = table(
    [
      { label: t().email, cell: (r) => r.email ?? t().none },
      { label: t().phone, cell: (r) => r.phone ?? t().none },
      { label: t().language, cell: (r) => r.language ?? t().none },
      { label: t().firstOpened, cell: (r) => (r.firstOpenedAt ? formatDateTime(r.firstOpenedAt) : t().notOpened) },
      { label: t().openCount, cell: (r) => formatNumber(r.openCount ?? 0), class: 'num' },
      { label: t().wrongCodes, cell: (r) => formatNumber(r.failedAttempts ?? 0), class: 'num' },
      { label: t().lockedSince, cell: (r) => (r.lockedAt ? formatDateTime(r.lockedAt) : t().notLocked) },
      ...(ctx.can('resend') && !ended
        ? [
            {
              label: t().actions,
              cell: (r: ShipmentDetails['recipients'][number]) =>
                r.id === undefined
                  ? ''
                  : h(
                      'div',
                      { class: 'row-actions' },
                      r.phone ? h('button', { type: 'button', class: 'secondary small', onclick: resend(r.id, 'sms') }, t().resendSms) : '',
                      r.email ? h('button', { type: 'button', class: 'secondary small', onclick: resend(r.id, 'email') }, t().resendEmail) : '',
                      r.lockedAt
                        ? h('button', { type: 'button', class: 'small', 'data-testid': 'unlock-recipient', onclick: unlock(r.id) }, t().unlockRecipient)
                        : '',
                    ),
            },
          ]
        : []),
    ],
    s.recipients,
  );

  const deliveries = table(
    [
      { label: t().recipient, cell: (d) => recipientLabel(s, d.recipientId) },
      { label: t().channel, cell: (d) => d.channel },
      { label: t().kind, cell: (d) => d.kind },
      { label: t().state, cell: (d) => d.state },
      { label: t().attempts, cell: (d) => formatNumber(d.attempts), class: 'num' },
      { label: t().created, cell: (d) => formatDateTime(d.createdAt) },
      { label: t().sent, cell: (d) => formatDateTime(d.sentAt) },
      { label: t().lastError, cell: (d) => d.lastError ?? t().none },
    ],
    s.deliveries ?? [],
  );

  root.replaceChildren(
    h('p', { class: 'breadcrumb' }, h('a', { href: '/admin/shipments' }, `← ${t().shipmentsTitle}`)),
    pageHeader(t().shipmentTitle(s.reference), ...buttons),
    summary,
    h('section', { 'aria-labelledby': 'rcp-h' }, h('h2', { id: 'rcp-h' }, t().recipients), recipients),
    h('section', { 'aria-labelledby': 'dlv-h' }, h('h2', { id: 'dlv-h' }, t().deliveries), deliveries),
    h('section', { 'aria-labelledby': 'evt-h' }, h('h2', { id: 'evt-h' }, t().events), auditTable(s.events ?? [], { 'data-testid': 'shipment-events' })),
  );
}

function recipientLabel(s: ShipmentDetails, recipientId: number): string {
  const r = s.recipients.find((x) => x.id === recipientId);
  return r ? (r.email ?? r.phone ?? String(recipientId)) : String(recipientId);
}

export function pairs(items: [string, Node | string][]): HTMLElement[] {
  return items.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]);
}

function extendDialog(ctx: AppContext, s: ShipmentDetails, reload: () => Promise<void>): void {
  dialog(t().extendTitle, (body) => {
    const days = h('input', { type: 'number', min: 1, max: 365, value: 7, required: true, inputmode: 'numeric' });
    body.append(field(t().days, days, 'days'));
    return {
      submitLabel: t().extend,
      onSubmit: async () => {
        const n = Number(days.value);
        if (!Number.isInteger(n) || n < 1 || n > 365) {
          showErrors(body, { days: ['1–365'] });
          return false;
        }
        const r = await ctx.api.shipments.extend(s.id, n);
        toast(t().extended(formatDateTime(r?.expiresAt)));
        await reload();
      },
    };
  });
}
