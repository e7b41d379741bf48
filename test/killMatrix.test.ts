/**
 * The kill matrix of docs/invariants.md: every invariant is shown to fail by a witness or a
 * mutant (no empty row), and the committed file is current.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INVARIANTS } from '../model/invariants.ts';
import { invariantsMarkdown } from '../model/render.ts';
import { killMatrix } from '../src/report/killMatrix.js';

describe('the kill matrix', () => {
  it('has no empty row: every invariant has a witness or a mutant it catches', () => {
    const matrix = killMatrix();
    const dead = INVARIANTS.map((i) => i.id).filter((id) => !matrix[id]?.witness && !matrix[id]?.mutants.length);
    expect(dead).toEqual([]);
    for (const id of ['DS-EXPECT', 'DS-LIVE-01']) expect(matrix[id]?.mutants.length ?? 0, id).toBeGreaterThan(0);
  });

  it('docs/invariants.md is current (npx tsx scripts/gen-invariants.ts)', () => {
    const doc = readFileSync(new URL('../docs/invariants.md', import.meta.url), 'utf8');
    expect(doc).toBe(invariantsMarkdown(killMatrix()));
  });
});
