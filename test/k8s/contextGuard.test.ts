import { describe, expect, it } from 'vitest';
import { looksLikeTestCluster } from '../../src/k8s/contextGuard.js';

describe('which clusters the adapter agrees to create and delete nodes on', () => {
  it.each([
    ['kind-dsconform', 'kind-dsconform', 'https://10.0.0.5:6443', 'context "kind-dsconform" contains "kind-"'],
    ['kwok-test', 'kwok-test', 'https://10.0.0.5:6443', 'context "kwok-test" contains "kwok-"'],
    ['minikube', 'minikube', 'https://192.168.49.2:8443', 'context "minikube" contains "minikube"'],
    ['k3d-dev', 'k3d-dev', 'https://0.0.0.0:6550', 'context "k3d-dev" contains "k3d-"'],
    [
      'docker-desktop',
      'docker-desktop',
      'https://kubernetes.docker.internal:6443',
      'context "docker-desktop" contains "docker-desktop"',
    ],
    ['admin@lab', 'kind-lab', 'https://10.0.0.5:6443', 'cluster "kind-lab" contains "kind-"'],
    ['dev', 'dev', 'https://127.0.0.1:6443', 'the API server https://127.0.0.1:6443 is on this machine'],
    ['dev', 'dev', 'http://localhost:8080', 'the API server http://localhost:8080 is on this machine'],
    ['dev', 'dev', 'https://[::1]:6443', 'the API server https://[::1]:6443 is on this machine'],
  ])('accepts context %s (cluster %s, server %s)', (context, cluster, server, reason) => {
    expect(looksLikeTestCluster({ context, cluster, server })).toEqual({ ok: true, reason });
  });

  it.each([
    ['prod-eu-1', 'prod-eu-1', 'https://10.1.2.3:6443'],
    ['arn:aws:eks:eu-west-1:123456789012:cluster/payments', 'payments', 'https://ABC.gr7.eu-west-1.eks.amazonaws.com'],
    ['gke_project_europe-west1_main', 'gke_project_europe-west1_main', 'https://34.76.1.2'],
    ['staging', 'staging', 'https://127.0.0.2:6443'],
    ['kindly-prod', 'prod', 'https://10.0.0.1'],
  ])('refuses context %s (cluster %s, server %s)', (context, cluster, server) => {
    const verdict = looksLikeTestCluster({ context, cluster, server });
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toBe(
      `context "${context}" (cluster "${cluster}", server ${server}) does not look like a throwaway test cluster: no kind-, kwok-, minikube, k3d-, docker-desktop in its name and not on localhost`,
    );
  });
});
