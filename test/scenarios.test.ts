/**
 * The scenario corpus (scenarios/) on the reference implementation: every scenario passes, and
 * every scenario, broken once (a number in its last checked expectation changed, in a copy),
 * fails at that step with a message naming the expectation. Plus the command's exit codes and
 * reports.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isMap, isScalar, isSeq, type Node, parseDocument, type YAMLMap } from 'yaml';
import { INVARIANTS } from '../model/invariants.ts';
import { type CliIO, main } from '../src/cli/main.js';
import { processImplementation, referenceImplementation } from '../src/harness/implementation.js';
import { mutantByName, mutantOptionsForStore } from '../src/harness/mutants.js';
import { discoverScenarios } from '../src/scenario/discover.js';
import { loadScenario, type Scenario } from '../src/scenario/load.js';
import { runScenario } from '../src/scenario/run.js';
import { scenarioDocumentSchema } from '../src/scenario/schema.js';
import { catalogueTests, upstreamScenarioIndex, withScenarioIndex } from '../src/scenario/upstreamIndex.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CORPUS = join(ROOT, 'scenarios');
const files = discoverScenarios([CORPUS]);
const scenarios = files.map(loadScenario);
const rel = (file: string) => relative(CORPUS, file);

describe('the scenario corpus', () => {
  it('has at least 60 scenarios, each saying what it pins and where it comes from', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(60);
    for (const s of scenarios) {
      const where = rel(s.file);
      expect(s.description.length, where).toBeGreaterThan(20);
      if (where.startsWith('upstream/'))
        expect(s.upstream.length, `${where} names its upstream test`).toBeGreaterThan(0);
      if (where.startsWith('regressions/')) {
        expect(s.issues.length, `${where} names its issue`).toBeGreaterThan(0);
        expect(readFileSync(s.file, 'utf8'), `${where} states the behaviour it pins`).toMatch(/^# Pins/m);
      }
    }
  });

  it('every scenario is valid for the JSON Schema editors use (its zod source)', () => {
    const schema = scenarioDocumentSchema();
    for (const file of files) {
      const data = parseDocument(readFileSync(file, 'utf8'), { version: '1.1' }).toJS();
      const parsed = schema.safeParse(data);
      expect(parsed.success ? [] : parsed.error.issues.slice(0, 1), rel(file)).toEqual([]);
    }
  });

  it('docs/upstream-tests.md says which upstream tests have a scenario (npx tsx scripts/gen-upstream-index.ts)', () => {
    const doc = readFileSync(join(ROOT, 'docs/upstream-tests.md'), 'utf8');
    const section = upstreamScenarioIndex(doc, scenarios, CORPUS);
    expect(withScenarioIndex(doc, section)).toBe(doc);
    expect(catalogueTests(doc).length).toBeGreaterThanOrEqual(80);
  });

  it('covers the §10 issues named in the brief', () => {
    const issues = new Set(scenarios.flatMap((s) => s.issues));
    for (const n of [54096, 92960, 118823, 118587, 132459, 117204])
      expect(issues, `kubernetes#${n}`).toContain(`kubernetes/kubernetes#${n}`);
  });

  it('with invariants: all added, every catch-up scenario still passes on the reference (no false alarm)', {
    timeout: 120_000,
  }, async () => {
    const failures: string[] = [];
    let judged = 0;
    for (const scenario of scenarios) {
      if (scenario.style === 'stepwise' || scenario.invariants.length > 0) continue;
      if (rel(scenario.file).startsWith('upstream/api/')) continue;
      judged++;
      const result = await runScenario({ ...scenario, invariants: INVARIANTS }, referenceImplementation());
      if (result.verdict !== 'pass')
        failures.push(`${rel(scenario.file)}: ${result.failure?.message ?? result.error ?? result.verdict}`);
    }
    expect(failures).toEqual([]);
    expect(judged).toBeGreaterThanOrEqual(100);
  });

  it('passes on the reference implementation', { timeout: 60_000 }, async () => {
    const implementation = referenceImplementation();
    const failures: string[] = [];
    for (const scenario of scenarios) {
      const result = await runScenario(scenario, implementation);
      if (result.verdict !== 'pass') {
        failures.push(`${rel(scenario.file)}: ${result.verdict} ${result.failure?.message ?? result.error ?? ''}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

// --- breaking each scenario once -------------------------------------------------------------

interface Breakable {
  /** 1-based step number. */
  step: number;
  kind: string;
  /** The expectation's name as a failure reports it. */
  expectation: string;
}

