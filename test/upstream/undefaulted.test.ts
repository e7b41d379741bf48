/**
 * DaemonSet objects that skipped API defaulting (possible only when a controller reads objects
 * that bypassed the API server, as upstream's own unit tests do): the reference must do what
 * upstream does, not assume RollingUpdate with a budget of one (issue 14 item 3).
 * - updateDaemonSet switches on spec.updateStrategy.type: an empty type runs no rolling update.
 * - util.UnavailableCount scales a nil maxUnavailable with GetScaledValueFromIntOrPercent, which
 *   fails ("nil value for IntOrString"): rollingUpdate returns that error, the sync fails.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import { describe, expect, it } from 'vitest';
import { allowsSurge, effectiveBudgets } from '../../src/controller/budgets.js';
import { newDaemonSet, TestController } from './harness.js';

function withStrategy(ds: DaemonSet, strategy: NonNullable<DaemonSet['spec']>['updateStrategy']): void {
  if (ds.spec === undefined) throw new Error('DaemonSet without spec');
  if (strategy === undefined) delete ds.spec.updateStrategy;
  else ds.spec.updateStrategy = strategy;
  const container = ds.spec.template.spec?.containers[0];
  if (container) container.image = 'foo2/bar2';
}

function rolledOver(strategy: NonNullable<DaemonSet['spec']>['updateStrategy'], expectedError?: string) {
  const tc = new TestController();
  let ds = tc.addDaemonSet(newDaemonSet('foo'));
  tc.addNodes(0, 3);
  tc.expectSyncDaemonSets(ds, 3, 0, 0);
  tc.markPodsReady();
  ds = tc.updateDaemonSet(ds, (d) => withStrategy(d, strategy));
  tc.clearExpectations(ds);
  return tc.expectSyncDaemonSets(ds, 0, 0, 0, expectedError === undefined ? {} : { expectedError });
}

describe('update strategies that skipped defaulting', () => {
  it('no updateStrategy at all: nothing is rolled (no case of the switch matches)', () => {
    expect(rolledOver(undefined).deletes).toBe(0);
  });

  it('an empty type: nothing is rolled', () => {
    expect(rolledOver({}).deletes).toBe(0);
  });

  it('RollingUpdate without a rollingUpdate block: budgets 0, so maxUnavailable falls back to 1', () => {
    const ds = newDaemonSet('foo');
    withStrategy(ds, { type: 'RollingUpdate' });
    expect(effectiveBudgets(ds, 3)).toEqual({ maxSurge: 0, maxUnavailable: 1 });
  });

  it("RollingUpdate with a nil maxUnavailable: the rolling update fails with upstream's error", () => {
    rolledOver({ type: 'RollingUpdate', rollingUpdate: {} }, 'nil value for IntOrString');
    const ds = newDaemonSet('foo');
    withStrategy(ds, { type: 'RollingUpdate', rollingUpdate: {} });
    expect(allowsSurge(ds)).toBe(false);
  });
});
