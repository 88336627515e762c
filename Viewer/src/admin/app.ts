// What every page gets: the API, the signed-in account and what its roles allow, and navigation.

import type { Endpoints, Me, Role } from './api';

/** What a role allows, as the API's policies (Gateway/Administration/AdminPolicies.cs) put it. */
export type Capability = 'view' | 'resend' | 'administer' | 'audit';

const grants: Record<Role, Capability[]> = {
  administrator: ['view', 'resend', 'administer', 'audit'],
  operator: ['view', 'resend'],
  auditor: ['audit'],
};

export function capabilities(roles: readonly string[]): Set<Capability> {
  const result = new Set<Capability>();
  for (const r of roles) for (const c of grants[r as Role] ?? []) result.add(c);
  return result;
}

export interface AppContext {
  api: Endpoints;
  me: Me;
  can(c: Capability): boolean;
  /** Goes to /admin/<path> (path without the /admin/ prefix). */
  navigate(path: string, replace?: boolean): void;
}

export interface PageModule {
  /** Fills root (already in the document) for the route's parameters (the path segments after the section). */
  render(root: HTMLElement, ctx: AppContext, params: string[]): Promise<void> | void;
}

export interface Section {
  path: string;
  nav: string; // i18n key
  needs: Capability;
  load: () => Promise<PageModule>;
}

/** The sections in navigation order, each a lazily loaded module (chart.js only loads with the statistics). */
export const sections: Section[] = [
  { path: 'shipments', nav: 'nav_shipments', needs: 'view', load: () => import('./pages/shipments') },
  { path: 'held', nav: 'nav_held', needs: 'view', load: () => import('./pages/held') },
  { path: 'forwarding', nav: 'nav_forwarding', needs: 'view', load: () => import('./pages/forwarding') },
  { path: 'rules', nav: 'nav_rules', needs: 'view', load: () => import('./pages/rules') },
  { path: 'nodes', nav: 'nav_nodes', needs: 'view', load: () => import('./pages/nodes') },
  { path: 'contacts', nav: 'nav_contacts', needs: 'view', load: () => import('./pages/contacts') },
  { path: 'statistics', nav: 'nav_statistics', needs: 'view', load: () => import('./pages/statistics') },
  { path: 'audit', nav: 'nav_audit', needs: 'audit', load: () => import('./pages/audit') },
  { path: 'accounts', nav: 'nav_accounts', needs: 'administer', load: () => import('./pages/accounts') },
  { path: 'configuration', nav: 'nav_configuration', needs: 'view', load: () => import('./pages/configuration') },
];

/** The section and parameters of a /admin/... path. */
export function parsePath(pathname: string): { section: string; params: string[] } {
  const rest = pathname.replace(/^\/admin\/?/, '');
  const parts = rest.split('/').filter(Boolean).map(decodeURIComponent);
  return { section: parts[0] ?? '', params: parts.slice(1) };
}
