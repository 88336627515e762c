// Accounts and API keys. One-time passwords and new keys are shown once in a dialog and kept nowhere.

import type { AppContext } from '../app';
import type { Account, ApiKey, Role } from '../api';
import { formatDateTime, t, tk } from '../i18n';
import { badge, confirmDialog, dialog, errorText, field, h, pageHeader, secretDialog, select, showErrors, table, toast } from '../ui';

const roles: Role[] = ['administrator', 'operator', 'auditor'];

export async function render(root: HTMLElement, ctx: AppContext): Promise<void> {
  const [accounts, keys] = await Promise.all([ctx.api.accounts.list(), ctx.api.apiKeys.list()]);
  const reload = () => render(root, ctx);
  const act = (f: () => Promise<void>) => async () => {
    try {
      await f();
    } catch (e) {
      toast(errorText(e), true);
    }
  };

  const accountTable = table<Account>(
    [
      { label: t().username, cell: (a) => [h('strong', {}, a.username), a.displayName ? h('small', { class: 'muted block' }, a.displayName) : ''] },
      { label: t().roles, cell: (a) => a.roles.map((r) => tk(`role_${r}`, r)).join(', ') },
      {
        label: t().state,
        cell: (a) =>
          h(
            'div',
            { class: 'badges' },
            a.disabled ? badge(t().disabled, 'muted') : badge(t().enabled, 'ok'),
            a.lockedUntil && new Date(a.lockedUntil) > new Date() ? badge(`${t().locked} ${formatDateTime(a.lockedUntil)}`, 'bad') : '',
            a.mustChangePassword ? badge(t().mustChange, 'warn') : '',
          ),
      },
      { label: t().lastSignIn, cell: (a) => formatDateTime(a.lastSignInAt) },
      { label: t().created, cell: (a) => formatDateTime(a.createdAt) },
      {
        label: t().actions,
        cell: (a) =>
          h(
            'div',
            { class: 'row-actions' },
            h('button', { type: 'button', class: 'secondary small', onclick: () => accountDialog(ctx, a, reload) }, t().edit),
            h(
              'button',
              {
                type: 'button',
                class: 'secondary small',
                onclick: () =>
                  confirmDialog(`${t().resetPassword}: ${a.username}?`, t().resetPassword, async () => {
                    const r = await ctx.api.accounts.resetPassword(a.id);
                    await reload();
                    secretDialog(t().oneTimePasswordTitle, t().oneTimePasswordText, r.oneTimePassword);
                  }),
              },
              t().resetPassword,
            ),
            a.lockedUntil
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'secondary small',
                    onclick: act(async () => {
                      await ctx.api.accounts.unlock(a.id);
                      toast(t().unlocked);
                      await reload();
                    }),
                  },
                  t().unlock,
                )
              : '',
            h(
              'button',
              {
                type: 'button',
                class: 'secondary small',
                onclick: act(async () => {
                  await ctx.api.accounts.update(a.id, { displayName: a.displayName, roles: a.roles, disabled: !a.disabled });
                  toast(t().saved);
                  await reload();
                }),
              },
              a.disabled ? t().enable : t().disable,
            ),
            a.username !== ctx.me.username
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'secondary small danger-text',
                    onclick: () =>
                      confirmDialog(t().confirmDelete(a.username), t().remove, async () => {
                        await ctx.api.accounts.remove(a.id);
                        toast(t().removed);
                        await reload();
                      }),
                  },
                  t().remove,
                )
              : '',
          ),
      },
    ],
    accounts,
    { 'data-testid': 'accounts-table' },
  );

  const keyTable = table<ApiKey>(
    [
      { label: t().name, cell: (k) => h('strong', {}, k.name) },
      { label: t().role, cell: (k) => tk(`role_${k.role}`, k.role) },
      { label: t().prefix, cell: (k) => h('code', {}, `${k.prefix}…`) },
      { label: t().created, cell: (k) => [formatDateTime(k.createdAt), h('small', { class: 'muted block' }, k.createdBy)] },
      { label: t().lastUsed, cell: (k) => formatDateTime(k.lastUsedAt) },
      { label: t().state, cell: (k) => (k.revokedAt ? badge(`${t().revokedAt} ${formatDateTime(k.revokedAt)}`, 'muted') : badge(t().enabled, 'ok')) },
      {
        label: t().actions,
        cell: (k) =>
          k.revokedAt
            ? ''
            : h(
                'button',
                {
                  type: 'button',
                  class: 'secondary small danger-text',
                  onclick: () =>
                    confirmDialog(`${t().revokeKey}: ${k.name}?`, t().revokeKey, async () => {
                      await ctx.api.apiKeys.revoke(k.id);
                      toast(t().keyRevoked);
                      await reload();
                    }),
                },
                t().revokeKey,
              ),
      },
    ],
    keys,
    { 'data-testid': 'api-keys-table' },
  );

  root.replaceChildren(
    pageHeader(t().accountsTitle, h('button', { type: 'button', onclick: () => accountDialog(ctx, null, reload) }, t().newAccount)),
    accountTable,
    h('div', { class: 'page-header' }, h('h2', {}, t().apiKeysTitle), h('div', { class: 'page-actions' }, h('button', { type: 'button', onclick: () => keyDialog(ctx, reload) }, t().newApiKey))),
    keyTable,
  );
}

