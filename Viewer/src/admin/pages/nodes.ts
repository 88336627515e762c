// Known DICOM nodes: who may send to the gateway and where it forwards; C-ECHO from the gateway's AE title.

import type { AppContext } from '../app';
import type { DicomNode } from '../api';
import { formatDateTime, t } from '../i18n';
import { badge, checkbox, confirmDialog, dialog, errorText, field, h, pageHeader, table, toast } from '../ui';

export async function render(root: HTMLElement, ctx: AppContext): Promise<void> {
  const [nodes, policy] = await Promise.all([ctx.api.nodes.list(), ctx.api.nodes.callerPolicy()]);
  const admin = ctx.can('administer');
  const reload = () => render(root, ctx);

  const echoCell = (n: DicomNode) => {
    const out = h('span', { class: 'echo-result', role: 'status' });
    const show = (ok: boolean, text: string) => out.replaceChildren(badge(ok ? '✓' : '✗', ok ? 'ok' : 'bad'), ' ', text);
    if (n.lastEcho) show(n.lastEcho.ok, `${formatDateTime(n.lastEcho.at)}${n.lastEcho.message ? ` · ${n.lastEcho.message}` : ''}`);
    const button = h('button', { type: 'button', class: 'secondary small', 'data-testid': 'echo' }, t().echo);
    button.addEventListener('click', async () => {
      button.disabled = true;
      out.replaceChildren(t().echoing);
      try {
        const r = await ctx.api.nodes.echo(n.id!);
        show(r.ok, r.ok ? t().echoOk(r.milliseconds) : t().echoFailed(r.message ?? ''));
      } catch (e) {
        show(false, errorText(e));
      } finally {
        button.disabled = false;
      }
    });
    return h('div', { class: 'echo' }, button, out);
  };

  root.replaceChildren(
    pageHeader(t().nodesTitle, admin ? h('button', { type: 'button', onclick: () => nodeDialog(ctx, null, reload) }, t().newNode) : ''),
    policy.anyoneCanSend ? h('div', { class: 'warning-box', role: 'alert', 'data-testid': 'anyone-can-send' }, t().anyoneCanSendWarning) : '',
    table<DicomNode>(
      [
        { label: t().name, cell: (n) => [h('strong', {}, n.name), n.description ? h('small', { class: 'muted block' }, n.description) : ''] },
        { label: t().aeTitle, cell: (n) => h('code', {}, n.aeTitle) },
        { label: t().host, cell: (n) => n.host },
        { label: t().port, cell: (n) => String(n.port), class: 'num' },
        { label: t().allowedToSend, cell: (n) => (n.allowedToSend ? t().yes : t().no) },
        { label: t().callingAddresses, cell: (n) => (n.callingAddresses?.length ? n.callingAddresses.join(', ') : n.host) },
        { label: t().clientCertificate, cell: (n) => (requiresCertificate(n) ? t().certificateRequired : '') },
        { label: t().forwardDestination, cell: (n) => (n.forwardDestination ? t().yes : t().no) },
        { label: 'TLS', cell: (n) => (n.tls ? t().yes : t().no) },
        { label: t().lastEcho, cell: echoCell },
        ...(admin
          ? [
              {
                label: t().actions,
                cell: (n: DicomNode) =>
                  h(
                    'div',
                    { class: 'row-actions' },
                    h('button', { type: 'button', class: 'secondary small', onclick: () => nodeDialog(ctx, n, reload) }, t().edit),
                    h(
                      'button',
                      {
                        type: 'button',
                        class: 'secondary small danger-text',
                        onclick: () =>
                          confirmDialog(t().confirmDelete(n.name), t().remove, async () => {
                            await ctx.api.nodes.remove(n.id!);
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
      nodes,
      { 'data-testid': 'nodes-table' },
    ),
  );
}

function nodeDialog(ctx: AppContext, node: DicomNode | null, reload: () => Promise<void>): void {
  const n: DicomNode = node
    ? { ...node }
    : { name: '', aeTitle: '', host: '', port: 104, allowedToSend: true, forwardDestination: false, description: '', tls: false, sealOnCommitment: true };
  dialog(node ? `${t().edit}: ${node.name}` : t().newNode, (body) => {
    const name = h('input', { value: n.name, required: true, maxlength: 100 });
    const ae = h('input', { value: n.aeTitle, required: true, maxlength: 16, spellcheck: 'false', autocapitalize: 'characters' });
    const host = h('input', { value: n.host, required: true, spellcheck: 'false' });
    const port = h('input', { type: 'number', min: 1, max: 65535, value: n.port, required: true, inputmode: 'numeric' });
    const description = h('input', { value: n.description ?? '' });
    const callingAddresses = h('input', { value: (n.callingAddresses ?? []).join(', '), spellcheck: 'false' });
    const transferSyntaxes = h('input', { value: (n.transferSyntaxes ?? []).join(', '), spellcheck: 'false' });
    const thumbprint = h('input', { value: n.certificateThumbprint ?? '', spellcheck: 'false', maxlength: 1000 });
    const subject = h('input', { value: n.certificateSubject ?? '', spellcheck: 'false', maxlength: 1000 });
    const issuer = h('input', { value: n.certificateIssuer ?? '', spellcheck: 'false', maxlength: 1000 });
    body.append(
      field(t().name, name, 'name'),
      h('div', { class: 'inline' }, field(t().aeTitle, ae, 'aeTitle'), field(t().host, host, 'host'), field(t().port, port, 'port')),
      field(t().description, description, 'description'),
      checkbox(t().allowedToSend, n.allowedToSend, (v) => (n.allowedToSend = v), 'allowedToSend'),
      checkbox(t().forwardDestination, n.forwardDestination, (v) => (n.forwardDestination = v), 'forwardDestination'),
      field(t().callingAddresses, callingAddresses, 'callingAddresses', t().callingAddressesHint),
      field(t().transferSyntaxes, transferSyntaxes, 'transferSyntaxes', t().transferSyntaxesHint),
      checkbox(t().nodeTls, n.tls ?? false, (v) => (n.tls = v), 'tls'),
      field(t().certificateThumbprint, thumbprint, 'certificateThumbprint', t().certificateThumbprintHint),
      h('div', { class: 'inline' }, field(t().certificateSubject, subject, 'certificateSubject'), field(t().certificateIssuer, issuer, 'certificateIssuer', t().certificateNameHint)),
      checkbox(t().sealOnCommitment, n.sealOnCommitment ?? true, (v) => (n.sealOnCommitment = v), 'sealOnCommitment'),
    );
    return {
      onSubmit: async () => {
        const value: DicomNode = {
          name: name.value.trim(),
          aeTitle: ae.value.trim(),
          host: host.value.trim(),
          port: Number(port.value),
          allowedToSend: n.allowedToSend,
          forwardDestination: n.forwardDestination,
          description: description.value.trim() || null,
          callingAddresses: splitList(callingAddresses.value),
          transferSyntaxes: splitList(transferSyntaxes.value),
          tls: n.tls ?? false,
          certificateThumbprint: thumbprint.value.trim() || null,
          certificateSubject: subject.value.trim() || null,
          certificateIssuer: issuer.value.trim() || null,
          sealOnCommitment: n.sealOnCommitment ?? true,
        };
        if (node?.id !== undefined) await ctx.api.nodes.update(node.id, { ...value, id: node.id });
        else await ctx.api.nodes.create(value);
        toast(t().saved);
        await reload();
      },
    };
  });
}

/** Whether the node must present a TLS client certificate: a thumbprint, or a subject and an issuer. */
export function requiresCertificate(n: Pick<DicomNode, 'certificateThumbprint' | 'certificateSubject' | 'certificateIssuer'>): boolean {
  return !!n.certificateThumbprint || (!!n.certificateSubject && !!n.certificateIssuer);
}

/** The entries of a comma-, semicolon- or space-separated list as typed, trimmed, without empty ones. */
export function splitList(text: string): string[] {
  return text
    .split(/[,;\s]+/)
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
}
