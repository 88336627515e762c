// The rule editor: the form model of ruleModel.ts drawn as fields, nested condition groups, actions with their
// recipients, validation at the fields (ours and the API's), and the dry run of the unsaved content.

import type { AppContext } from '../app';
import type { Contact, DicomNode } from '../api';
import { t, tk } from '../i18n';
import {
  actionKinds,
  conditionKinds,
  emptyAction,
  emptyCondition,
  emptyRecipient,
  emptyRuleForm,
  formToRule,
  ops,
  ruleToForm,
  weekDays,
  type ActionForm,
  type ConditionForm,
  type ErrorMessages,
  type RuleForm,
} from '../ruleModel';
import { dryRunPanel } from './dryRun';
import { checkbox, clearErrors, confirmDialog, field, h, input, pageHeader, select, showErrors, showFormError, toast } from '../ui';

/** Common attribute keywords offered as suggestions for an attribute condition (any keyword or tag is accepted). */
const keywords = [
  'Modality',
  'StudyDescription',
  'SeriesDescription',
  'BodyPartExamined',
  'InstitutionName',
  'InstitutionalDepartmentName',
  'StationName',
  'ReferringPhysicianName',
  'RequestingPhysician',
  'PerformingPhysicianName',
  'AccessionNumber',
  'PatientID',
  'IssuerOfPatientID',
  'SOPClassUID',
  'Manufacturer',
];

function messages(): ErrorMessages {
  const s = t();
  return {
    required: s.val_required,
    notANumber: s.val_notANumber,
    outOfRange: s.val_outOfRange,
    notAnEmail: s.val_notAnEmail,
    notATime: s.val_notATime,
    noDays: s.val_noDays,
    noRecipients: s.val_noRecipients,
    recipientEmpty: s.val_recipientEmpty,
    noActions: s.val_noActions,
    emptyGroup: s.val_emptyGroup,
  };
}

export async function renderEditor(root: HTMLElement, ctx: AppContext, id: number | null): Promise<void> {
  const [saved, nodes, contacts] = await Promise.all([ctx.api.rules.list(), ctx.api.nodes.list().catch(() => [] as DicomNode[]), ctx.api.contacts.list().catch(() => [] as Contact[])]);
  const original = id === null ? null : (saved.find((r) => r.id === id) ?? (await ctx.api.rules.get(id)));
  const form: RuleForm = original ? ruleToForm(original) : emptyRuleForm();
  const readOnly = !ctx.can('administer');

  const body = h('div', { class: 'editor-body' });
  const errorsBox = h('div', { class: 'form-errors', role: 'alert' });
  const editor = h('form', { class: 'rule-editor', novalidate: true, 'data-testid': 'rule-editor' }, errorsBox, body);

  /** Draws the form again (after a structural change), keeping the focus on the control at `focusPath`. */
  const redraw = (focusPath?: string) => {
    const active = focusPath ?? (document.activeElement as HTMLElement | null)?.dataset?.field;
    const fieldset = h('fieldset', { class: 'plain-fieldset', disabled: readOnly });
    fieldset.append(...drawRule(form, nodes, contacts, redraw));
    body.replaceChildren(fieldset);
    if (active) body.querySelector<HTMLElement>(`[data-field="${CSS.escape(active)}"]`)?.focus();
  };
  redraw();

  const validateLocally = () => {
    const { rule, errors } = formToRule(form, messages());
    if (Object.keys(errors).length) {
      showErrors(editor, errors, t().fixErrors);
      return null;
    }
    clearErrors(editor);
    return rule;
  };

  const buttons: HTMLElement[] = [];
  if (!readOnly) {
    const saveButton = h('button', { type: 'submit', 'data-testid': 'save-rule' }, t().save);
    buttons.push(
      saveButton,
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: async () => {
            const rule = validateLocally();
            if (!rule) return;
            try {
              await ctx.api.rules.validate(rule);
              toast(t().valid);
            } catch (e) {
              showFormError(editor, e);
            }
          },
        },
        t().validate,
      ),
    );
    if (id !== null)
      buttons.push(
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            onclick: () =>
              confirmDialog(t().confirmDelete(form.name), t().remove, async () => {
                await ctx.api.rules.remove(id);
                toast(t().ruleDeleted);
                ctx.navigate('rules');
              }),
          },
          t().remove,
        ),
      );
    editor.addEventListener('submit', async (e) => {
      e.preventDefault();
      const rule = validateLocally();
      if (!rule) return;
      saveButton.disabled = true;
      try {
        if (id === null) await ctx.api.rules.create(rule);
        else await ctx.api.rules.update(id, rule);
        toast(t().ruleSaved);
        ctx.navigate('rules');
      } catch (err) {
        showFormError(editor, err);
      } finally {
        saveButton.disabled = false;
      }
    });
  } else editor.addEventListener('submit', (e) => e.preventDefault());

  editor.append(h('div', { class: 'form-buttons sticky-buttons' }, ...buttons, h('a', { class: 'button secondary', href: '/admin/rules' }, readOnly ? t().back : t().cancel)));

  root.replaceChildren(
    h('p', { class: 'breadcrumb' }, h('a', { href: '/admin/rules' }, `← ${t().rulesTitle}`)),
    pageHeader(original ? t().editRule(original.name) : t().newRule),
    h(
      'div',
      { class: 'editor-layout' },
      editor,
      dryRunPanel(
        ctx,
        saved,
        () => validateLocally(),
        (errors) => showErrors(editor, errors, t().fixErrors),
      ),
    ),
  );
  (body.querySelector('input') as HTMLInputElement | null)?.focus();
}

