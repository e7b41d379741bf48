import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INVARIANTS } from './invariants.ts';
import { invariantsMarkdown, machineDot, rulesMarkdown } from './render.ts';

const doc = (name: string) => readFileSync(new URL(`../docs/${name}`, import.meta.url), 'utf8');

describe('generated documentation is current', () => {
  it('docs/invariants.md matches the catalogue (npx tsx scripts/gen-invariants.ts)', () => {
    // The kill matrix that follows names src/ mutants: test/killMatrix.test.ts checks the whole file.
    expect(doc('invariants.md').startsWith(invariantsMarkdown())).toBe(true);
  });

  it('docs/rules.md matches the rule catalogue (npx tsx scripts/gen-invariants.ts)', () => {
    expect(doc('rules.md')).toBe(rulesMarkdown());
  });

  it('docs/daemonset-machine.dot matches the machine (npx tsx scripts/gen-diagram.ts)', () => {
    expect(doc('daemonset-machine.dot')).toBe(machineDot());
  });

  it('the SVG was rendered from a DOT with the same states', () => {
    const svg = doc('daemonset-machine.svg');
    for (const state of [
      'absent',
      'settling',
      'stable',
      'stalled',
      'noSurge',
      'surge',
      'foregroundWaitingForDependents',
      'orphaning',
      'gone',
    ]) {
      expect(svg).toContain(`>${state}<`);
    }
  });

  it('lists every invariant', () => {
    const md = invariantsMarkdown();
    for (const inv of INVARIANTS) expect(md).toContain(`| ${inv.id} |`);
  });
});
