/**
 * Regenerates model/paths.json, the committed transition-covering path suite (see model/paths.ts).
 * Usage: npx tsx scripts/gen-paths.ts [--check]   (--check: exit 1 if the committed file is stale)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pathSuiteFile, serializePathSuite, transitionCoveringPaths } from '../model/paths.ts';

const target = fileURLToPath(pathSuiteFile);
const text = serializePathSuite(transitionCoveringPaths());
if (process.argv.includes('--check')) {
  const current = readFileSync(target, 'utf8');
  if (JSON.stringify(JSON.parse(current)) !== JSON.stringify(JSON.parse(text))) {
    console.error(`${target} is stale: run npx tsx scripts/gen-paths.ts`);
    process.exit(1);
  }
  console.log(`${target} is current`);
} else {
  writeFileSync(target, text);
  // Let the repository's formatter lay it out, so `biome check` stays clean.
  execFileSync('npx', ['biome', 'format', '--write', target], { stdio: 'ignore' });
  console.log(`wrote ${target}`);
}
