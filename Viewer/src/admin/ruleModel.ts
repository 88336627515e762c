// A routing rule as the API has it (docs/admin-api.md, docs/routing.md) and as the editor's form holds it: every
// input a string or a flag, so nothing the administrator types is lost before it is checked. ruleToForm and
// formToRule convert between the two; formToRule also says which fields are not valid, under the same paths the API
// uses for its validation errors ("conditions[1].conditions[0].value"), so both kinds show at the same input.

import type { FieldErrors } from './api';

export type MatchMode = 'all' | 'any';
export type Op = 'equals' | 'wildcard' | 'regex' | 'present' | 'absent';
export const ops: Op[] = ['equals', 'wildcard', 'regex', 'present', 'absent'];
export const conditionKinds = ['callingAeTitle', 'calledAeTitle', 'sourceAddress', 'attribute', 'group'] as const;
export type ConditionKind = (typeof conditionKinds)[number];
export const actionKinds = ['ship', 'forward', 'hold', 'discard'] as const;
export type ActionKind = (typeof actionKinds)[number];
export const weekDays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type WeekDay = (typeof weekDays)[number];

export type Condition =
  | { kind: 'callingAeTitle' | 'calledAeTitle'; op: Op; value?: string }
  | { kind: 'sourceAddress'; network: string }
  | { kind: 'attribute'; key: string; op: Op; value?: string }
  | { kind: 'group'; match: MatchMode; conditions: Condition[] };

export type Recipient = { email?: string; phone?: string; language?: string } | { contactId: number };

export type Action =
  | {
      kind: 'ship';
      recipients: Recipient[];
      lookupAttribute?: string;
      expiryDays?: number;
      maxDownloads?: number;
      language?: string;
      notifyEmail?: string;
      senderName?: string;
      senderOrganisation?: string;
    }
  | { kind: 'forward'; nodeId: number }
  | { kind: 'hold' }
  | { kind: 'discard'; reason?: string };

export interface TimeWindow {
  days: WeekDay[];
  from: string;
  to: string;
}

export interface Rule {
  id?: number;
  name: string;
  order?: number;
  enabled: boolean;
  stopOnMatch: boolean;
  match: MatchMode;
  conditions: Condition[];
  timeWindow?: TimeWindow | null;
  actions: Action[];
}

// ---- The form ----

export interface ConditionForm {
  kind: ConditionKind;
  key: string;
  op: Op;
  value: string;
  network: string;
  match: MatchMode;
  conditions: ConditionForm[];
}

export interface RecipientForm {
  /** '' for an address typed here, else the id of an address-book contact. */
  contactId: string;
  email: string;
  phone: string;
  language: string;
}

export interface ActionForm {
  kind: ActionKind;
  recipients: RecipientForm[];
  lookupAttribute: string;
  expiryDays: string;
  maxDownloads: string;
  /** The language of recipients that name none. */
  language: string;
  notifyEmail: string;
  senderName: string;
  senderOrganisation: string;
  nodeId: string;
  reason: string;
}

export interface RuleForm {
  id?: number;
  order?: number;
  name: string;
  enabled: boolean;
  stopOnMatch: boolean;
  match: MatchMode;
  conditions: ConditionForm[];
  useTimeWindow: boolean;
  days: WeekDay[];
  from: string;
  to: string;
  actions: ActionForm[];
}

export function emptyCondition(kind: ConditionKind = 'attribute'): ConditionForm {
  return { kind, key: '', op: kind === 'group' ? 'equals' : 'equals', value: '', network: '', match: 'any', conditions: kind === 'group' ? [emptyCondition()] : [] };
}

export function emptyRecipient(): RecipientForm {
  return { contactId: '', email: '', phone: '', language: '' };
}

export function emptyAction(kind: ActionKind = 'ship'): ActionForm {
  return {
    kind,
    recipients: kind === 'ship' ? [emptyRecipient()] : [],
    lookupAttribute: '',
    expiryDays: '',
    maxDownloads: '',
    language: '',
    notifyEmail: '',
    senderName: '',
    senderOrganisation: '',
    nodeId: '',
    reason: '',
  };
}

export function emptyRuleForm(): RuleForm {
  return {
    name: '',
    enabled: true,
    stopOnMatch: true,
    match: 'all',
    conditions: [],
    useTimeWindow: false,
    days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    from: '07:00',
    to: '15:30',
    actions: [emptyAction('ship')],
  };
}

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

function conditionToForm(c: Condition): ConditionForm {
  const f = emptyCondition(c.kind);
  switch (c.kind) {
    case 'callingAeTitle':
    case 'calledAeTitle':
      return { ...f, op: c.op ?? 'equals', value: str(c.value) };
    case 'sourceAddress':
      return { ...f, network: str(c.network) };
    case 'attribute':
      return { ...f, key: str(c.key), op: c.op ?? 'equals', value: str(c.value) };
    case 'group':
      return { ...f, match: c.match ?? 'all', conditions: (c.conditions ?? []).map(conditionToForm) };
  }
}