function rolePicker(selected: Role[]): HTMLFieldSetElement {
  return h(
    'fieldset',
    { class: 'roles', 'data-field': 'roles' },
    h('legend', {}, t().roles),
    ...roles.map((r) => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: r, checked: selected.includes(r) }), ` ${tk(`role_${r}`)}`)),
  );
}

function pickedRoles(box: HTMLElement): Role[] {
  return [...box.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value as Role);
}

function accountDialog(ctx: AppContext, account: Account | null, reload: () => Promise<void>): void {
  dialog(account ? `${t().edit}: ${account.username}` : t().newAccount, (body) => {
    const username = h('input', { value: account?.username ?? '', required: true, autocomplete: 'off', spellcheck: 'false', disabled: !!account });
    const displayName = h('input', { value: account?.displayName ?? '', autocomplete: 'off' });
    const picker = rolePicker(account?.roles ?? ['operator']);
    body.append(field(t().username, username, 'username'), field(t().displayName, displayName, 'displayName'), picker);
    return {
      onSubmit: async () => {
        const chosen = pickedRoles(picker);
        if (chosen.length === 0 || (!account && !username.value.trim())) {
          showErrors(body, { ...(chosen.length ? {} : { roles: [t().fixErrors] }), ...(!account && !username.value.trim() ? { username: [t().fixErrors] } : {}) });
          return false;
        }
        if (account) {
          await ctx.api.accounts.update(account.id, { displayName: displayName.value.trim(), roles: chosen, disabled: account.disabled });
          toast(t().saved);
          await reload();
        } else {
          const r = await ctx.api.accounts.create({ username: username.value.trim(), displayName: displayName.value.trim(), roles: chosen });
          await reload();
          secretDialog(t().oneTimePasswordTitle, t().oneTimePasswordText, r.oneTimePassword);
        }
      },
    };
  });
}

function keyDialog(ctx: AppContext, reload: () => Promise<void>): void {
  dialog(t().newApiKey, (body) => {
    const name = h('input', { required: true, autocomplete: 'off' });
    const role = select(
      roles.map((r): [string, string] => [r, tk(`role_${r}`)]),
      'operator',
    );
    body.append(field(t().name, name, 'name'), field(t().role, role, 'role'));
    return {
      onSubmit: async () => {
        if (!name.value.trim()) {
          showErrors(body, { name: [t().fixErrors] });
          return false;
        }
        const r = await ctx.api.apiKeys.create({ name: name.value.trim(), role: role.value as Role });
        await reload();
        secretDialog(t().keyTitle, t().keyText, r.key);
      },
    };
  });
}
