import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dsconform as runCli } from '../../test/robustness/support.js';
import { COUNTEREXAMPLE_FORMAT } from '../harness/counterexample.js';
import { replayTarget } from './replay.js';

/** The real command from the repository root (the robustness tests' runner). */
const dsconform = (...args: string[]) => runCli(args);

const dir = mkdtempSync(join(tmpdir(), 'dsconform-replay-'));

/** A counterexample `check --mutant ignores-max-surge` finds: the orphan is deleted before its replacement is available. */
const counterexample = {
  format: COUNTEREXAMPLE_FORMAT,
  implementation: { name: 'mutant ignores-max-surge', kind: 'reference', mutant: 'ignores-max-surge' },
  profile: 'rolling-update',
  seed: 6,
  caseIndex: 295,
  caseSeed: 1,
  path: '295:0',
  shrinks: 10,
  scope: { nodes: 3, maxEvents: 30 },
  invariant: 'DS-ROLL-03',
  message: 'deleted available old pod ds-orphan-hwvt9 before a new pod on n0 was available',
  node: 'n0',
  step: -1,
  events: [
    { type: 'NODE_ADDED', node: 'n0' },
    {
      type: 'DS_CREATED',
      spec: {
        template: { image: 'v1', nodeSelector: {}, tolerations: [], hostNetwork: false },
        updateStrategy: { type: 'RollingUpdate', maxUnavailable: 0, maxSurge: 1 },
        minReadySeconds: 0,
        revisionHistoryLimit: 0,
      },
    },
    { type: 'CONTROLLER_SYNC' },
    { type: 'ORPHAN_POD_APPEARED', node: 'n0', revision: 'none' },
  ],
  trace: [],
  finalTable: [],
};

const cxFile = join(dir, 'cx.json');
writeFileSync(cxFile, JSON.stringify(counterexample));

