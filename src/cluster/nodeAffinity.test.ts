import type { Node, PodSpec } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { matchesRequiredNodeAffinity } from './nodeAffinity.js';

const node = (labels: Record<string, string>): Node => ({ metadata: { name: 'n0', labels } });
const requiring = (operator: string, value: string): PodSpec => ({
  containers: [],
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'n', operator, values: [value] }] }],
      },
    },
  },
});

describe('Gt and Lt compare as Go int64 (strconv.ParseInt), not as JavaScript numbers', () => {
  // 2^53 + 1 and 2^53 are the same JavaScript number; as int64 they differ.
  it.each([
    ['Gt', '9007199254740992', '9007199254740993', true],
    ['Lt', '9007199254740993', '9007199254740992', true],
    ['Gt', '9223372036854775806', '9223372036854775807', true],
    ['Lt', '-9223372036854775807', '-9223372036854775808', true],
    ['Gt', '1', '+2', true],
    ['Gt', '1', '002', true],
  ])('%s %s against label %s', (op, bound, label, want) => {
    expect(matchesRequiredNodeAffinity(requiring(op, bound), node({ n: label }))).toBe(want);
  });

  it('a label value outside int64 never matches', () => {
    expect(matchesRequiredNodeAffinity(requiring('Gt', '1'), node({ n: '9223372036854775808' }))).toBe(false);
    expect(matchesRequiredNodeAffinity(requiring('Lt', '1'), node({ n: '-9223372036854775809' }))).toBe(false);
  });

  it('a bound outside int64 makes the term invalid: it matches no node', () => {
    expect(matchesRequiredNodeAffinity(requiring('Lt', '9223372036854775808'), node({ n: '1' }))).toBe(false);
  });
});