function drawRule(form: RuleForm, nodes: DicomNode[], contacts: Contact[], redraw: (focus?: string) => void): HTMLElement[] {
  const name = input({ value: form.name, id: 'rule-name', maxlength: 200, required: true }, (v) => (form.name = v));
  const general = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'rule-general' },
    h('h2', { id: 'rule-general', class: 'visually-hidden' }, t().ruleName),
    field(t().ruleName, name, 'name'),
    h('div', { class: 'inline' }, checkbox(t().enabled, form.enabled, (v) => (form.enabled = v), 'enabled'), checkbox(t().stopOnMatch, form.stopOnMatch, (v) => (form.stopOnMatch = v), 'stopOnMatch')),
  );

  const conditions = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'rule-conditions' },
    h('h2', { id: 'rule-conditions' }, t().conditions),
    field(
      t().conditions,
      select(
        [
          ['all', t().matchAll],
          ['any', t().matchAny],
        ],
        form.match,
        (v) => (form.match = v as 'all' | 'any'),
      ),
      'match',
    ),
    drawConditionList(form.conditions, 'conditions', redraw),
  );

  const days = h(
    'fieldset',
    { class: 'days', 'data-field': 'timeWindow.days' },
    h('legend', {}, t().days),
    ...weekDays.map((d) =>
      checkbox(tk(`day_${d}`), form.days.includes(d), (on) => {
        form.days = on ? [...form.days, d] : form.days.filter((x) => x !== d);
      }),
    ),
  );
  const time = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'rule-time' },
    h('h2', { id: 'rule-time' }, t().timeWindow),
    checkbox(t().useTimeWindow, form.useTimeWindow, (v) => {
      form.useTimeWindow = v;
      redraw('useTimeWindow');
    }, 'useTimeWindow'),
    form.useTimeWindow
      ? h(
          'div',
          { class: 'inline' },
          days,
          field(t().timeFrom, input({ type: 'time', value: form.from }, (v) => (form.from = v)), 'timeWindow.from'),
          field(t().timeTo, input({ type: 'time', value: form.to }, (v) => (form.to = v)), 'timeWindow.to'),
        )
      : '',
  );

  const actions = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'rule-actions', 'data-field': 'actions', tabindex: '-1' },
    h('h2', { id: 'rule-actions' }, t().ruleActions),
    h('ol', { class: 'action-list' }, ...form.actions.map((a, i) => h('li', {}, drawAction(form, a, i, nodes, contacts, redraw)))),
    h(
      'button',
      {
        type: 'button',
        class: 'secondary small',
        'data-testid': 'add-action',
        onclick: () => {
          form.actions.push(emptyAction('ship'));
          redraw(`actions[${form.actions.length - 1}].kind`);
        },
      },
      `+ ${t().addAction}`,
    ),
  );
  return [general, conditions, time, actions];
}

