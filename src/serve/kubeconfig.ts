/**
 * The kubeconfig `dsconform serve` writes: one cluster (plain HTTP on loopback, which kubectl and
 * client libraries accept for an http:// server; client-node only with insecure-skip-tls-verify), one user without credentials (the served API
 * does not authenticate: it listens on 127.0.0.1 only) and one context, current.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'yaml';

export const SERVED_CONTEXT = 'dsconform';

export function kubeconfigFor(server: string, namespace = 'default', token?: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    // client-node refuses an http:// server unless TLS verification is off (there is no TLS to verify).
    clusters: [{ name: SERVED_CONTEXT, cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: SERVED_CONTEXT, user: token === undefined ? {} : { token } }],
    contexts: [{ name: SERVED_CONTEXT, context: { cluster: SERVED_CONTEXT, user: SERVED_CONTEXT, namespace } }],
    'current-context': SERVED_CONTEXT,
    preferences: {},
  });
}

/** Writes the kubeconfig; a token (never checked) marks the requests made with it as a given client's. */
export function writeKubeconfig(file: string, server: string, token?: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, kubeconfigFor(server, 'default', token), { mode: 0o600 });
}