/** The first whole number in an expectation (not under `kept`, not in a list), depth first. */
function firstNumber(node: unknown, path: string[]): { scalar: { value: unknown }; path: string[] } | undefined {
  if (!isMap(node)) return undefined;
  for (const pair of (node as YAMLMap).items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key === 'kept' || key === 'daemonSet') continue;
    const value = pair.value as Node | null;
    if (isScalar(value) && typeof value.value === 'number') return { scalar: value, path: [...path, key] };
    if (isMap(value)) {
      const found = firstNumber(value, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Breaks the last expectation of the scenario file that holds a whole number (adds 1 to it) and
 * says which step and expectation must now fail.
 */
function breakScenario(file: string): Breakable | undefined {
  const document = parseDocument(readFileSync(file, 'utf8'), { version: '1.1' });
  const steps = document.get('steps');
  if (!isSeq(steps)) return undefined;
  for (let i = steps.items.length - 1; i >= 0; i--) {
    const step = steps.items[i];
    if (!isMap(step)) continue;
    const [pair] = step.items;
    const kind = isScalar(pair?.key) ? String(pair.key.value) : '';
    let found: ReturnType<typeof firstNumber>;
    if (kind === 'expect') found = firstNumber(pair?.value, []);
    else if (kind === 'sync' || kind === 'settle') {
      const writes = firstNumber(pair?.value, []);
      if (writes && (writes.path[0] === 'creates' || writes.path[0] === 'deletes'))
        found = { ...writes, path: ['writes', ...writes.path] };
    }
    if (found === undefined) continue;
    found.scalar.value = (found.scalar.value as number) + 1;
    writeFileSync(file, document.toString());
    return { step: i + 1, kind, expectation: found.path.join('.') };
  }
  return undefined;
}

describe('each scenario, broken once', () => {
  it('fails at the broken step with a message naming the expectation', { timeout: 60_000 }, async () => {
    const copy = mkdtempSync(join(tmpdir(), 'dsconform-broken-corpus-'));
    cpSync(CORPUS, copy, { recursive: true });
    const implementation = referenceImplementation();
    const problems: string[] = [];
    for (const file of discoverScenarios([copy])) {
      const broken = breakScenario(file);
      if (broken === undefined) {
        problems.push(`${relative(copy, file)}: no expectation with a number to break`);
        continue;
      }
      const scenario: Scenario = loadScenario(file);
      const result = await runScenario(scenario, implementation);
      const f = result.failure;
      const ok =
        result.verdict === 'fail' &&
        f?.step === broken.step &&
        f.kind === broken.kind &&
        f.expectation === broken.expectation &&
        f.message.startsWith(`${broken.expectation}: expected `);
      if (!ok) {
        problems.push(
          `${relative(copy, file)}: broke step ${broken.step} ${broken.expectation}, got ${result.verdict} ${f ? `at step ${f.step} (${f.kind}) ${f.message}` : (result.error ?? '')}`,
        );
      }
    }
    expect(problems).toEqual([]);
  });
});

// --- mutants and the process path -------------------------------------------------------------

/** For each mutant of the reference controller, a scenario that catches it (the corpus has more). */
const CAUGHT_BY: Record<string, string> = {
  'ignores-noexecute': 'upstream/unit/no-execute-taint-evicts-pod.yaml',
  'evicts-on-noschedule': 'regressions/issue-21714-misscheduled-with-no-schedule-taint.yaml',
  'forgets-default-tolerations': 'real-world/flannel-network-unavailable-node.yaml',
  'duplicate-pods': 'upstream/unit/simple-daemonset-launches-pods.yaml',
  'rounds-percent-down': 'upstream/unit/max-unavailable-percent-rounds-up.yaml',
  'ignores-max-surge': 'regressions/issue-118823-surge-rollout-untolerated-node.yaml',
  'writes-while-deleting': 'upstream/unit/being-deleted-does-nothing.yaml',
  'never-adopts': 'upstream/unit/add-pod-orphan-adopted.yaml',
  'keeps-failed-pods': 'upstream/e2e/retry-failed-daemon-pods.yaml',
  'treats-failed-create-as-done': 'faults/refused-create-lowers-expectations.yaml',
  'ignores-tombstones': 'faults/deletion-seen-only-as-a-tombstone.yaml',
  'retries-stale-status': 'faults/status-conflict-retried-from-a-fresh-read.yaml',
  'ignores-expectations': 'faults/lagging-pod-informer-waits-for-expectations.yaml',
  'retries-failed-create': 'faults/create-timed-out-after-the-pod-was-made.yaml',
  'skips-cache-sync': 'regressions/issue-54096-no-second-pod-after-restart.yaml',
};

describe('mutants of the reference controller', () => {
  it.each(Object.entries(CAUGHT_BY))('%s fails %s', async (name, file) => {
    const mutant = mutantByName(name);
    if (mutant === undefined) return; // retired since
    const implementation = referenceImplementation(`mutant ${name}`, mutantOptionsForStore(mutant));
    const result = await runScenario(loadScenario(join(CORPUS, file)), implementation);
    expect(result.verdict).toBe('fail');
  });
});

describe('invariants judge every DaemonSet of a scenario', () => {
  it('a mutant that only the second DaemonSet exposes fails on that DaemonSet, named', async () => {
    const mutant = mutantByName('ignores-noexecute');
    if (mutant === undefined) throw new Error('mutant ignores-noexecute is gone');
    const implementation = referenceImplementation('mutant ignores-noexecute', mutantOptionsForStore(mutant));
    const result = await runScenario(
      loadScenario(join(CORPUS, 'real-world/two-daemonsets-each-judged.yaml')),
      implementation,
    );
    expect(result.verdict).toBe('fail');
    expect(result.failure?.expectation).toBe('DS-ELIG-01');
    expect(result.failure?.message).toContain('[DaemonSet kube-system/probe]');
  });
});

describe('the process path (--controller)', () => {
  it('the reference controller behind the protocol passes scenarios too', { timeout: 60_000 }, async () => {
    const implementation = await processImplementation(`"${process.execPath}" bin/dsconform.mjs reference-controller`, {
      cwd: ROOT,
      startTimeoutMs: 30_000,
    });
    try {
      for (const file of [
        'real-world/kube-proxy-mixed-cluster.yaml',
        'upstream/unit/deals-with-existing-pods.yaml',
        'regressions/issue-54096-no-second-pod-after-restart.yaml',
      ]) {
        const result = await runScenario(loadScenario(join(CORPUS, file)), implementation);
        expect(result.failure?.message ?? result.error, file).toBeUndefined();
        expect(result.verdict, file).toBe('pass');
      }
    } finally {
      await implementation.close();
    }
  });
});

// --- the command -----------------------------------------------------------------------------

function captured(): CliIO & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    color: false,
    stdout: (text: string) => {
      io.out += text;
    },
    stderr: (text: string) => {
      io.err += text;
    },
  };
  return io;
}

describe('dsconform scenario', () => {
  const passing = join(CORPUS, 'upstream', 'unit', 'one-node-launches-pod.yaml');

  it('prints a pass line per scenario, writes junit.xml and report.json, exits 0', async () => {
    const reportDir = mkdtempSync(join(tmpdir(), 'dsconform-scenario-report-'));
    const io = captured();
    const code = await main(['node', 'dsconform', 'scenario', passing, '--report-dir', reportDir], io);
    expect(io.err).toBe('');
    expect(code).toBe(0);
    expect(io.out).toMatch(/^PASS {2}.*one-node-launches-pod\.yaml$/m);
    expect(io.out).toMatch(/1 scenarios: 1 passed, 0 failed/);
    const report = JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8'));
    expect(report).toMatchObject({
      schema: 'dsconform/scenario-report@1',
      verdict: 'pass',
      summary: { total: 1, passed: 1, failed: 0 },
    });
    expect(readFileSync(join(reportDir, 'junit.xml'), 'utf8')).toMatch(
      /<testcase classname="[^"]+" name="one-node-launches-pod"/,
    );
  });

  it('a broken scenario: a FAIL line, the step, its file:line:column and the expectation; exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dsconform-scenario-broken-'));
    cpSync(CORPUS, join(dir, 'scenarios'), { recursive: true });
    const file = join(dir, 'scenarios', 'upstream', 'unit', 'one-node-launches-pod.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('numberReady: 1,', 'numberReady: 7,'));
    const io = captured();
    const code = await main(['node', 'dsconform', 'scenario', file, '--report-dir', join(dir, 'reports')], io);
    expect(code).toBe(1);
    expect(io.out).toMatch(/^FAIL {2}.*one-node-launches-pod\.yaml$/m);
    expect(io.out).toMatch(
      /step 3 \(expect\) at .*one-node-launches-pod\.yaml:\d+:\d+\n +status\.numberReady: expected 7, got 1\n/,
    );
    const report = JSON.parse(readFileSync(join(dir, 'reports', 'report.json'), 'utf8'));
    expect(report.scenarios[0].failure).toMatchObject({ step: 3, kind: 'expect', expectation: 'status.numberReady' });
    expect(readFileSync(join(dir, 'reports', 'junit.xml'), 'utf8')).toContain(
      '<failure message="step 3 (expect): status.numberReady: expected 7, got 1" type="expectation">',
    );
  });

  it('a malformed scenario is bad input: file:line:column and what was expected; exit 2, nothing run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dsconform-scenario-malformed-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'description: bad\ncluster: { nodes: [] }\nsteps:\n  - taint: { node: a, key: k, effect: Never }\n',
    );
    const io = captured();
    const code = await main(['node', 'dsconform', 'scenario', file, '--report-dir', join(dir, 'reports')], io);
    expect(code).toBe(2);
    expect(io.err).toMatch(/bad\.yaml:4:31: step 1 \(taint\): effect: got the string "Never", expected one of/);
    expect(io.out).toBe('');
    expect(existsSync(join(dir, 'reports'))).toBe(false);
  });

  it('an implementation that cannot be run: exit 2', async () => {
    const io = captured();
    const reportDir = mkdtempSync(join(tmpdir(), 'dsconform-scenario-kube-'));
    const code = await main(
      ['node', 'dsconform', 'scenario', passing, '--kubeconfig', 'nope', '--report-dir', reportDir],
      io,
    );
    expect(code).toBe(2);
    expect(io.err).toMatch(/^dsconform: .*kubeconfig/);
  });
});