function drawConditionList(list: ConditionForm[], path: string, redraw: (focus?: string) => void): HTMLElement {
  const items = list.map((c, i) => h('li', { class: c.kind === 'group' ? 'group' : '' }, drawCondition(list, c, i, `${path}[${i}]`, redraw)));
  return h(
    'div',
    { class: 'condition-list', 'data-field': path, tabindex: '-1' },
    list.length === 0 && path === 'conditions' ? h('p', { class: 'muted' }, t().noConditions) : '',
    h('ol', {}, ...items),
    h(
      'div',
      { class: 'inline' },
      h(
        'button',
        {
          type: 'button',
          class: 'secondary small',
          'data-testid': 'add-condition',
          onclick: () => {
            list.push(emptyCondition('attribute'));
            redraw(`${path}[${list.length - 1}].kind`);
          },
        },
        `+ ${t().addCondition}`,
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'secondary small',
          onclick: () => {
            list.push(emptyCondition('group'));
            redraw(`${path}[${list.length - 1}].match`);
          },
        },
        `+ ${t().addGroup}`,
      ),
    ),
  );
}

function drawCondition(list: ConditionForm[], c: ConditionForm, i: number, path: string, redraw: (focus?: string) => void): HTMLElement {
  const kind = select(
    conditionKinds.map((k): [string, string] => [k, tk(`ck_${k}`)]),
    c.kind,
    (v) => {
      const fresh = emptyCondition(v as ConditionForm['kind']);
      // Keep what still applies (the value when switching between AE title and attribute).
      list[i] = { ...fresh, op: v === 'group' ? fresh.op : c.op, value: v === 'group' ? '' : c.value, conditions: fresh.conditions };
      redraw(`${path}.kind`);
    },
  );
  const remove = h(
    'button',
    {
      type: 'button',
      class: 'icon danger-text',
      'aria-label': t().removeCondition,
      title: t().removeCondition,
      onclick: () => {
        list.splice(i, 1);
        redraw();
      },
    },
    '✕',
  );
  const row = h('div', { class: 'condition-row' }, field(t().conditionKind, kind, `${path}.kind`));
  const opSelect = () =>
    select(
      ops.map((o): [string, string] => [o, tk(`op_${o}`)]),
      c.op,
      (v) => {
        c.op = v as ConditionForm['op'];
        redraw(`${path}.op`);
      },
    );
  const valueInput = () => (c.op === 'present' || c.op === 'absent' ? '' : field(t().value, input({ value: c.value, maxlength: 256 }, (v) => (c.value = v)), `${path}.value`));
  switch (c.kind) {
    case 'callingAeTitle':
    case 'calledAeTitle':
      row.append(field(t().op, opSelect(), `${path}.op`), valueInput() || '');
      break;
    case 'attribute': {
      const key = input({ value: c.key, list: 'dicom-keywords', autocomplete: 'off', spellcheck: 'false', placeholder: 'Modality, (0008,1030)' }, (v) => (c.key = v));
      row.append(field(t().key, key, `${path}.key`), field(t().op, opSelect(), `${path}.op`), valueInput() || '', keywordList());
      break;
    }
    case 'sourceAddress':
      row.append(field(t().network, input({ value: c.network, placeholder: '10.1.0.0/16', spellcheck: 'false' }, (v) => (c.network = v)), `${path}.network`));
      break;
    case 'group':
      row.append(
        field(
          t().groupMatch,
          select(
            [
              ['all', t().matchAll],
              ['any', t().matchAny],
            ],
            c.match,
            (v) => (c.match = v as 'all' | 'any'),
          ),
          `${path}.match`,
        ),
      );
      break;
  }
  row.append(remove);
  return c.kind === 'group' ? h('div', { class: 'condition-group' }, row, drawConditionList(c.conditions, `${path}.conditions`, redraw)) : row;
}

let keywordListElement: HTMLDataListElement | null = null;
function keywordList(): HTMLElement | string {
  if (keywordListElement?.isConnected) return '';
  keywordListElement = h('datalist', { id: 'dicom-keywords' }, ...keywords.map((k) => h('option', { value: k })));
  return keywordListElement;
}

