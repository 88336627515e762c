// Statistics per month and per rule: shipments, instances, bytes, opened, expired unopened; two charts (chart.js
// draws on a canvas, which the CSP allows) and the same numbers as tables (what a screen reader reads).

import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import type { AppContext } from '../app';
import type { Statistics } from '../api';
import { formatBytes, formatNumber, locale, t } from '../i18n';
import { errorText, field, h, input, loading, pageHeader, table } from '../ui';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Legend, Tooltip);

const charts: Chart[] = [];

function monthString(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

const range = (() => {
  const now = new Date();
  return { from: monthString(new Date(now.getFullYear(), now.getMonth() - 11, 1)), to: monthString(now) };
})();

function monthLabel(month: string): string {
  const m = /^(\d{4})-(\d{2})/.exec(month);
  if (!m) return month;
  return new Intl.DateTimeFormat(locale(), { year: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(+m[1], +m[2] - 1, 1)));
}

/** The months from..to, each with its numbers or zeros: a month without shipments is a zero in the chart, not a gap. */
export function everyMonth(from: string, to: string, months: Statistics['months']): Statistics['months'] {
  const parse = (m: string) => /^(\d{4})-(\d{2})/.exec(m);
  const a = parse(from);
  const b = parse(to);
  if (!a || !b) return months;
  const byMonth = new Map(months.map((m) => [m.month.slice(0, 7), m]));
  const out: Statistics['months'] = [];
  for (let y = +a[1], m = +a[2]; (y < +b[1] || (y === +b[1] && m <= +b[2])) && out.length < 240; m === 12 ? (y++, (m = 1)) : m++) {
    const key = `${y}-${String(m).padStart(2, '0')}`;
    out.push(byMonth.get(key) ?? { month: key, shipments: 0, instances: 0, bytes: 0, opened: 0, expiredUnopened: 0 });
  }
  // Months the gateway gave outside the range (it should not) are kept, not lost.
  for (const m of months) if (!out.includes(m)) out.push(m);
  return out;
}

export async function render(root: HTMLElement, ctx: AppContext): Promise<void> {
  const from = input({ type: 'month', value: range.from, required: true }, (v) => (range.from = v));
  const to = input({ type: 'month', value: range.to, required: true }, (v) => (range.to = v));
  const results = h('div', { class: 'results' });
  const form = h('form', { class: 'filters', novalidate: true }, field(t().from, from, 'from'), field(t().to, to, 'to'), h('div', { class: 'filter-buttons' }, h('button', { type: 'submit' }, t().show)));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void load();
  });
  root.replaceChildren(pageHeader(t().statisticsTitle), form, results);

  const load = async () => {
    while (charts.length) charts.pop()!.destroy();
    results.replaceChildren(loading());
    try {
      const s = await ctx.api.statistics(range.from, range.to);
      results.replaceChildren(...draw({ ...s, months: everyMonth(range.from, range.to, s.months) }));
    } catch (e) {
      results.replaceChildren(h('p', { class: 'error-box', role: 'alert' }, errorText(e)));
    }
  };
  await load();
}

function draw(s: Statistics): HTMLElement[] {
  const counts = h('canvas', { role: 'img', 'aria-label': t().chartShipments });
  const bytes = h('canvas', { role: 'img', 'aria-label': t().chartBytes });
  const labels = s.months.map((m) => monthLabel(m.month));
  const dark = matchMedia('(prefers-color-scheme: dark)').matches;
  const text = dark ? '#e7eaee' : '#1b1f24';
  const grid = dark ? '#2f3740' : '#e3e7ec';
  Chart.defaults.color = text;
  Chart.defaults.borderColor = grid;
  const common = { responsive: true, maintainAspectRatio: false, animation: false as const };
  const out = [
    h(
      'div',
      { class: 'charts' },
      h('figure', { class: 'chart' }, h('figcaption', {}, t().chartShipments), h('div', { class: 'chart-box' }, counts)),
      h('figure', { class: 'chart' }, h('figcaption', {}, t().chartBytes), h('div', { class: 'chart-box' }, bytes)),
    ),
    h('h2', {}, t().perMonth),
    table(
      [
        { label: t().month, cell: (m) => monthLabel(m.month) },
        { label: t().shipments, cell: (m) => formatNumber(m.shipments), class: 'num' },
        { label: t().instances, cell: (m) => formatNumber(m.instances), class: 'num' },
        { label: t().bytes, cell: (m) => formatBytes(m.bytes), class: 'num' },
        { label: t().opened, cell: (m) => formatNumber(m.opened), class: 'num' },
        { label: t().expiredUnopened, cell: (m) => formatNumber(m.expiredUnopened), class: 'num' },
      ],
      s.months,
      { 'data-testid': 'statistics-months' },
    ),
    h('h2', {}, t().perRule),
    table(
      [
        { label: t().rule, cell: (r) => r.ruleName || t().none },
        { label: t().shipments, cell: (r) => formatNumber(r.shipments), class: 'num' },
        { label: t().instances, cell: (r) => formatNumber(r.instances), class: 'num' },
        { label: t().bytes, cell: (r) => formatBytes(r.bytes), class: 'num' },
        { label: t().opened, cell: (r) => formatNumber(r.opened), class: 'num' },
        { label: t().expiredUnopened, cell: (r) => formatNumber(r.expiredUnopened), class: 'num' },
      ],
      s.rules,
      { 'data-testid': 'statistics-rules' },
    ),
  ];
  // The canvases must be in the document before chart.js measures them.
  queueMicrotask(() => {
    charts.push(
      new Chart(counts, {
        type: 'bar',
        data: {
          labels,
          datasets: [
            { label: t().shipments, data: s.months.map((m) => m.shipments), backgroundColor: '#0b5cad' },
            { label: t().opened, data: s.months.map((m) => m.opened), backgroundColor: '#2e8540' },
            { label: t().expiredUnopened, data: s.months.map((m) => m.expiredUnopened), backgroundColor: '#c05621' },
          ],
        },
        options: { ...common, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
      }),
      new Chart(bytes, {
        type: 'line',
        data: { labels, datasets: [{ label: t().bytes, data: s.months.map((m) => m.bytes), borderColor: '#6b46c1', backgroundColor: '#6b46c1', tension: 0.2 }] },
        options: {
          ...common,
          scales: { y: { beginAtZero: true, ticks: { callback: (v) => formatBytes(Number(v)) } } },
          plugins: { tooltip: { callbacks: { label: (c) => formatBytes(Number(c.parsed.y)) } } },
        },
      }),
    );
  });
  return out;
}