function recipientToForm(r: Recipient): RecipientForm {
  if ('contactId' in r && r.contactId !== undefined && r.contactId !== null) return { ...emptyRecipient(), contactId: String(r.contactId) };
  const a = r as { email?: string; phone?: string; language?: string };
  return { contactId: '', email: str(a.email), phone: str(a.phone), language: str(a.language) };
}

function actionToForm(a: Action): ActionForm {
  const f = emptyAction(a.kind);
  switch (a.kind) {
    case 'ship':
      return {
        ...f,
        recipients: (a.recipients ?? []).map(recipientToForm),
        lookupAttribute: str(a.lookupAttribute),
        expiryDays: str(a.expiryDays),
        maxDownloads: str(a.maxDownloads),
        language: str(a.language),
        notifyEmail: str(a.notifyEmail),
        senderName: str(a.senderName),
        senderOrganisation: str(a.senderOrganisation),
      };
    case 'forward':
      return { ...f, nodeId: str(a.nodeId) };
    case 'discard':
      return { ...f, reason: str(a.reason) };
    case 'hold':
      return f;
  }
}

export function ruleToForm(rule: Rule): RuleForm {
  const base = emptyRuleForm();
  return {
    id: rule.id,
    order: rule.order,
    name: rule.name ?? '',
    enabled: rule.enabled ?? true,
    stopOnMatch: rule.stopOnMatch ?? true,
    match: rule.match ?? 'all',
    conditions: (rule.conditions ?? []).map(conditionToForm),
    useTimeWindow: !!rule.timeWindow,
    days: rule.timeWindow ? [...rule.timeWindow.days] : base.days,
    from: rule.timeWindow?.from ?? base.from,
    to: rule.timeWindow?.to ?? base.to,
    actions: (rule.actions ?? []).map(actionToForm),
  };
}

// ---- Form to rule, with the checks that need no server ----

export type ErrorMessages = {
  required: string;
  notANumber: string;
  outOfRange: (min: number, max: number) => string;
  notAnEmail: string;
  notATime: string;
  noDays: string;
  noRecipients: string;
  recipientEmpty: string;
  noActions: string;
  emptyGroup: string;
};

export const defaultMessages: ErrorMessages = {
  required: 'Required.',
  notANumber: 'A whole number is needed.',
  outOfRange: (min, max) => `Between ${min} and ${max}.`,
  notAnEmail: 'Not an e-mail address.',
  notATime: 'A time as HH:MM.',
  noDays: 'Pick at least one day.',
  noRecipients: 'Add at least one recipient.',
  recipientEmpty: 'An e-mail address, a phone number or a contact is needed.',
  noActions: 'Add at least one action.',
  emptyGroup: 'A group needs at least one condition.',
};

const needsValue = (op: Op) => op !== 'present' && op !== 'absent';
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const timePattern = /^([01]\d|2[0-3]):[0-5]\d$/;

function add(errors: FieldErrors, path: string, message: string): void {
  (errors[path] ??= []).push(message);
}

function optionalInt(errors: FieldErrors, path: string, text: string, min: number, max: number, m: ErrorMessages): number | undefined {
  const t = text.trim();
  if (!t) return undefined;
  if (!/^-?\d+$/.test(t)) {
    add(errors, path, m.notANumber);
    return undefined;
  }
  const n = Number(t);
  if (n < min || n > max) add(errors, path, m.outOfRange(min, max));
  return n;
}

function formToCondition(f: ConditionForm, path: string, errors: FieldErrors, m: ErrorMessages): Condition {
  switch (f.kind) {
    case 'callingAeTitle':
    case 'calledAeTitle': {
      const value = f.value.trim();
      if (needsValue(f.op) && !value) add(errors, `${path}.value`, m.required);
      return needsValue(f.op) ? { kind: f.kind, op: f.op, value } : { kind: f.kind, op: f.op };
    }
    case 'sourceAddress': {
      const network = f.network.trim();
      if (!network) add(errors, `${path}.network`, m.required);
      return { kind: 'sourceAddress', network };
    }
    case 'attribute': {
      const key = f.key.trim();
      // Attribute values keep their spaces: a pattern may need them.
      const value = f.value;
      if (!key) add(errors, `${path}.key`, m.required);
      if (needsValue(f.op) && !value.trim()) add(errors, `${path}.value`, m.required);
      return needsValue(f.op) ? { kind: 'attribute', key, op: f.op, value } : { kind: 'attribute', key, op: f.op };
    }
    case 'group': {
      if (f.conditions.length === 0) add(errors, `${path}.conditions`, m.emptyGroup);
      return { kind: 'group', match: f.match, conditions: f.conditions.map((c, i) => formToCondition(c, `${path}.conditions[${i}]`, errors, m)) };
    }
  }
}