function drawAction(form: RuleForm, a: ActionForm, i: number, nodes: DicomNode[], contacts: Contact[], redraw: (focus?: string) => void): HTMLElement {
  const path = `actions[${i}]`;
  const kind = select(
    actionKinds.map((k): [string, string] => [k, tk(`ak_${k}`)]),
    a.kind,
    (v) => {
      form.actions[i] = emptyAction(v as ActionForm['kind']);
      redraw(`${path}.kind`);
    },
  );
  const head = h(
    'div',
    { class: 'condition-row' },
    field(t().actionKind, kind, `${path}.kind`),
    h(
      'button',
      {
        type: 'button',
        class: 'icon danger-text',
        'aria-label': t().removeAction,
        title: t().removeAction,
        onclick: () => {
          form.actions.splice(i, 1);
          redraw();
        },
      },
      '✕',
    ),
  );
  const box = h('div', { class: 'action' }, head);
  switch (a.kind) {
    case 'ship': {
      const recipients = h(
        'div',
        { class: 'recipients', 'data-field': `${path}.recipients`, tabindex: '-1' },
        h('h3', {}, t().recipients),
        ...a.recipients.map((r, k) => {
          const rp = `${path}.recipients[${k}]`;
          const contact = select([['', t().literalAddress], ...contacts.map((c): [string, string] => [String(c.id), `${c.name}${c.email ? ` <${c.email}>` : ''}`])], r.contactId, (v) => {
            r.contactId = v;
            redraw(`${rp}.contactId`);
          });
          const row = h('div', { class: 'recipient-row' }, field(t().contact, contact, `${rp}.contactId`));
          if (!r.contactId)
            row.append(
              field(t().email, input({ type: 'email', value: r.email, autocomplete: 'off', 'data-testid': 'recipient-email' }, (v) => (r.email = v)), `${rp}.email`),
              field(t().phone, input({ type: 'tel', value: r.phone, autocomplete: 'off', placeholder: '+420…' }, (v) => (r.phone = v)), `${rp}.phone`),
              field(
                t().language,
                select(
                  [
                    ['', t().none],
                    ['cs', 'Čeština'],
                    ['pl', 'Polski'],
                    ['en', 'English'],
                  ],
                  r.language,
                  (v) => (r.language = v),
                ),
                `${rp}.language`,
              ),
            );
          row.append(
            h(
              'button',
              {
                type: 'button',
                class: 'icon danger-text',
                'aria-label': t().removeRecipient,
                title: t().removeRecipient,
                onclick: () => {
                  a.recipients.splice(k, 1);
                  redraw();
                },
              },
              '✕',
            ),
          );
          return row;
        }),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary small',
            onclick: () => {
              a.recipients.push(emptyRecipient());
              redraw(`${path}.recipients[${a.recipients.length - 1}].contactId`);
            },
          },
          `+ ${t().addRecipient}`,
        ),
      );
      const lookup = input({ value: a.lookupAttribute, list: 'dicom-keywords', spellcheck: 'false' }, (v) => (a.lookupAttribute = v));
      box.append(
        recipients,
        h(
          'div',
          { class: 'inline' },
          field(t().lookupAttribute, lookup, `${path}.lookupAttribute`, t().lookupHint),
          field(t().expiryDays, input({ type: 'number', min: 1, max: 365, value: a.expiryDays, inputmode: 'numeric' }, (v) => (a.expiryDays = v)), `${path}.expiryDays`),
          field(t().maxDownloads, input({ type: 'number', min: 1, value: a.maxDownloads, inputmode: 'numeric' }, (v) => (a.maxDownloads = v)), `${path}.maxDownloads`),
          field(
            t().defaultLanguage,
            select(
              [
                ['', t().none],
                ['cs', 'Čeština'],
                ['pl', 'Polski'],
                ['en', 'English'],
              ],
              a.language,
              (v) => (a.language = v),
            ),
            `${path}.language`,
          ),
        ),
        h(
          'div',
          { class: 'inline' },
          field(t().notifyEmail, input({ type: 'email', value: a.notifyEmail }, (v) => (a.notifyEmail = v)), `${path}.notifyEmail`),
          field(t().senderName, input({ value: a.senderName }, (v) => (a.senderName = v)), `${path}.senderName`),
          field(t().senderOrganisation, input({ value: a.senderOrganisation }, (v) => (a.senderOrganisation = v)), `${path}.senderOrganisation`),
        ),
      );
      break;
    }
    case 'forward': {
      const destinations = nodes.filter((n) => n.forwardDestination || String(n.id) === a.nodeId);
      box.append(
        field(
          t().node,
          select([['', t().chooseNode], ...destinations.map((n): [string, string] => [String(n.id), `${n.name} (${n.aeTitle}@${n.host}:${n.port})`])], a.nodeId, (v) => (a.nodeId = v)),
          `${path}.nodeId`,
        ),
      );
      break;
    }
    case 'discard':
      box.append(field(t().reason, input({ value: a.reason, maxlength: 500 }, (v) => (a.reason = v)), `${path}.reason`));
      break;
    case 'hold':
      break;
  }
  return box;
}
