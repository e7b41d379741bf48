/**
 * Writes docs/invariants.md from the invariant catalogue (model/invariants.ts), with the kill
 * matrix (model/witnesses.ts, the mutants' `catches`), and docs/rules.md from the rule
 * catalogue (model/rules.ts).
 * Usage: npx tsx scripts/gen-invariants.ts [--check]   (--check: exit 1 if the committed file is stale)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { invariantsMarkdown, rulesMarkdown } from '../model/render.ts';
import { killMatrix } from '../src/report/killMatrix.ts';

const docs: [string, string][] = [
  [fileURLToPath(new URL('../docs/invariants.md', import.meta.url)), invariantsMarkdown(killMatrix())],
  [fileURLToPath(new URL('../docs/rules.md', import.meta.url)), rulesMarkdown()],
];
for (const [target, text] of docs) {
  if (process.argv.includes('--check')) {
    if (readFileSync(target, 'utf8') !== text) {
      console.error(`${target} is stale: run npx tsx scripts/gen-invariants.ts`);
      process.exit(1);
    }
    console.log(`${target} is current`);
  } else {
    writeFileSync(target, text);
    console.log(`wrote ${target}`);
  }
}
