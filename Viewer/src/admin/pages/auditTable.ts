// An audit record list, shared by the audit page and a shipment's details: one row per event, the detail JSON
// behind a disclosure button.

import type { AuditRecord } from '../api';
import { formatDateTime, t, tk } from '../i18n';
import { h, table } from '../ui';

export function outcomeText(outcome: string | number): string {
  return tk(`outcome_${outcome}`, String(outcome));
}

export function detailView(detail: unknown): HTMLElement | string {
  if (detail === null || detail === undefined || detail === '') return t().none;
  let value = detail;
  if (typeof detail === 'string') {
    try {
      value = JSON.parse(detail);
    } catch {
      return detail;
    }
  }
  const text = JSON.stringify(value, null, 2);
  // The gateway's details say in "what" what happened ("shipment revoked"); that and the reason show at once.
  const obj = value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  const headline = [obj.what, obj.reason].filter((v): v is string => typeof v === 'string' && v.length > 0).join(': ');
  if (!headline && text.length <= 60) return h('code', {}, JSON.stringify(value));
  return h('details', { class: 'json-detail' }, h('summary', {}, headline || t().detail), h('pre', {}, text));
}

export function auditTable(records: AuditRecord[], attrs: Record<string, string> = {}): HTMLElement {
  return table<AuditRecord>(
    [
      { label: t().occurred, cell: (r) => formatDateTime(r.occurredAt), class: 'date' },
      { label: t().event, cell: (r) => [h('span', {}, r.eventName || String(r.eventId)), h('small', { class: 'muted block' }, String(r.eventId))] },
      { label: t().action, cell: (r) => h('span', { title: r.action }, tk(`action_${r.action}`, r.action)) },
      { label: t().outcome, cell: (r) => h('span', { class: String(r.outcome) === '0' ? '' : 'text-bad' }, outcomeText(r.outcome)) },
      { label: t().actor, cell: (r) => [r.actor ?? t().none, h('small', { class: 'muted block' }, [r.actorKind, r.actorAddress].filter(Boolean).join(' · '))] },
      { label: t().shipmentId, cell: (r) => (r.shipmentId ? h('a', { href: `/admin/shipments/${r.shipmentId}` }, `#${r.shipmentId}`) : t().none) },
      { label: t().detail, cell: (r) => detailView(r.detail) },
    ],
    records,
    attrs,
    (r) => ({ 'data-event-id': String(r.eventId) }),
  );
}
