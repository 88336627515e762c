// The sign-in form, the forced password change at first sign-in, and the password change dialog.

import { ApiError, type Endpoints, type Me } from './api';
import { t } from './i18n';
import { clearErrors, dialog, field, h, showErrors, showFormError } from './ui';

export function renderLogin(root: HTMLElement, api: Endpoints, onSignedIn: (me: Me) => void): void {
  const username = h('input', { type: 'text', name: 'username', autocomplete: 'username', required: true, autocapitalize: 'off', spellcheck: 'false' });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const message = h('p', { class: 'form-errors', role: 'alert', 'data-testid': 'login-message' });
  const submit = h('button', { type: 'submit', id: 'sign-in' }, t().signIn);
  const oidc = h('p', { class: 'oidc' });
  const form = h(
    'form',
    { class: 'login-form', novalidate: true, 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, t().signInTitle),
    h('p', { class: 'muted' }, t().signInText),
    message,
    field(t().username, username, 'username'),
    field(t().password, password, 'password'),
    h('div', { class: 'form-buttons' }, submit),
    oidc,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const missing: Record<string, string[]> = {};
    if (!username.value.trim()) missing.username = [t().fixErrors];
    if (!password.value) missing.password = [t().fixErrors];
    if (Object.keys(missing).length) {
      showErrors(form, missing);
      return;
    }
    submit.disabled = true;
    submit.textContent = t().signingIn;
    try {
      const me = await api.auth.login(username.value.trim(), password.value);
      password.value = '';
      onSignedIn(me);
    } catch (err) {
      password.value = '';
      if (err instanceof ApiError && err.kind === 'unauthorized') message.replaceChildren(t().invalidCredentials);
      else showFormError(form, err);
      password.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = t().signIn;
    }
  });
  root.replaceChildren(h('div', { class: 'login-page' }, form));
  username.focus();
  api.auth
    .providers()
    .then((p) => {
      if (p.oidc) oidc.replaceChildren(h('a', { class: 'button secondary', href: '/api/auth/oidc' }, t().signInWith(p.oidcName || 'OpenID Connect')));
    })
    .catch(() => undefined);
}

/** The fields of a password change; returns the form, its body and a submit that resolves when changed. */
function passwordFields(api: Endpoints): { body: HTMLElement; submit: () => Promise<boolean> } {
  const current = h('input', { type: 'password', autocomplete: 'current-password', required: true });
  const next = h('input', { type: 'password', autocomplete: 'new-password', required: true, minlength: 12 });
  const again = h('input', { type: 'password', autocomplete: 'new-password', required: true });
  const body = h('div', {}, field(t().currentPassword, current, 'currentPassword'), field(t().newPassword, next, 'newPassword'), field(t().confirmPassword, again, 'confirmPassword'));
  const submit = async () => {
    clearErrors(body);
    const errors: Record<string, string[]> = {};
    if (!current.value) errors.currentPassword = [t().fixErrors];
    if (!next.value) errors.newPassword = [t().fixErrors];
    if (next.value !== again.value) errors.confirmPassword = [t().passwordsDiffer];
    if (Object.keys(errors).length) {
      showErrors(body, errors);
      return false;
    }
    try {
      await api.auth.changePassword(current.value, next.value);
    } catch (e) {
      // A wrong current password may come back as 400 with a field error or as a plain 400.
      if (e instanceof ApiError && e.kind === 'invalid' && Object.keys(e.fieldErrors).length === 0) {
        showErrors(body, { newPassword: [e.message !== 'invalid' ? e.message : t().fixErrors] });
        return false;
      }
      throw e;
    } finally {
      current.value = next.value = again.value = '';
    }
    return true;
  };
  return { body, submit };
}

export function renderForcedPasswordChange(root: HTMLElement, api: Endpoints, onChanged: () => Promise<void>): void {
  const { body, submit } = passwordFields(api);
  const button = h('button', { type: 'submit' }, t().changePassword);
  const form = h(
    'form',
    { class: 'login-form', novalidate: true, 'aria-labelledby': 'pw-title', 'data-testid': 'forced-password-change' },
    h('h1', { id: 'pw-title' }, t().mustChangeTitle),
    h('p', { class: 'muted' }, t().mustChangeText),
    h('div', { class: 'form-errors', role: 'alert' }),
    body,
    h('div', { class: 'form-buttons' }, button),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    button.disabled = true;
    try {
      if (await submit()) await onChanged();
    } catch (err) {
      showFormError(form, err);
    } finally {
      button.disabled = false;
    }
  });
  root.replaceChildren(h('div', { class: 'login-page' }, form));
  form.querySelector('input')?.focus();
}

export function passwordDialog(api: Endpoints, onChanged: () => void): void {
  dialog(t().changePassword, (body) => {
    const f = passwordFields(api);
    body.append(f.body);
    return {
      submitLabel: t().changePassword,
      onSubmit: async () => {
        const ok = await f.submit();
        if (ok) onChanged();
        return ok;
      },
    };
  });
}
