// The configuration that is not routing, read-only: a tree of the settings as the gateway runs with them.

import type { AppContext } from '../app';
import { t } from '../i18n';
import { h, pageHeader } from '../ui';

export async function render(root: HTMLElement, ctx: AppContext): Promise<void> {
  const config = await ctx.api.configuration();
  root.replaceChildren(pageHeader(t().configurationTitle), h('p', { class: 'muted' }, t().configurationText), h('div', { class: 'config-tree', 'data-testid': 'configuration' }, tree(config, 0)));
}

function scalar(v: unknown): HTMLElement {
  if (v === null || v === undefined) return h('span', { class: 'json-null' }, 'null');
  if (typeof v === 'boolean') return h('span', { class: 'json-bool' }, v ? 'true' : 'false');
  if (typeof v === 'number') return h('span', { class: 'json-number' }, String(v));
  if (v === '***') return h('span', { class: 'json-secret', title: 'secret' }, '***');
  return h('span', { class: 'json-string' }, String(v));
}

function tree(value: unknown, depth: number): HTMLElement {
  if (value === null || typeof value !== 'object') return scalar(value);
  const entries: [string, unknown][] = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return h('span', { class: 'json-null' }, Array.isArray(value) ? '[]' : '{}');
  // Sections fold (<details>); settings are name/value pairs of a <dl>.
  const leaves = entries.filter(([, v]) => v === null || typeof v !== 'object');
  const branches = entries.filter(([, v]) => v !== null && typeof v === 'object');
  return h(
    'div',
    { class: 'json-level' },
    leaves.length ? h('dl', { class: 'json-object' }, ...leaves.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, scalar(v))])) : '',
    ...branches.map(([k, v]) => h('details', { open: depth < 1, class: 'json-branch' }, h('summary', {}, k), tree(v, depth + 1))),
  );
}
