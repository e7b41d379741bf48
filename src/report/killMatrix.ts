/**
 * The kill matrix of docs/invariants.md: for every invariant, the witness that breaks it
 * (model/witnesses.ts) and the built-in mutants it catches first (src/harness/mutants.ts).
 */
import type { KillMatrixRow } from '../../model/render.ts';
import { WITNESSES } from '../../model/witnesses.ts';
import { MUTANTS } from '../harness/mutants.js';

export function killMatrix(): Record<string, KillMatrixRow> {
  const rows: Record<string, { witness?: string; mutants: string[] }> = {};
  const row = (id: string) => {
    rows[id] ??= { mutants: [] };
    return rows[id];
  };
  for (const w of WITNESSES) row(w.id).witness = w.description;
  for (const m of MUTANTS) for (const id of m.catches ?? []) row(id).mutants.push(m.name);
  return rows;
}