function formToRecipient(f: RecipientForm, path: string, errors: FieldErrors, m: ErrorMessages): Recipient {
  if (f.contactId) return { contactId: Number(f.contactId) };
  const email = f.email.trim();
  const phone = f.phone.trim();
  const language = f.language.trim();
  if (!email && !phone) add(errors, `${path}.email`, m.recipientEmpty);
  else if (email && !emailPattern.test(email)) add(errors, `${path}.email`, m.notAnEmail);
  const r: { email?: string; phone?: string; language?: string } = {};
  if (email) r.email = email;
  if (phone) r.phone = phone;
  if (language) r.language = language;
  return r;
}

function formToAction(f: ActionForm, path: string, errors: FieldErrors, m: ErrorMessages): Action {
  switch (f.kind) {
    case 'ship': {
      if (f.recipients.length === 0 && !f.lookupAttribute.trim()) add(errors, `${path}.recipients`, m.noRecipients);
      const a: Extract<Action, { kind: 'ship' }> = {
        kind: 'ship',
        recipients: f.recipients.map((r, i) => formToRecipient(r, `${path}.recipients[${i}]`, errors, m)),
      };
      const lookup = f.lookupAttribute.trim();
      if (lookup) a.lookupAttribute = lookup;
      const expiry = optionalInt(errors, `${path}.expiryDays`, f.expiryDays, 1, 365, m);
      if (expiry !== undefined) a.expiryDays = expiry;
      const downloads = optionalInt(errors, `${path}.maxDownloads`, f.maxDownloads, 1, 1000, m);
      if (downloads !== undefined) a.maxDownloads = downloads;
      if (f.language) a.language = f.language;
      const notify = f.notifyEmail.trim();
      if (notify) {
        if (!emailPattern.test(notify)) add(errors, `${path}.notifyEmail`, m.notAnEmail);
        a.notifyEmail = notify;
      }
      if (f.senderName.trim()) a.senderName = f.senderName.trim();
      if (f.senderOrganisation.trim()) a.senderOrganisation = f.senderOrganisation.trim();
      return a;
    }
    case 'forward':
      if (!f.nodeId) add(errors, `${path}.nodeId`, m.required);
      return { kind: 'forward', nodeId: Number(f.nodeId) };
    case 'hold':
      return { kind: 'hold' };
    case 'discard':
      return f.reason.trim() ? { kind: 'discard', reason: f.reason.trim() } : { kind: 'discard' };
  }
}

/** The rule the form describes, and what is wrong with it (empty when nothing is). */
export function formToRule(form: RuleForm, messages: ErrorMessages = defaultMessages): { rule: Rule; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const name = form.name.trim();
  if (!name) add(errors, 'name', messages.required);
  const rule: Rule = {
    name,
    enabled: form.enabled,
    stopOnMatch: form.stopOnMatch,
    match: form.match,
    conditions: form.conditions.map((c, i) => formToCondition(c, `conditions[${i}]`, errors, messages)),
    timeWindow: null,
    actions: form.actions.map((a, i) => formToAction(a, `actions[${i}]`, errors, messages)),
  };
  if (form.id !== undefined) rule.id = form.id;
  if (form.order !== undefined) rule.order = form.order;
  if (form.useTimeWindow) {
    if (form.days.length === 0) add(errors, 'timeWindow.days', messages.noDays);
    if (!timePattern.test(form.from)) add(errors, 'timeWindow.from', messages.notATime);
    if (!timePattern.test(form.to)) add(errors, 'timeWindow.to', messages.notATime);
    rule.timeWindow = { days: weekDays.filter((d) => form.days.includes(d)), from: form.from, to: form.to };
  }
  if (form.actions.length === 0) add(errors, 'actions', messages.noActions);
  return { rule, errors };
}

/**
 * The rules a dry run evaluates: the saved ones with the edited rule in place of its saved self (or, when new,
 * at its order, else last), in evaluation order.
 */
export function rulesForDryRun(saved: Rule[], edited: Rule): Rule[] {
  const others = saved.filter((r) => edited.id === undefined || r.id !== edited.id);
  const original = edited.id !== undefined ? saved.find((r) => r.id === edited.id) : undefined;
  const order = edited.order ?? original?.order ?? Math.max(0, ...saved.map((r) => r.order ?? 0)) + 10;
  const all = [...others, { ...edited, order }];
  return all.sort((a, b) => (a.order ?? 0) - (b.order ?? 0) || (a.id ?? Number.MAX_SAFE_INTEGER) - (b.id ?? Number.MAX_SAFE_INTEGER));
}
