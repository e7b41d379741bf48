/**
 * The API validation the model needs (note §7): a DaemonSet spec or strategy change that fails
 * these is rejected and changes nothing. Template validation beyond placement is not modelled.
 */
import type { DaemonSetSpec, IntOrPercent, UpdateStrategy } from './types.ts';

/** ValidatePositiveIntOrPercent + IsNotMoreThan100Percent. */
function intOrPercentProblems(field: string, value: IntOrPercent): string[] {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 ? [] : [`${field} must be a non-negative integer`];
  }
  const match = /^(\d+)%$/.exec(value);
  if (!match) return [`${field} must be an integer or a percentage like "25%"`];
  return Number(match[1]) > 100 ? [`${field} must not be greater than 100%`] : [];
}

const isZero = (v: IntOrPercent) => (typeof v === 'number' ? v === 0 : /^0+%$/.test(v));

/** ValidateRollingUpdateDaemonSet: each budget valid, exactly one of them non-zero. */
export function validateUpdateStrategy(strategy: UpdateStrategy): string[] {
  if (strategy.type === 'OnDelete') return [];
  const problems = [
    ...intOrPercentProblems('maxUnavailable', strategy.maxUnavailable),
    ...intOrPercentProblems('maxSurge', strategy.maxSurge),
  ];
  if (problems.length > 0) return problems;
  const mu = isZero(strategy.maxUnavailable);
  const ms = isZero(strategy.maxSurge);
  if (!mu && !ms) return ['maxSurge may not be set when maxUnavailable is non-zero'];
  if (mu && ms) return ['maxUnavailable cannot be 0 when maxSurge is 0'];
  return [];
}

/** The spec checks that matter to the model (ValidateDaemonSetSpec, minus pod-template validation). */
export function validateDaemonSetSpec(spec: DaemonSetSpec): string[] {
  const problems = [...validateUpdateStrategy(spec.updateStrategy)];
  if (!Number.isInteger(spec.minReadySeconds) || spec.minReadySeconds < 0) {
    problems.push('minReadySeconds must be a non-negative integer');
  }
  if (!Number.isInteger(spec.revisionHistoryLimit) || spec.revisionHistoryLimit < 0) {
    problems.push('revisionHistoryLimit must be a non-negative integer');
  }
  return problems;
}
