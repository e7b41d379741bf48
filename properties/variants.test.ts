/**
 * Variants (src/harness/mutants.ts VARIANTS): the reference making other correct choices must
 * conform on every profile, or the specification re-runs one algorithm instead of stating rules.
 * Each variant is shown to choose differently from the reference, so that passing means something.
 */
import { describe, expect, it } from 'vitest';
import type { DsEvent } from '../model/events.ts';
import type { DaemonSetSpec } from '../model/types.ts';
import { referenceImplementation } from '../src/harness/implementation.js';
import { mutantOptionsForStore, VARIANTS } from '../src/harness/mutants.js';
import type { ProfileName } from '../src/harness/profiles.js';
import { expectConforms, runs } from './support.js';

const PROFILES: readonly ProfileName[] = ['core', 'taints', 'rolling-update', 'deletion', 'all'];

const variant = (name: string) => {
  const v = VARIANTS.find((m) => m.name === name);
  if (!v) throw new Error(`no variant ${name}`);
  return referenceImplementation(`variant ${name}`, mutantOptionsForStore(v));
};

describe('variants conform', () => {
  for (const v of VARIANTS) {
    for (const profile of PROFILES) {
      it(`${v.name} on ${profile}: ${v.description}`, { timeout: 120_000 }, async () => {
        await expectConforms({ profile, runs: runs(120), implementation: variant(v.name) });
      });
    }
  }
});

describe('reordered chooses differently from the reference', () => {
  it('with maxUnavailable 1 over three nodes, it replaces the pod of the last node first', async () => {
    const spec: DaemonSetSpec = {
      template: { image: 'v1', nodeSelector: {}, tolerations: [], hostNetwork: false },
      updateStrategy: { type: 'RollingUpdate', maxUnavailable: 1, maxSurge: 0 },
      minReadySeconds: 0,
      revisionHistoryLimit: 10,
    };
    const events: DsEvent[] = [
      ...['n0', 'n1', 'n2'].map((node): DsEvent => ({ type: 'NODE_ADDED', node })),
      { type: 'DS_CREATED', spec },
    ];
    const firstReplaced = async (implementation: ReturnType<typeof referenceImplementation>) => {
      const system = await implementation.makeSystem();
      try {
        for (const e of events) await system.apply(e);
        await system.quiesce();
        await system.apply({ type: 'TEMPLATE_UPDATED', template: { ...spec.template, image: 'v2' } });
        // The controller may need a step to see the new template before it deletes.
        for (let i = 0; i < 3; i++) {
          await system.apply({ type: 'CONTROLLER_SYNC' });
          const deletes = system.observe().lastStep?.controller.deletes ?? [];
          if (deletes.length > 0) {
            const before = system.observe().pods;
            return deletes.map((name) => before.find((p) => p.name === name)?.node);
          }
        }
        return [];
      } finally {
        await system.dispose();
        await implementation.close();
      }
    };
    expect(await firstReplaced(referenceImplementation())).toEqual(['n0']);
    expect(await firstReplaced(variant('reordered'))).toEqual(['n2']);
  });
});
