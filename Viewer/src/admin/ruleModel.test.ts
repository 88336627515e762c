import { describe, expect, it } from 'vitest';
import { emptyAction, emptyCondition, emptyRuleForm, formToRule, ruleToForm, rulesForDryRun, type Rule } from './ruleModel';

// The example of docs/admin-api.md, with a nested group and every action kind.
const cardiology: Rule = {
  id: 3,
  name: 'Cardiology',
  order: 10,
  enabled: true,
  stopOnMatch: true,
  match: 'all',
  conditions: [
    { kind: 'callingAeTitle', op: 'equals', value: 'CT1' },
    { kind: 'calledAeTitle', op: 'wildcard', value: 'KARDIO*' },
    { kind: 'sourceAddress', network: '10.1.0.0/16' },
    { kind: 'attribute', key: 'Modality', op: 'equals', value: 'CT' },
    { kind: 'attribute', key: '(0008,1030)', op: 'regex', value: '^HEART|CARDIO' },
    { kind: 'attribute', key: 'ReferringPhysicianName', op: 'present' },
    {
      kind: 'group',
      match: 'any',
      conditions: [
        { kind: 'attribute', key: 'BodyPartExamined', op: 'equals', value: 'HEART' },
        { kind: 'group', match: 'all', conditions: [{ kind: 'attribute', key: 'StationName', op: 'absent' }] },
      ],
    },
  ],
  timeWindow: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '07:00', to: '15:30' },
  actions: [
    {
      kind: 'ship',
      recipients: [{ email: 'a@b.org', phone: '+420603000000', language: 'cs' }, { contactId: 4 }],
      lookupAttribute: 'ReferringPhysicianName',
      expiryDays: 7,
      maxDownloads: 3,
      language: 'cs',
      notifyEmail: 'pacs@hospital.org',
      senderName: 'Radiology',
      senderOrganisation: 'Hospital',
    },
    { kind: 'forward', nodeId: 2 },
    { kind: 'hold' },
    { kind: 'discard', reason: 'test images' },
  ],
};

