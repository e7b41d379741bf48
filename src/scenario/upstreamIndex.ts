/**
 * Which upstream unit tests (the catalogue tables of docs/upstream-tests.md) have a scenario in
 * the corpus as well as their vitest port: the section of that doc between its markers is
 * generated from the scenarios' `upstream:` fields (`npx tsx scripts/gen-upstream-index.ts`).
 */
import { relative } from 'node:path';
import type { Scenario } from './load.js';

export const INDEX_BEGIN = '<!-- scenario-index:begin (generated: npx tsx scripts/gen-upstream-index.ts) -->';
export const INDEX_END = '<!-- scenario-index:end -->';

/** The Go test names of the catalogue tables (`| 12 | TestFoo (3 cases) | ...`), in order, once each. */
export function catalogueTests(doc: string): string[] {
  const names = [...doc.matchAll(/^\| \d+\s+\| (Test\w+)/gm)].map((m) => m[1] ?? '');
  return [...new Set(names)];
}

/** The generated section: a count line, then each test with its scenarios (or none). */
export function upstreamScenarioIndex(doc: string, scenarios: readonly Scenario[], corpus: string): string {
  const tests = catalogueTests(doc);
  const byTest = new Map<string, string[]>(tests.map((t) => [t, []]));
  for (const s of scenarios) {
    const named = new Set(s.upstream.flatMap((u) => [...u.matchAll(/\bTest\w+/g)].map((m) => m[0])));
    for (const t of named) byTest.get(t)?.push(relative(corpus, s.file));
  }
  const covered = tests.filter((t) => (byTest.get(t) ?? []).length > 0);
  const rows = tests.map((t) => {
    const files = (byTest.get(t) ?? []).sort();
    return `| ${t} | ${files.length > 0 ? files.map((f) => `\`${f}\``).join('<br>') : 'none'} |`;
  });
  return [
    INDEX_BEGIN,
    '',
    `All ${tests.length} upstream unit tests of the catalogue above are ported as vitest tests; ${covered.length} of them also have a scenario in \`scenarios/\` (the ${tests.length - covered.length} others: ${
      tests
        .filter((t) => !covered.includes(t))
        .map((t) => `\`${t}\``)
        .join(', ') || 'none'
    }).`,
    '',
    '| upstream test | scenarios |',
    '| --- | --- |',
    ...rows,
    '',
    INDEX_END,
  ].join('\n');
}

/** The doc with its generated section replaced (or appended when it has none yet). */
export function withScenarioIndex(doc: string, section: string): string {
  const begin = doc.indexOf(INDEX_BEGIN);
  const end = doc.indexOf(INDEX_END);
  if (begin < 0 || end < 0) return `${doc.trimEnd()}\n\n## Scenarios for the upstream tests\n\n${section}\n`;
  return doc.slice(0, begin) + section + doc.slice(end + INDEX_END.length);
}
