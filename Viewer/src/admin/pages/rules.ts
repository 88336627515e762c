// Routing rules: the ordered list (enable toggles, up/down and drag to reorder) and, under /admin/rules/<id> or
// /admin/rules/new, the editor with its dry run.

import type { AppContext } from '../app';
import type { Contact, DicomNode } from '../api';
import type { Action, Condition, Rule } from '../ruleModel';
import { t, tk } from '../i18n';
import { renderEditor } from './ruleEditor';
import { badge, errorText, h, pageHeader, table, toast } from '../ui';

export async function render(root: HTMLElement, ctx: AppContext, params: string[]): Promise<void> {
  if (params[0]) return renderEditor(root, ctx, params[0] === 'new' ? null : Number(params[0]));
  return renderList(root, ctx);
}

export function describeCondition(c: Condition, nested = false): string {
  switch (c.kind) {
    case 'callingAeTitle':
    case 'calledAeTitle':
    case 'attribute': {
      const subject = c.kind === 'attribute' ? c.key : tk(`ck_${c.kind}`);
      const op = { equals: '=', wildcard: '≈', regex: '~', present: tk('op_present'), absent: tk('op_absent') }[c.op] ?? c.op;
      return c.op === 'present' || c.op === 'absent' ? `${subject} ${op}` : `${subject} ${op} “${c.value ?? ''}”`;
    }
    case 'sourceAddress':
      return `${tk('ck_sourceAddress')} ${c.network}`;
    case 'group': {
      const inner = c.conditions.map((x) => describeCondition(x, true)).join(c.match === 'any' ? ' | ' : ' & ');
      return nested || c.conditions.length > 1 ? `(${inner})` : inner;
    }
  }
}

export function describeAction(a: Action, nodes: DicomNode[], contacts: Contact[]): string {
  switch (a.kind) {
    case 'ship': {
      const to = a.recipients.map((r) => ('contactId' in r ? (contacts.find((c) => c.id === r.contactId)?.name ?? `#${r.contactId}`) : (r.email ?? r.phone ?? '')));
      if (a.lookupAttribute) to.push(`⟨${a.lookupAttribute}⟩`);
      return `${tk('ak_ship')}: ${to.join(', ')}`;
    }
    case 'forward':
      return `${tk('ak_forward')}: ${nodes.find((n) => n.id === a.nodeId)?.name ?? `#${a.nodeId}`}`;
    case 'hold':
      return tk('ak_hold');
    case 'discard':
      return tk('ak_discard');
  }
}

async function renderList(root: HTMLElement, ctx: AppContext): Promise<void> {
  const [rules, nodes, contacts] = await Promise.all([ctx.api.rules.list(), ctx.api.nodes.list().catch(() => []), ctx.api.contacts.list().catch(() => [])]);
  const admin = ctx.can('administer');

  const saveOrder = async (ids: number[]) => {
    try {
      await ctx.api.rules.order(ids);
      toast(t().orderSaved);
    } catch (e) {
      toast(errorText(e), true);
    }
    await renderList(root, ctx);
  };
  const move = (index: number, delta: number) => {
    const ids = rules.map((r) => r.id!);
    const [id] = ids.splice(index, 1);
    ids.splice(index + delta, 0, id);
    void saveOrder(ids).then(() => {
      // Keep the keyboard where it was: on the same rule's button.
      root.querySelector<HTMLButtonElement>(`[data-rule-id="${id}"] [data-move="${delta < 0 ? 'up' : 'down'}"]`)?.focus();
    });
  };

  let dragged: number | null = null;
  const rowAttrs = (r: Rule) => {
    const index = rules.indexOf(r);
    const attrs: Record<string, string | boolean | EventListener> = { 'data-rule-id': String(r.id), class: r.enabled ? '' : 'row-disabled' };
    if (!admin) return attrs;
    return {
      ...attrs,
      draggable: 'true',
      ondragstart: ((e: DragEvent) => {
        dragged = index;
        e.dataTransfer?.setData('text/plain', String(r.id));
      }) as EventListener,
      ondragover: ((e: DragEvent) => e.preventDefault()) as EventListener,
      ondrop: ((e: DragEvent) => {
        e.preventDefault();
        if (dragged === null || dragged === index) return;
        const ids = rules.map((x) => x.id!);
        const [id] = ids.splice(dragged, 1);
        ids.splice(index, 0, id);
        dragged = null;
        void saveOrder(ids);
      }) as EventListener,
    };
  };

  const list = table<Rule>(
    [
      {
        label: t().order,
        class: 'order-cell',
        cell: (r) => {
          const i = rules.indexOf(r);
          return admin
            ? h(
                'div',
                { class: 'order-buttons' },
                h('span', { class: 'drag-handle', 'aria-hidden': 'true' }, '⠿'),
                h('button', { type: 'button', class: 'icon', 'data-move': 'up', 'aria-label': t().moveUpNamed(r.name), disabled: i === 0, onclick: () => move(i, -1) }, '↑'),
                h('button', { type: 'button', class: 'icon', 'data-move': 'down', 'aria-label': t().moveDownNamed(r.name), disabled: i === rules.length - 1, onclick: () => move(i, 1) }, '↓'),
              )
            : String(i + 1);
        },
      },
      {
        label: t().enabled,
        cell: (r) => {
          if (!admin) return r.enabled ? badge(t().enabled, 'ok') : badge(t().disabled, 'muted');
          const box = h('input', { type: 'checkbox', checked: r.enabled, 'aria-label': t().enabledNamed(r.name), class: 'switch', 'data-testid': 'rule-enabled' });
          box.addEventListener('change', async () => {
            box.disabled = true;
            try {
              await ctx.api.rules.setEnabled(r.id!, box.checked);
              r.enabled = box.checked;
              box.closest('tr')?.classList.toggle('row-disabled', !r.enabled);
              toast(t().saved);
            } catch (e) {
              box.checked = !box.checked;
              toast(errorText(e), true);
            } finally {
              box.disabled = false;
            }
          });
          return box;
        },
      },
      { label: t().name, cell: (r) => h('a', { href: `/admin/rules/${r.id}`, 'data-testid': 'rule-link' }, r.name) },
      {
        label: t().conditionsSummary,
        cell: (r) => {
          const parts = r.conditions.map((c) => describeCondition(c));
          const text = parts.length === 0 ? t().noConditions : parts.join(r.match === 'any' ? ' | ' : ' & ');
          return r.timeWindow ? [text, h('small', { class: 'muted block' }, `${r.timeWindow.days.map((d) => tk(`day_${d}`)).join(' ')} ${r.timeWindow.from}–${r.timeWindow.to}`)] : text;
        },
      },
      { label: t().actionsSummary, cell: (r) => h('ul', { class: 'plain' }, ...r.actions.map((a) => h('li', {}, describeAction(a, nodes, contacts)))) },
      { label: t().stopOnMatch, class: 'narrow', cell: (r) => (r.stopOnMatch ? t().yes : t().no) },
    ],
    rules,
    { 'data-testid': 'rules-table' },
    rowAttrs,
  );

  root.replaceChildren(
    pageHeader(t().rulesTitle, admin ? h('a', { class: 'button', href: '/admin/rules/new', 'data-testid': 'new-rule' }, t().newRule) : ''),
    h('p', { class: 'muted' }, t().rulesText),
    list,
  );
}
