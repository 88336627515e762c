// The audit trail: filters, a paged table, the CSV export with the same filters, and the disclosure lookup
// ("to whom was this patient's data disclosed"), which POSTs the patient ID so it never reaches a URL or storage.

import type { AppContext } from '../app';
import type { AuditQuery, Disclosure } from '../api';
import { formatDateTime, t, tk } from '../i18n';
import { auditTable, detailView } from './auditTable';
import { errorText, field, h, input, loading, pageHeader, pager, select, showFormError, table, clearErrors } from '../ui';

const pageSize = 50;
const form = { from: '', to: '', eventId: '', actorKind: '', actor: '', shipmentId: '', outcome: '' };
let query: AuditQuery = { page: 1, pageSize };

function dayStart(d: string): string | undefined {
  return d ? new Date(`${d}T00:00:00`).toISOString() : undefined;
}
function dayEnd(d: string): string | undefined {
  return d ? new Date(new Date(`${d}T00:00:00`).getTime() + 86_400_000).toISOString() : undefined;
}

export async function render(root: HTMLElement, ctx: AppContext): Promise<void> {
  const bind = (key: keyof typeof form, attrs: Record<string, string> = {}) => input({ value: form[key], name: key, autocomplete: 'off', ...attrs }, (v) => (form[key] = v));
  const actorKind = select([['', t().anyKind], ...['administrator', 'node', 'recipient', 'gateway'].map((k): [string, string] => [k, tk(`actor_${k}`)])], form.actorKind, (v) => (form.actorKind = v), { name: 'actorKind' });
  const outcome = select(
    [
      ['', t().anyOutcome],
      ['0', t().outcome_0],
      ['4', t().outcome_4],
      ['8', t().outcome_8],
      ['12', t().outcome_12],
    ],
    form.outcome,
    (v) => (form.outcome = v),
    { name: 'outcome' },
  );
  const exportLink = h('a', { class: 'button secondary', download: 'audit.csv', 'data-testid': 'audit-export' }, t().exportCsv);
  const results = h('div', { class: 'results' });
  const filters = h(
    'form',
    { class: 'filters', role: 'search', novalidate: true },
    field(t().from, bind('from', { type: 'date' }), 'from'),
    field(t().to, bind('to', { type: 'date' }), 'to'),
    field(t().eventId, bind('eventId', { inputmode: 'numeric' }), 'eventId'),
    field(t().actorKind, actorKind, 'actorKind'),
    field(t().actor, bind('actor', { type: 'search' }), 'actor'),
    field(t().shipmentId, bind('shipmentId', { inputmode: 'numeric' }), 'shipmentId'),
    field(t().outcome, outcome, 'outcome'),
    h(
      'div',
      { class: 'filter-buttons' },
      h('button', { type: 'submit' }, t().search),
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: () => {
            for (const k of Object.keys(form) as (keyof typeof form)[]) form[k] = '';
            query = { page: 1, pageSize };
            void render(root, ctx);
          },
        },
        t().reset,
      ),
      exportLink,
    ),
  );
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    query = {
      from: dayStart(form.from),
      to: dayEnd(form.to),
      eventId: form.eventId.trim(),
      actorKind: form.actorKind.trim(),
      actor: form.actor.trim(),
      shipmentId: form.shipmentId.trim(),
      outcome: form.outcome,
      page: 1,
      pageSize,
    };
    void load();
  });

  root.replaceChildren(
    pageHeader(t().auditTitle),
    filters,
    results,
    disclosureSection(ctx),
  );

  const load = async () => {
    exportLink.setAttribute('href', ctx.api.audit.exportUrl(query));
    results.replaceChildren(loading());
    try {
      const page = await ctx.api.audit.search(query);
      results.replaceChildren(
        auditTable(page.items, { 'data-testid': 'audit-table' }),
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

function disclosureSection(ctx: AppContext): HTMLElement {
  const patientId = h('input', { type: 'text', name: 'patient-id', autocomplete: 'off', spellcheck: 'false', required: true, 'data-testid': 'disclosure-patient-id' });
  const results = h('div', { class: 'results', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'filters', novalidate: true },
    h('div', { class: 'form-errors', role: 'alert' }),
    field(t().patientId, patientId, 'patientId'),
    h('div', { class: 'filter-buttons' }, h('button', { type: 'submit' }, t().lookUp)),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    if (!patientId.value.trim()) return;
    results.replaceChildren(loading());
    try {
      const rows = await ctx.api.audit.disclosures(patientId.value.trim());
      results.replaceChildren(
        rows.length === 0
          ? h('p', { class: 'empty' }, t().noDisclosures)
          : table<Disclosure>(
              [
                { label: t().occurred, cell: (d) => formatDateTime(d.occurredAt) },
                { label: t().event, cell: (d) => d.eventName || String(d.eventId) },
                { label: t().shipmentId, cell: (d) => (d.shipmentId ? h('a', { href: `/admin/shipments/${d.shipmentId}` }, d.shipmentReference ?? `#${d.shipmentId}`) : t().none) },
                { label: t().recipient, cell: (d) => d.recipient ?? t().none },
                { label: t().actor, cell: (d) => d.actor ?? t().none },
                { label: t().detail, cell: (d) => detailView(d.detail) },
              ],
              rows,
              { 'data-testid': 'disclosures-table' },
            ),
      );
    } catch (err) {
      results.replaceChildren();
      showFormError(form, err);
    }
  });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'disc-h' },
    h('h2', { id: 'disc-h' }, t().disclosuresTitle),
    h('p', { class: 'muted' }, t().disclosuresText),
    form,
    results,
  );
}