describe('the rule form', () => {
  it('round-trips a rule with every condition and action kind', () => {
    const { rule, errors } = formToRule(ruleToForm(cardiology));
    expect(errors).toEqual({});
    expect(rule).toEqual(cardiology);
  });

  it('holds numbers and ids as the text of their inputs', () => {
    const form = ruleToForm(cardiology);
    expect(form.actions[0].expiryDays).toBe('7');
    expect(form.actions[0].recipients[1].contactId).toBe('4');
    expect(form.actions[1].nodeId).toBe('2');
    expect(form.conditions[6].conditions[1].conditions[0].op).toBe('absent');
    expect(form.useTimeWindow).toBe(true);
  });

  it('gives a rule without a time window null, and one with it the days in week order', () => {
    const form = ruleToForm({ ...cardiology, timeWindow: null });
    expect(form.useTimeWindow).toBe(false);
    expect(formToRule(form).rule.timeWindow).toBeNull();
    form.useTimeWindow = true;
    form.days = ['fri', 'mon'];
    expect(formToRule(form).rule.timeWindow).toEqual({ days: ['mon', 'fri'], from: '07:00', to: '15:30' });
  });

  it('leaves out the value of present and absent, and empty optional fields', () => {
    const form = emptyRuleForm();
    form.name = '  Everything from CT1 ';
    form.conditions = [{ ...emptyCondition('attribute'), key: 'Modality', op: 'present', value: 'left over' }];
    form.actions = [{ ...emptyAction('ship'), recipients: [{ contactId: '', email: ' dr@example.org ', phone: '', language: '' }] }];
    const { rule, errors } = formToRule(form);
    expect(errors).toEqual({});
    expect(rule).toEqual({
      name: 'Everything from CT1',
      enabled: true,
      stopOnMatch: true,
      match: 'all',
      conditions: [{ kind: 'attribute', key: 'Modality', op: 'present' }],
      timeWindow: null,
      actions: [{ kind: 'ship', recipients: [{ email: 'dr@example.org' }] }],
    });
  });

  it('names each invalid field by the path the API uses', () => {
    const form = emptyRuleForm();
    form.conditions = [
      { ...emptyCondition('attribute'), key: '', op: 'equals', value: '' },
      { ...emptyCondition('group'), conditions: [{ ...emptyCondition('calledAeTitle'), op: 'wildcard', value: ' ' }] },
      emptyCondition('sourceAddress'),
    ];
    form.useTimeWindow = true;
    form.days = [];
    form.from = '7:00';
    form.actions = [
      { ...emptyAction('ship'), recipients: [{ contactId: '', email: 'not-an-address', phone: '', language: '' }], expiryDays: '0', maxDownloads: 'three' },
      emptyAction('forward'),
    ];
    const { errors } = formToRule(form);
    expect(Object.keys(errors).sort()).toEqual(
      [
        'name',
        'conditions[0].key',
        'conditions[0].value',
        'conditions[1].conditions[0].value',
        'conditions[2].network',
        'timeWindow.days',
        'timeWindow.from',
        'actions[0].recipients[0].email',
        'actions[0].expiryDays',
        'actions[0].maxDownloads',
        'actions[1].nodeId',
      ].sort(),
    );
  });

  it('accepts a recipient with a phone only, and refuses one with neither address', () => {
    const form = emptyRuleForm();
    form.name = 'x';
    form.actions = [{ ...emptyAction('ship'), recipients: [{ contactId: '', email: '', phone: '+420603000000', language: '' }] }];
    expect(formToRule(form).errors).toEqual({});
    expect(formToRule(form).rule.actions[0]).toEqual({ kind: 'ship', recipients: [{ phone: '+420603000000' }] });
    form.actions[0].recipients[0].phone = ' ';
    expect(Object.keys(formToRule(form).errors)).toEqual(['actions[0].recipients[0].email']);
  });

  it('writes the kind first, as the gateway’s JSON reader needs for its polymorphic types', () => {
    const { rule } = formToRule(ruleToForm(cardiology));
    const json = JSON.stringify(rule);
    for (const m of json.matchAll(/\{"(\w+)":"(callingAeTitle|calledAeTitle|sourceAddress|attribute|group|ship|forward|hold|discard)"/g)) expect(m[1]).toBe('kind');
    expect([...json.matchAll(/"kind":/g)].length).toBe(10 + 4);
    expect([...json.matchAll(/\{"kind":/g)].length).toBe(10 + 4);
  });

  it('wants at least one action, a recipient or lookup for shipping, and a condition in a group', () => {
    const form = emptyRuleForm();
    form.name = 'x';
    form.conditions = [{ ...emptyCondition('group'), conditions: [] }];
    form.actions = [{ ...emptyAction('ship'), recipients: [] }];
    expect(Object.keys(formToRule(form).errors).sort()).toEqual(['actions[0].recipients', 'conditions[0].conditions']);
    form.actions[0].lookupAttribute = 'ReferringPhysicianName';
    expect(Object.keys(formToRule(form).errors)).toEqual(['conditions[0].conditions']);
    form.actions = [];
    expect(formToRule(form).errors.actions).toBeDefined();
  });
});

describe('the rules of a dry run', () => {
  const a: Rule = { id: 1, name: 'A', order: 10, enabled: true, stopOnMatch: true, match: 'all', conditions: [], actions: [{ kind: 'hold' }] };
  const b: Rule = { ...a, id: 2, name: 'B', order: 20 };

  it('replace the saved rule by its edited form', () => {
    const edited = { ...b, name: 'B edited' };
    expect(rulesForDryRun([a, b], edited).map((r) => r.name)).toEqual(['A', 'B edited']);
  });

  it('put a new rule last', () => {
    const fresh: Rule = { ...a, id: undefined, order: undefined, name: 'New' };
    const rules = rulesForDryRun([a, b], fresh);
    expect(rules.map((r) => r.name)).toEqual(['A', 'B', 'New']);
    expect(rules[2].order).toBe(30);
  });
});
