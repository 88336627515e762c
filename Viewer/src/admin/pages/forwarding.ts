// The forwarding queue: studies waiting for, being sent to, or done with a DICOM node; retry and cancel.

import type { AppContext } from '../app';
import type { Forward } from '../api';
import { formatDateTime, formatNumber, t, tk } from '../i18n';
import { badge, errorText, field, h, loading, pageHeader, select, table, toast } from '../ui';

const states = ['queued', 'sending', 'done', 'failed', 'cancelled'];
let filter = '';

export async function render(root: HTMLElement, ctx: AppContext): Promise<void> {
  const results = h('div', { class: 'results' });
  const stateSelect = select([['', t().anyState], ...states.map((s): [string, string] => [s, tk(`fstate_${s}`)])], filter, (v) => {
    filter = v;
    void load();
  });
  root.replaceChildren(
    pageHeader(t().forwardingTitle, h('button', { type: 'button', class: 'secondary', onclick: () => void load() }, t().refresh)),
    h('div', { class: 'filters' }, field(t().state, stateSelect, 'state')),
    results,
  );
  const act = (f: () => Promise<void>, message: string) => async () => {
    try {
      await f();
      toast(message);
    } catch (e) {
      toast(errorText(e), true);
    }
    await load();
  };
  const load = async () => {
    results.replaceChildren(loading());
    try {
      const rows = await ctx.api.forwards.list(filter || undefined);
      results.replaceChildren(
        table<Forward>(
          [
            { label: t().state, cell: (f) => badge(tk(`fstate_${f.state}`, f.state), f.state === 'done' ? 'ok' : f.state === 'failed' ? 'bad' : f.state === 'cancelled' ? 'muted' : 'warn') },
            { label: t().node, cell: (f) => [f.nodeName, h('small', { class: 'muted block' }, `${f.aeTitle}@${f.host}:${f.port}`)] },
            { label: t().study, cell: (f) => `#${f.studyId}` },
            { label: t().rule, cell: (f) => f.ruleName ?? t().none },
            { label: t().progress, cell: (f) => `${formatNumber(f.instancesSent)} / ${formatNumber(f.instanceCount)}`, class: 'num' },
            { label: t().attempts, cell: (f) => formatNumber(f.attempts), class: 'num' },
            { label: t().nextAttempt, cell: (f) => formatDateTime(f.nextAttemptAt) },
            { label: t().lastError, cell: (f) => (f.lastError ? h('span', { class: 'text-bad' }, f.lastError) : t().none) },
            { label: t().created, cell: (f) => formatDateTime(f.createdAt) },
            { label: t().completed, cell: (f) => formatDateTime(f.completedAt) },
            ...(ctx.can('administer')
              ? [
                  {
                    label: t().actions,
                    cell: (f: Forward) =>
                      h(
                        'div',
                        { class: 'row-actions' },
                        f.state === 'failed' || f.state === 'queued' ? h('button', { type: 'button', class: 'secondary small', onclick: act(() => ctx.api.forwards.retry(f.id), t().retried) }, t().retry) : '',
                        f.state === 'failed' || f.state === 'queued' || f.state === 'sending'
                          ? h('button', { type: 'button', class: 'secondary small danger-text', onclick: act(() => ctx.api.forwards.cancel(f.id), t().cancelled) }, t().cancelForward)
                          : '',
                      ),
                  },
                ]
              : []),
          ],
          rows,
          { 'data-testid': 'forwards-table' },
        ),
      );
    } catch (e) {
      results.replaceChildren(h('p', { class: 'error-box', role: 'alert' }, errorText(e)));
    }
  };
  await load();
}
