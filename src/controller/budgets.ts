/**
 * Rolling-update budgets: util.UnavailableCount, util.SurgeCount, util.AllowsSurge and
 * intstr.GetScaledValueFromIntOrPercent with round-up.
 */
import type { DaemonSet } from '../cluster/objects.js';

export type IntOrString = number | string;

/**
 * GetScaledValueFromIntOrPercent(roundUp=true): ints as-is, "p%" → ceil(p·total/100); other
 * strings, and a missing value (nil), are errors.
 */
export function scaledValueFromIntOrPercent(value: IntOrString | undefined, total: number): number {
  if (value === undefined || value === null) throw new Error('nil value for IntOrString');
  if (typeof value === 'number') return value;
  const match = /^(\d+)%$/.exec(value);
  if (match === null)
    throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage: "${value}"`);
  return Math.ceil((Number(match[1]) * total) / 100);
}

/** The rollingUpdate block, only when the type is exactly RollingUpdate (an undefaulted object may have none). */
function rollingUpdateOf(ds: DaemonSet) {
  const strategy = ds.spec?.updateStrategy;
  if (strategy?.type !== 'RollingUpdate') return undefined;
  return strategy.rollingUpdate ?? undefined;
}

/** UnavailableCount: 0 unless RollingUpdate with a rollingUpdate block; a nil maxUnavailable is an error. */
export function unavailableCount(ds: DaemonSet, desired: number): number {
  const ru = rollingUpdateOf(ds);
  return ru === undefined ? 0 : scaledValueFromIntOrPercent(ru.maxUnavailable, desired);
}

/** SurgeCount: 0 unless RollingUpdate with a maxSurge. */
export function surgeCount(ds: DaemonSet, desired: number): number {
  const ru = rollingUpdateOf(ds);
  return ru?.maxSurge == null ? 0 : scaledValueFromIntOrPercent(ru.maxSurge, desired);
}

/** AllowsSurge: any positive surge, judged as if one node were desired (a positive percent rounds up to 1). */
export function allowsSurge(ds: DaemonSet): boolean {
  try {
    return surgeCount(ds, 1) > 0;
  } catch {
    return false;
  }
}

/**
 * The effective budgets of updatedDesiredNodeCounts: if a DaemonSet with desired nodes ends up with
 * both budgets 0, it falls back to maxUnavailable = 1.
 */
export function effectiveBudgets(ds: DaemonSet, desired: number): { maxSurge: number; maxUnavailable: number } {
  let maxUnavailable = unavailableCount(ds, desired);
  const maxSurge = surgeCount(ds, desired);
  if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}