describe('dsconform replay --save-scenario', () => {
  it('writes the run as a scenario that fails on the mutant and passes on the reference', async () => {
    const out = join(dir, 'saved', 'surge-orphan.yaml');
    const run = await dsconform('replay', cxFile, '--save-scenario', out);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`saved 4 events as scenario ${out} (4 steps)`);
    expect(run.stdout).toMatch(/on mutant ignores-max-surge: fails at step 4 \(quiesce\): DS-ROLL-03: /);
    expect(run.stdout).toMatch(/on reference: passes$/m);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('style: stepwise');
    expect(text).toContain('invariants: all');
    expect(text).toContain('# mutant ignores-max-surge violated DS-ROLL-03 here');

    const onReference = await dsconform('scenario', out);
    expect(onReference.code).toBe(0);
    const onMutant = await dsconform('scenario', out, '--mutant', 'ignores-max-surge');
    expect(onMutant.code).toBe(1);
    expect(onMutant.stdout).toMatch(
      /step 4 \(quiesce\) at .*surge-orphan\.yaml:\d+:\d+\n\s+DS-ROLL-03: deleted available old pod/,
    );
  });

  it('draws the failing run: replay writes its timeline, and so does scenario --trace', async () => {
    const reportDir = join(dir, 'pictures');
    const run = await dsconform('replay', cxFile, '--report-dir', reportDir);
    expect(run.code).toBe(1);
    const svg = join(reportDir, 'replay', 'cx.svg');
    expect(run.stdout).toContain(`  timeline: ${svg}\n`);
    const picture = readFileSync(svg, 'utf8');
    expect(picture).toContain('class="timeline"');
    expect(picture.match(/class="failed-step"/g)).toHaveLength(1); // the settled column
    expect(picture).toContain('settled (quiescence)');

    const out = join(dir, 'saved', 'drawn.yaml');
    await dsconform('replay', cxFile, '--save-scenario', out, '--report-dir', reportDir);
    const traced = await dsconform(
      'scenario',
      out,
      '--mutant',
      'ignores-max-surge',
      '--trace',
      '--report-dir',
      reportDir,
    );
    expect(traced.code).toBe(1);
    const scenarioSvg = join(reportDir, 'timelines', 'drawn.svg');
    expect(traced.stdout).toContain(`  timeline: ${scenarioSvg}\n`);
    const drawn = readFileSync(scenarioSvg, 'utf8');
    expect(drawn.match(/<g class="step">/g)).toHaveLength(4);
    expect(drawn.match(/class="failed-step"/g)).toHaveLength(1);
  });

  it('keeps the scenario on disk when the implementation cannot run, and says so in one line', async () => {
    const out = join(dir, 'kept.yaml');
    const run = await dsconform('replay', cxFile, '--save-scenario', out, '--controller', 'node -e "process.exit(3)"');
    expect(run.code).toBe(2);
    expect(existsSync(out)).toBe(true);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^dsconform: could not start the implementation: /);
  });

  it('never overwrites a scenario (often edited by hand) unless --force', async () => {
    const out = join(dir, 'twice.yaml');
    expect((await dsconform('replay', cxFile, '--save-scenario', out)).code).toBe(1);
    writeFileSync(out, '# edited by hand\n', { flag: 'a' });
    const again = await dsconform('replay', cxFile, '--save-scenario', out);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(`dsconform: ${out} exists; pass --force to overwrite it\n`);
    expect(readFileSync(out, 'utf8')).toContain('# edited by hand');
    expect((await dsconform('replay', cxFile, '--save-scenario', out, '--force')).code).toBe(1);
    expect(readFileSync(out, 'utf8')).not.toContain('# edited by hand');
  });

  it('a malformed event is one line naming it, and exit 2', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        ...counterexample,
        events: [
          { type: 'NODE_ADDED', node: 'n0' },
          { type: 'TAINT_ADDED', node: 'n0' },
        ],
      }),
    );
    const run = await dsconform('replay', bad, '--save-scenario', join(dir, 'never.yaml'));
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`dsconform: ${bad}: events[1]: TAINT_ADDED needs "taint"\n`);
    expect(existsSync(join(dir, 'never.yaml'))).toBe(false);
  });

  it('an unwritable destination is one line and exit 2', async () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, '');
    const run = await dsconform('replay', cxFile, '--save-scenario', join(blocker, 'x.yaml'));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^dsconform: .*a-file\/x\.yaml: could not write the scenario \(.+\)\n$/);
  });
});

describe('replayTarget: what a served or real-cluster counterexample replays on', () => {
  const served = (extra: object) => ({
    implementation: {
      name: 'served ctl',
      kind: 'process' as const,
      serve: ['./ctl', '--x'],
      clock: 'virtual' as const,
      ...extra,
    },
  });
  const base = { stepTimeout: 1000 };

  it('runs a recorded served command only with consent, on its recorded clock unless told otherwise', () => {
    expect(() => replayTarget(served({}), base)).toThrow(/found on the served controller "\.\/ctl --x"/);
    expect(replayTarget(served({}), { ...base, trustCommand: true })).toEqual({
      ...base,
      serve: ['./ctl', '--x'],
      clock: 'virtual',
    });
    expect(replayTarget(served({}), { ...base, serve: ['./mine'], clock: 'wall' })).toEqual({
      ...base,
      serve: ['./mine'],
      clock: 'wall',
    });
  });

  it("builds upstream's served program again for a --serve --upstream counterexample, without consent", () => {
    expect(replayTarget(served({ upstream: '1.37' }), base)).toEqual({
      ...base,
      serve: ['./ctl', '--x'],
      clock: 'virtual',
      upstream: '1.37',
    });
  });

  it('refuses a real-cluster counterexample unless told where to replay it', () => {
    const cluster = { implementation: { name: 'cluster kind', kind: 'process' as const, cluster: true as const } };
    expect(() => replayTarget(cluster, base)).toThrow(/found on a real cluster, which replay cannot reach/);
    expect(replayTarget(cluster, { ...base, mutant: 'never-adopts' })).toEqual({ ...base, mutant: 'never-adopts' });
  });
});
