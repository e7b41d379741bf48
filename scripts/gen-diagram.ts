/**
 * Renders the DaemonSet machine (model/machine.ts) to docs/daemonset-machine.dot and, with
 * Graphviz compiled to WebAssembly (@viz-js/viz; no browser, no native dot), to .svg.
 * Usage: npx tsx scripts/gen-diagram.ts [--check]   (--check: exit 1 if the committed DOT is stale)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { instance } from '@viz-js/viz';
import { machineDot } from '../model/render.ts';

const dotFile = fileURLToPath(new URL('../docs/daemonset-machine.dot', import.meta.url));
const svgFile = fileURLToPath(new URL('../docs/daemonset-machine.svg', import.meta.url));
const dot = machineDot();

if (process.argv.includes('--check')) {
  if (readFileSync(dotFile, 'utf8') !== dot) {
    console.error(`${dotFile} is stale: run npx tsx scripts/gen-diagram.ts`);
    process.exit(1);
  }
  console.log(`${dotFile} is current`);
} else {
  const viz = await instance();
  const result = viz.render(dot, { format: 'svg' });
  if (result.status !== 'success') {
    for (const e of result.errors) console.error(`${e.level ?? 'error'}: ${e.message}`);
    process.exit(1);
  }
  for (const e of result.errors) console.warn(`${e.level ?? 'warning'}: ${e.message}`);
  writeFileSync(dotFile, dot);
  writeFileSync(svgFile, result.output);
  console.log(`wrote ${dotFile} and ${svgFile}`);
}
