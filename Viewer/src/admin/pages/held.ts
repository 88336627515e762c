// Held studies: the list (no patient data), the details (patient data; the API audits the view), and what an
// administrator does with one: address it to recipients, evaluate the rules again, or discard it.

import type { AppContext } from '../app';
import type { Contact, HeldStudy, HeldStudyDetails } from '../api';
import { formatBytes, formatDateTime, formatDicomDate, formatNumber, formatPersonName, t, tk } from '../i18n';
import { pairs } from './shipments';
import { dialog, errorText, field, h, loading, pageHeader, reasonDialog, select, showErrors, table, toast } from '../ui';

export async function render(root: HTMLElement, ctx: AppContext, params: string[]): Promise<void> {
  if (params[0]) return renderDetails(root, ctx, params[0]);
  const held = await ctx.api.held.list();
  root.replaceChildren(
    pageHeader(t().heldTitle, h('button', { type: 'button', class: 'secondary', onclick: () => void render(root, ctx, []) }, t().refresh)),
    h('p', { class: 'muted' }, t().heldText),
    table<HeldStudy>(
      [
        { label: t().study, cell: (s) => h('a', { href: `/admin/held/${encodeURIComponent(String(s.studyId))}` }, `#${s.studyId}`) },
        { label: t().holdReason, cell: (s) => holdReasonText(s) },
        { label: t().calling, cell: (s) => s.callingAeTitle },
        { label: t().called, cell: (s) => s.calledAeTitle },
        { label: t().remoteHost, cell: (s) => s.remoteHost },
        { label: t().received, cell: (s) => formatDateTime(s.firstReceivedAt) },
        { label: t().lastReceived, cell: (s) => formatDateTime(s.lastReceivedAt) },
        { label: t().instances, cell: (s) => formatNumber(s.instanceCount), class: 'num' },
        { label: t().size, cell: (s) => formatBytes(s.totalBytes), class: 'num' },
      ],
      held,
      { 'data-testid': 'held-table' },
    ),
  );
}

async function renderDetails(root: HTMLElement, ctx: AppContext, studyId: string): Promise<void> {
  root.replaceChildren(loading());
  const s: HeldStudyDetails = await ctx.api.held.get(studyId);
  const admin = ctx.can('administer');
  const modalities = Array.isArray(s.modalities) ? s.modalities.join(', ') : (s.modalities ?? t().none);
  const buttons = admin
    ? [
        h('button', { type: 'button', onclick: () => addressDialog(ctx, studyId) }, t().address),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: async () => {
              try {
                const r = await ctx.api.held.route(studyId);
                toast(t().rerouted(tk(`disp_${r.disposition}`, r.disposition)));
                if (r.disposition !== 'held') ctx.navigate('held');
              } catch (e) {
                toast(errorText(e), true);
              }
            },
          },
          t().reroute,
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            onclick: () =>
              reasonDialog(t().discardTitle, t().discardText, t().discard, true, async (reason) => {
                await ctx.api.held.discard(studyId, reason);
                toast(t().discarded);
                ctx.navigate('held');
              }),
          },
          t().discard,
        ),
      ]
    : [];
  root.replaceChildren(
    h('p', { class: 'breadcrumb' }, h('a', { href: '/admin/held' }, `← ${t().heldTitle}`)),
    pageHeader(`${t().study} #${s.studyId}`, ...buttons),
    h('p', { class: 'note' }, t().heldAuditNote),
    ...(s.holdReason === 'sender-changed' ? [h('div', { class: 'warning-box', role: 'alert', 'data-testid': 'sender-changed' }, t().senderChangedWarning)] : []),
    h(
      'dl',
      { class: 'summary' },
      ...pairs([
        [t().patientName, formatPersonName(s.patientName)],
        [t().patientId, s.patientId ?? t().none],
        [t().birthDate, formatDicomDate(s.patientBirthDate)],
        [t().studyDate, formatDicomDate(s.studyDate)],
        [t().studyDescription, s.studyDescription ?? t().none],
        [t().modalities, modalities],
        [t().referringPhysician, formatPersonName(s.referringPhysicianName)],
        [t().accessionNumber, s.accessionNumber ?? t().none],
        [t().institution, s.institutionName ?? t().none],
        [t().holdReason, holdReasonText(s)],
        [t().calling, s.callingAeTitle],
        [t().called, s.calledAeTitle],
        [t().remoteHost, s.remoteHost],
        [t().received, formatDateTime(s.firstReceivedAt)],
        [t().lastReceived, formatDateTime(s.lastReceivedAt)],
        [t().instances, formatNumber(s.instanceCount)],
        [t().size, formatBytes(s.totalBytes)],
      ]),
    ),
    h(
      'section',
      { 'aria-labelledby': 'series-h' },
      h('h2', { id: 'series-h' }, t().series),
      table(
        [
          { label: '#', cell: (x) => (x.seriesNumber ?? '') as string, class: 'num' },
          { label: t().description, cell: (x) => x.description ?? t().none },
          { label: t().modality, cell: (x) => x.modality ?? t().none },
          { label: t().instances, cell: (x) => formatNumber(x.instanceCount), class: 'num' },
        ],
        s.series ?? [],
      ),
    ),
  );
}

