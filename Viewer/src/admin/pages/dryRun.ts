// The dry run beside the rule editor: the saved rules with the edited one in its place (not saved), evaluated
// against a study the gateway can still read or an uploaded DICOM file; the trace of every rule and the actions.

import type { AppContext } from '../app';
import { ApiError, type FieldErrors, type DryRun, type DryRunRecipient, type DryRunStudy } from '../api';
import { formatDateTime, t, tk } from '../i18n';
import { rulesForDryRun, type Rule } from '../ruleModel';
import { badge, errorText, field, h, loading, select } from '../ui';

export function dryRunPanel(ctx: AppContext, saved: Rule[], currentRule: () => Rule | null, showRuleErrors: (errors: FieldErrors) => void): HTMLElement {
  const calling = h('input', { type: 'text', maxlength: 16, spellcheck: 'false', autocomplete: 'off', placeholder: 'CT1' });
  const called = h('input', { type: 'text', maxlength: 16, spellcheck: 'false', autocomplete: 'off', placeholder: 'DICOMGATEWAY' });
  const source = h('input', { type: 'text', spellcheck: 'false', autocomplete: 'off', placeholder: '10.1.4.21' });
  const studySelect = select([['', t().loading]], '', undefined, { 'data-testid': 'dry-run-study' });
  const file = h('input', { type: 'file', accept: '.dcm,application/dicom,*/*', 'data-testid': 'dry-run-file' });
  const run = h('button', { type: 'button', 'data-testid': 'run-dry-run' }, t().runDryRun);
  const result = h('div', { class: 'dry-run-result', 'aria-live': 'polite', 'data-testid': 'dry-run-result' });
  const refresh = h('button', { type: 'button', class: 'secondary small', onclick: () => void loadStudies() }, t().refresh);

  const loadStudies = async () => {
    try {
      const studies = await ctx.api.rules.dryRunStudies();
      const options: [string, string][] = studies.map((s: DryRunStudy) => [
        String(s.studyId),
        `${s.callingAeTitle} → ${s.calledAeTitle} · ${formatDateTime(s.receivedAt)} · ${s.instanceCount} · ${s.state}`,
      ]);
      studySelect.replaceChildren(...(options.length ? options : [['', t().noStudies] as [string, string]]).map(([v, l]) => h('option', { value: v }, l)));
    } catch (e) {
      studySelect.replaceChildren(h('option', { value: '' }, errorText(e)));
    }
  };
  void loadStudies();

  run.addEventListener('click', async () => {
    const rule = currentRule();
    if (!rule) return; // the editor shows what is wrong
    const rules = rulesForDryRun(saved, rule);
    const chosen = file.files?.[0];
    if (!chosen && !studySelect.value) {
      result.replaceChildren(h('p', { class: 'error-box' }, t().noStudies));
      return;
    }
    run.disabled = true;
    result.replaceChildren(loading());
    try {
      const r = chosen
        ? await ctx.api.rules.dryRunFile(chosen, rules, { callingAeTitle: calling.value.trim(), calledAeTitle: called.value.trim(), sourceAddress: source.value.trim() })
        : await ctx.api.rules.dryRunStudy(parseStudyId(studySelect.value), rules);
      result.replaceChildren(...drawResult(r, rule));
    } catch (e) {
      // Errors in the edited rule ("rules[2].conditions[0].value") show at its fields in the editor.
      const index = rules.findIndex((x) => x === rules.find((y) => y.name === rule.name && (y.id ?? 0) === (rule.id ?? 0)));
      if (e instanceof ApiError && index >= 0) {
        const prefix = `rules[${index}].`;
        const own = Object.fromEntries(Object.entries(e.fieldErrors).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
        if (Object.keys(own).length) showRuleErrors(own);
      }
      const fields = e instanceof ApiError ? Object.entries(e.fieldErrors).map(([k, v]) => `${k}: ${v.join(' ')}`) : [];
      result.replaceChildren(h('div', { class: 'error-box', role: 'alert' }, h('p', {}, errorText(e)), fields.length ? h('ul', {}, ...fields.map((f) => h('li', {}, f))) : ''));
    } finally {
      run.disabled = false;
    }
  });

  return h(
    'aside',
    { class: 'panel dry-run', 'aria-labelledby': 'dry-run-h' },
    h('h2', { id: 'dry-run-h' }, t().dryRun),
    h('p', { class: 'muted' }, t().dryRunText),
    h('div', { class: 'inline' }, field(t().dryRunStudy, studySelect, 'studyId'), refresh),
    field(t().dryRunFile, file, 'file'),
    h(
      'fieldset',
      { class: 'dry-run-context' },
      h('legend', {}, t().dryRunContext),
      h('p', { class: 'hint' }, t().dryRunContextHint),
      h('div', { class: 'inline' }, field(t().calling, calling, 'callingAeTitle'), field(t().called, called, 'calledAeTitle'), field(t().sourceAddress, source, 'sourceAddress')),
    ),
    h('div', { class: 'form-buttons' }, run),
    result,
  );
}

function parseStudyId(v: string): number | string {
  return /^\d+$/.test(v) ? Number(v) : v;
}

function recipientText(r: DryRunRecipient): string {
  return [r.email, r.phone, r.language ? `(${r.language})` : '', r.contactId ? `#${r.contactId}` : ''].filter(Boolean).join(' ');
}

function drawResult(r: DryRun, edited: Rule): HTMLElement[] {
  const kind = r.disposition === 'act' ? 'ok' : r.disposition === 'held' ? 'warn' : 'bad';
  const out: HTMLElement[] = [h('p', { class: 'disposition' }, `${t().disposition}: `, badge(tk(`disp_${r.disposition}`, r.disposition), kind))];
  if (r.warnings?.length) out.push(h('div', { class: 'warning-box' }, h('strong', {}, t().warnings), h('ul', {}, ...r.warnings.map((w) => h('li', {}, w)))));
  out.push(
    h(
      'ol',
      { class: 'trace', 'data-testid': 'dry-run-trace' },
      ...r.rules.map((rule) => {
        const isEdited = (edited.id !== undefined && rule.ruleId === edited.id) || (edited.id === undefined && (rule.ruleId === null || rule.ruleId === undefined || rule.ruleId === 0) && rule.name === edited.name);
        const state = !rule.enabled ? badge(t().ruleDisabled, 'muted') : rule.matched ? badge(t().matched, 'ok') : badge(t().notMatched, 'muted');
        return h(
          'li',
          { class: rule.matched ? 'trace-matched' : '', 'data-matched': String(rule.matched) },
          h('div', { class: 'trace-head' }, h('strong', {}, rule.name), isEdited ? h('small', { class: 'muted' }, ` ${t().thisRule}`) : '', ' ', state, rule.stoppedHere ? h('small', { class: 'muted' }, ` · ${t().stoppedHere}`) : ''),
          rule.conditions.length || rule.timeWindowMatched === false
            ? h(
                'ul',
                { class: 'trace-conditions' },
                ...rule.conditions.map((c) => h('li', { class: c.matched ? 'met' : 'not-met' }, h('span', { 'aria-hidden': 'true' }, c.matched ? '✓ ' : '✗ '), c.description, h('span', { class: 'visually-hidden' }, ` (${c.matched ? t().met : t().notMet})`))),
                rule.timeWindowMatched === false ? h('li', { class: 'not-met' }, `✗ ${t().timeWindowOutside}`) : '',
              )
            : '',
        );
      }),
    ),
  );
  if (r.actions.length)
    out.push(
      h('h3', {}, t().resultingActions),
      h(
        'ul',
        { class: 'plain', 'data-testid': 'dry-run-actions' },
        ...r.actions.map((a) =>
          h(
            'li',
            {},
            h('strong', {}, tk(`ak_${a.kind}`, a.kind)),
            ` (${a.ruleName})`,
            a.recipients?.length ? `: ${a.recipients.map(recipientText).join(', ')}` : '',
            a.nodeName ? `: ${a.nodeName}` : '',
            a.reason ? `: ${a.reason}` : '',
            a.expiryDays ? ` · ${t().expiryDays} ${a.expiryDays}` : '',
            a.maxDownloads ? ` · ${t().maxDownloads} ${a.maxDownloads}` : '',
          ),
        ),
      ),
    );
  return out;
}
