// The address book: people and departments studies are shipped to, with the DICOM names (Novak^Jan) that a
// rule's lookup attribute (e.g. ReferringPhysicianName) finds them by.

import type { AppContext } from '../app';
import type { Contact } from '../api';
import { t } from '../i18n';
import { confirmDialog, dialog, field, h, pageHeader, select, table, toast } from '../ui';

export async function render(root: HTMLElement, ctx: AppContext): Promise<void> {
  const contacts = await ctx.api.contacts.list();
  const admin = ctx.can('administer');
  const reload = () => render(root, ctx);
  root.replaceChildren(
    pageHeader(t().contactsTitle, admin ? h('button', { type: 'button', onclick: () => contactDialog(ctx, null, reload) }, t().newContact) : ''),
    table<Contact>(
      [
        { label: t().name, cell: (c) => [h('strong', {}, c.name), c.organisation ? h('small', { class: 'muted block' }, c.organisation) : ''] },
        { label: t().email, cell: (c) => c.email ?? t().none },
        { label: t().phone, cell: (c) => c.phone ?? t().none },
        { label: t().language, cell: (c) => c.language ?? t().none },
        { label: t().dicomNames, cell: (c) => (c.dicomNames?.length ? h('ul', { class: 'plain' }, ...c.dicomNames.map((n) => h('li', {}, h('code', {}, n)))) : t().none) },
        { label: t().notes, cell: (c) => c.notes ?? '' },
        ...(admin
          ? [
              {
                label: t().actions,
                cell: (c: Contact) =>
                  h(
                    'div',
                    { class: 'row-actions' },
                    h('button', { type: 'button', class: 'secondary small', onclick: () => contactDialog(ctx, c, reload) }, t().edit),
                    h(
                      'button',
                      {
                        type: 'button',
                        class: 'secondary small danger-text',
                        onclick: () =>
                          confirmDialog(t().confirmDelete(c.name), t().remove, async () => {
                            await ctx.api.contacts.remove(c.id!);
                            toast(t().removed);
                            await reload();
                          }),
                      },
                      t().remove,
                    ),
                  ),
              },
            ]
          : []),
      ],
      contacts,
      { 'data-testid': 'contacts-table' },
    ),
  );
}

function contactDialog(ctx: AppContext, contact: Contact | null, reload: () => Promise<void>): void {
  dialog(contact ? `${t().edit}: ${contact.name}` : t().newContact, (body) => {
    const name = h('input', { value: contact?.name ?? '', required: true, maxlength: 200 });
    const email = h('input', { type: 'email', value: contact?.email ?? '', autocomplete: 'off' });
    const phone = h('input', { type: 'tel', value: contact?.phone ?? '', autocomplete: 'off', placeholder: '+420…' });
    const language = select(
      [
        ['', t().none],
        ['cs', 'Čeština'],
        ['pl', 'Polski'],
        ['en', 'English'],
      ],
      contact?.language ?? '',
    );
    const organisation = h('input', { value: contact?.organisation ?? '' });
    const names = h('textarea', { rows: 3, spellcheck: 'false' });
    names.value = (contact?.dicomNames ?? []).join('\n');
    const notes = h('textarea', { rows: 2 });
    notes.value = contact?.notes ?? '';
    body.append(
      field(t().name, name, 'name'),
      h('div', { class: 'inline' }, field(t().email, email, 'email'), field(t().phone, phone, 'phone'), field(t().language, language, 'language')),
      field(t().organisation, organisation, 'organisation'),
      field(t().dicomNames, names, 'dicomNames', t().dicomNamesHint),
      field(t().notes, notes, 'notes'),
    );
    return {
      onSubmit: async () => {
        const value: Contact = {
          name: name.value.trim(),
          email: email.value.trim() || null,
          phone: phone.value.trim() || null,
          language: language.value || null,
          organisation: organisation.value.trim() || null,
          dicomNames: names.value
            .split('\n')
            .map((s) => s.trim())
            .filter(Boolean),
          notes: notes.value.trim() || null,
        };
        if (contact?.id !== undefined) await ctx.api.contacts.update(contact.id, { ...value, id: contact.id });
        else await ctx.api.contacts.create(value);
        toast(t().saved);
        await reload();
      },
    };
  });
}