/** Why a study is held, in words; a follow-up says which generation it is. */
export function holdReasonText(s: HeldStudy): string {
  const reason = s.holdReason ? tk(`hold_${s.holdReason.replaceAll('-', '_')}`, s.holdReason) : t().none;
  return s.generation ? `${reason} (${t().followUp(s.generation)})` : reason;
}

/** A ship action for one held study: typed addresses (one per line: e-mail, optionally phone) and contacts. */
function addressDialog(ctx: AppContext, studyId: string): void {
  dialog(t().addressTitle, (body) => {
    const email = h('input', { type: 'email', autocomplete: 'off' });
    const phone = h('input', { type: 'tel', autocomplete: 'off', placeholder: '+420…' });
    const language = select(
      [
        ['', t().none],
        ['cs', 'Čeština'],
        ['pl', 'Polski'],
        ['en', 'English'],
      ],
      '',
    );
    const contactBox = h('fieldset', { class: 'contact-picks', 'data-field': 'recipients' }, h('legend', {}, t().contacts), h('p', { class: 'muted' }, t().loading));
    const expiry = h('input', { type: 'number', min: 1, max: 365, inputmode: 'numeric' });
    const downloads = h('input', { type: 'number', min: 1, inputmode: 'numeric' });
    body.append(
      h('div', { class: 'inline' }, field(t().email, email, 'recipients[0].email'), field(t().phone, phone, 'recipients[0].phone'), field(t().language, language, 'recipients[0].language')),
      contactBox,
      h('div', { class: 'inline' }, field(t().expiryDays, expiry, 'expiryDays'), field(t().maxDownloads, downloads, 'maxDownloads')),
    );
    ctx.api.contacts
      .list()
      .then((list: Contact[]) => {
        contactBox.replaceChildren(
          h('legend', {}, t().contacts),
          ...(list.length
            ? list.map((c) => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: String(c.id) }), ` ${c.name}${c.email ? ` <${c.email}>` : ''}`))
            : [h('p', { class: 'muted' }, t().noResults)]),
        );
      })
      .catch(() => contactBox.replaceChildren(h('legend', {}, t().contacts), h('p', { class: 'muted' }, t().failed)));
    return {
      submitLabel: t().address,
      onSubmit: async () => {
        const recipients: Record<string, unknown>[] = [];
        if (email.value.trim()) recipients.push({ email: email.value.trim(), ...(phone.value.trim() ? { phone: phone.value.trim() } : {}), ...(language.value ? { language: language.value } : {}) });
        contactBox.querySelectorAll<HTMLInputElement>('input:checked').forEach((i) => recipients.push({ contactId: Number(i.value) }));
        if (recipients.length === 0) {
          showErrors(body, { 'recipients[0].email': [t().recipientNeeded] });
          return false;
        }
        const action: Record<string, unknown> = { kind: 'ship', recipients };
        if (expiry.value) action.expiryDays = Number(expiry.value);
        if (downloads.value) action.maxDownloads = Number(downloads.value);
        const r = await ctx.api.held.address(studyId, action);
        toast(t().addressed(r?.shipmentIds?.length ?? 0));
        ctx.navigate('held');
      },
    };
  });
}
