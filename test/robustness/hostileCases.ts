/**
 * The hostile-input catalogue (issue 18): what a new user, a typo or a damaged file gives each
 * command, by command and input kind. Every case expects exit code 2 and exactly one stderr line,
 * `dsconform: ...`, that names the problem and where it is (a file:line:column, a JSON path, an
 * option). The files are written into a scratch folder by `writeFixtures`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './support.js';

export interface HostileCase {
  /** command / input kind / what. */
  id: string;
  command: string;
  kind: string;
  args: string[];
  /** The stderr line must match this (after `dsconform: `). */
  line: RegExp;
  /** Exit code (2 unless said). */
  code?: number;
  /** Longest acceptable time in ms (default 5000: refusing input is quick). */
  limitMs?: number;
}

const MANIFEST = join(ROOT, 'scenarios/manifests/simple-daemon.yaml');

/** `key: &a [..]` nine levels deep: 9^9 copies if expanded. */
export const ALIAS_BOMB = [
  'a: &a ["x","x","x","x","x","x","x","x","x"]',
  ...'bcdefghi'.split('').map((l, i) => {
    const p = 'abcdefghi'[i] as string;
    return `${l}: &${l} [${Array(9).fill(`*${p}`).join(',')}]`;
  }),
].join('\n');

function scenario(steps: string, extra = '', nodes = '[ { name: node-0 }, { name: node-1 } ]'): string {
  return `description: hostile\ncluster: { nodes: ${nodes} }\nmanifests: [${MANIFEST}]\n${extra}steps:\n${steps}`;
}

/** A valid counterexample (`check --mutant ignores-max-surge` finds it), to damage. */
export function counterexample(): Record<string, unknown> {
  return {
    format: 'dsconform/counterexample@1',
    implementation: { name: 'mutant ignores-max-surge', kind: 'reference', mutant: 'ignores-max-surge' },
    profile: 'rolling-update',
    seed: 6,
    caseIndex: 295,
    caseSeed: 1,
    path: '295:0',
    shrinks: 10,
    scope: { nodes: 3, maxEvents: 30 },
    invariant: 'DS-ROLL-03',
    message: 'deleted available old pod before a new pod on n0 was available',
    node: 'n0',
    step: -1,
    events: [
      { type: 'NODE_ADDED', node: 'n0', taints: [{ key: 'dedicated', value: '', effect: 'NoSchedule' }] },
      {
        type: 'DS_CREATED',
        spec: {
          template: {
            image: 'v1',
            nodeSelector: {},
            tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }],
            hostNetwork: false,
          },
          updateStrategy: { type: 'RollingUpdate', maxUnavailable: 0, maxSurge: 1 },
          minReadySeconds: 0,
          revisionHistoryLimit: 0,
        },
      },
      { type: 'CONTROLLER_SYNC' },
      { type: 'TAINT_ADDED', node: 'n0', taint: { key: 'example.com/gpu', value: 'x', effect: 'NoExecute' } },
      { type: 'TIME_ADVANCED', seconds: 5 },
      { type: 'ORPHAN_POD_APPEARED', node: 'n0', revision: 'none' },
    ],
    trace: [],
    finalTable: [],
  };
}

type Cx = ReturnType<typeof counterexample> & { events: Record<string, unknown>[] };

/** Damaged counterexamples: name → (damage, the JSON path and problem the line must name). */
const DAMAGES: [string, (cx: Cx) => void, RegExp][] = [
  [
    'node name with capitals',
    (cx) => Object.assign(cx.events[0] as object, { node: 'N0' }),
    /events\[0\]\.node: "N0": a lowercase RFC 1123/,
  ],
  [
    'node name with an underscore',
    (cx) => Object.assign(cx.events[3] as object, { node: 'n_0' }),
    /events\[3\]\.node: "n_0": a lowercase RFC 1123/,
  ],
  ['empty node name', (cx) => Object.assign(cx.events[0] as object, { node: '' }), /events\[0\]\.node: "": /],
  [
    'node name of 300 characters',
    (cx) => Object.assign(cx.events[0] as object, { node: 'n'.repeat(300) }),
    /events\[0\]\.node: /,
  ],
  [
    'node name with a space',
    (cx) => Object.assign(cx.events[5] as object, { node: 'n 0' }),
    /events\[5\]\.node: "n 0"/,
  ],
  [
    'node name is a number',
    (cx) => Object.assign(cx.events[0] as object, { node: 7 }),
    /events\[0\]\.node: .*expected string/,
  ],
  [
    'unknown taint effect in TAINT_ADDED',
    (cx) => Object.assign((cx.events[3] as { taint: object }).taint, { effect: 'NoExecut' }),
    /events\[3\]\.taint\.effect: expected one of NoSchedule, PreferNoSchedule, NoExecute/,
  ],
  [
    'unknown taint effect in NODE_ADDED',
    (cx) => Object.assign((cx.events[0] as { taints: object[] }).taints[0] as object, { effect: 'Never' }),
    /events\[0\]\.taints\[0\]\.effect: expected one of/,
  ],
  [
    'unknown effect in TAINT_REMOVED',
    (cx) => cx.events.push({ type: 'TAINT_REMOVED', node: 'n0', key: 'k', effect: 'noschedule' }),
    /events\[6\]\.effect: expected one of/,
  ],
  [
    'unknown effect in a toleration',
    (cx) =>
      Object.assign(
        (cx.events[1] as { spec: { template: { tolerations: object[] } } }).spec.template.tolerations[0] as object,
        { effect: 'Sometimes' },
      ),
    /events\[1\]\.spec\.template\.tolerations\[0\]\.effect: /,
  ],
  [
    'taint key with spaces',
    (cx) => Object.assign((cx.events[3] as { taint: object }).taint, { key: 'a key' }),
    /events\[3\]\.taint\.key: "a key"/,
  ],
  [
    'taint without a value field',
    (cx) => delete (cx.events[3] as { taint: { value?: string } }).taint.value,
    /events\[3\]\.taint: this object needs "value"|events\[3\]\.taint\.value/,
  ],
  [
    'label key invalid',
    (cx) => cx.events.push({ type: 'NODE_LABEL_SET', node: 'n0', key: '-bad-', value: 'x' }),
    /events\[6\]\.key: "-bad-"/,
  ],
  [
    'label value too long',
    (cx) => cx.events.push({ type: 'NODE_LABEL_SET', node: 'n0', key: 'zone', value: 'v'.repeat(64) }),
    /events\[6\]\.value: /,
  ],
  ['labels as a list', (cx) => Object.assign(cx.events[0] as object, { labels: ['zone=a'] }), /events\[0\]\.labels: /],
  [
    'seconds as a string',
    (cx) => Object.assign(cx.events[4] as object, { seconds: '5' }),
    /events\[4\]\.seconds: .*expected number/,
  ],
  [
    'seconds 1e300',
    (cx) => Object.assign(cx.events[4] as object, { seconds: 1e300 }),
    /events\[4\]\.seconds: at most 31536000 seconds/,
  ],
  ['seconds negative', (cx) => Object.assign(cx.events[4] as object, { seconds: -5 }), /events\[4\]\.seconds: /],
  ['seconds zero', (cx) => Object.assign(cx.events[4] as object, { seconds: 0 }), /events\[4\]\.seconds: /],
  ['seconds null', (cx) => Object.assign(cx.events[4] as object, { seconds: null }), /events\[4\]\.seconds: /],
  [
    'seconds missing',
    (cx) => delete (cx.events[4] as { seconds?: number }).seconds,
    /events\[4\]: TIME_ADVANCED needs "seconds"/,
  ],
  [
    'taint missing',
    (cx) => delete (cx.events[3] as { taint?: object }).taint,
    /events\[3\]: TAINT_ADDED needs "taint"/,
  ],
  ['spec missing', (cx) => delete (cx.events[1] as { spec?: object }).spec, /events\[1\]: DS_CREATED needs "spec"/],
  [
    'image is a number',
    (cx) => Object.assign((cx.events[1] as { spec: { template: object } }).spec.template, { image: 1 }),
    /events\[1\]\.spec\.template\.image: /,
  ],
  [
    'hostNetwork "yes"',
    (cx) => Object.assign((cx.events[1] as { spec: { template: object } }).spec.template, { hostNetwork: 'yes' }),
    /events\[1\]\.spec\.template\.hostNetwork: /,
  ],
  [
    'tolerations an object',
    (cx) => Object.assign((cx.events[1] as { spec: { template: object } }).spec.template, { tolerations: {} }),
    /events\[1\]\.spec\.template\.tolerations: /,
  ],
  [
    'unknown strategy type',
    (cx) =>
      Object.assign((cx.events[1] as { spec: { updateStrategy: object } }).spec.updateStrategy, { type: 'Recreate' }),
    /events\[1\]\.spec\.updateStrategy\.type: /,
  ],
  [
    'maxSurge "abc%"',
    (cx) =>
      Object.assign((cx.events[1] as { spec: { updateStrategy: object } }).spec.updateStrategy, { maxSurge: 'abc%' }),
    /events\[1\]\.spec\.updateStrategy\.maxSurge: /,
  ],
  [
    'minReadySeconds negative',
    (cx) => Object.assign((cx.events[1] as { spec: object }).spec, { minReadySeconds: -1 }),
    /events\[1\]\.spec\.minReadySeconds: /,
  ],
  [
    'revisionHistoryLimit 1.5',
    (cx) => Object.assign((cx.events[1] as { spec: object }).spec, { revisionHistoryLimit: 1.5 }),
    /events\[1\]\.spec\.revisionHistoryLimit: /,
  ],
  [
    'minReadySeconds 1e300',
    (cx) => Object.assign((cx.events[1] as { spec: object }).spec, { minReadySeconds: 1e300 }),
    /events\[1\]\.spec\.minReadySeconds: /,
  ],
  [
    'tolerationSeconds 1e300',
    (cx) =>
      Object.assign(
        (cx.events[1] as { spec: { template: { tolerations: object[] } } }).spec.template.tolerations[0] as object,
        { tolerationSeconds: 1e300 },
      ),
    /events\[1\]\.spec\.template\.tolerations\[0\]\.tolerationSeconds: /,
  ],
  [
    'DaemonSet name invalid',
    (cx) => Object.assign(cx.events[1] as object, { name: 'My DS' }),
    /events\[1\]\.name: "My DS"/,
  ],
  [
    'unknown deletion policy',
    (cx) => cx.events.push({ type: 'DS_DELETED', policy: 'Cascade' }),
    /events\[6\]\.policy: expected one of Background, Foreground, Orphan/,
  ],
  [
    'unknown pod revision class',
    (cx) => cx.events.push({ type: 'POD_FAILED', node: 'n0', revision: 'newest' }),
    /events\[6\]\.revision: expected one of current, old/,
  ],
  [
    'unknown orphan revision',
    (cx) => Object.assign(cx.events[5] as object, { revision: 'old' }),
    /events\[5\]\.revision: expected one of current, none/,
  ],
  [
    'unknown NotReady status',
    (cx) => cx.events.push({ type: 'NODE_NOT_READY', node: 'n0', status: 'True' }),
    /events\[6\]\.status: expected one of False, Unknown/,
  ],
  [
    'unknown event type',
    (cx) => cx.events.push({ type: 'NODE_EXPLODED', node: 'n0' }),
    /events\[6\]\.type: unknown event type "NODE_EXPLODED"/,
  ],
  [
    'event is null',
    (cx) => cx.events.push(null as unknown as Record<string, unknown>),
    /events\[6\]: expected an event object/,
  ],
  [
    'event is a string',
    (cx) => cx.events.push('NODE_ADDED' as unknown as Record<string, unknown>),
    /events\[6\]: expected an event object/,
  ],
  [
    'extra field in an event',
    (cx) => Object.assign(cx.events[2] as object, { node: 'n0' }),
    /events\[2\]: unknown field "node"/,
  ],
  [
    'more than 10000 events',
    (cx) => cx.events.push(...Array.from({ length: 10_001 }, () => ({ type: 'GC_STEP' }))),
    /events: at most 10000 events/,
  ],
  [
    'unknown mutant recorded',
    (cx) => Object.assign(cx.implementation as object, { mutant: 'evil' }),
    /implementation\.mutant: expected one of/,
  ],
  [
    'unknown implementation kind',
    (cx) => Object.assign(cx.implementation as object, { kind: 'cluster' }),
    /implementation\.kind: expected one of reference, process/,
  ],
  ['implementation not an object', (cx) => Object.assign(cx, { implementation: 'reference' }), /implementation: /],
  ['unknown profile', (cx) => Object.assign(cx, { profile: 'everything' }), /profile: expected one of/],
  ['step as a string', (cx) => Object.assign(cx, { step: '-1' }), /step: /],
  [
    'a terminal escape in the message',
    (cx) => Object.assign(cx, { message: 'ok\u001b[2J\u001b[31mfixed' }),
    /message: control characters \(newlines, terminal escapes\) are not allowed here/,
  ],
  [
    'a newline in the recorded command',
    (cx) => Object.assign(cx.implementation as object, { kind: 'process', controller: 'true\nrm -rf ~' }),
    /implementation\.controller: control characters/,
  ],
  ['invariant missing', (cx) => delete (cx as { invariant?: string }).invariant, /invariant: missing/],
];

/** Writes every fixture file under `dir` and returns the cases. */
export function hostileCases(dir: string): HostileCase[] {
  const cases: HostileCase[] = [];
  const add = (
    command: string,
    kind: string,
    what: string,
    args: string[],
    line: RegExp,
    more: Partial<HostileCase> = {},
  ) => cases.push({ id: `${command} / ${kind} / ${what}`, command, kind, args, line, ...more });
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
    return path;
  };
  const reports = join(dir, 'reports');
  const notAFile = file('plain-file', 'x');

  // --- options, every command ------------------------------------------------------------------
  const cx = file('cx/valid.json', JSON.stringify(counterexample()));
  const sc = file('scenarios/valid.yaml', scenario('  - settle\n'));
  const opt = (command: string, what: string, args: string[], line: RegExp) =>
    add(command, 'options', what, args, line);
  const mutantList = /unknown mutant "nope"; known: ignores-noexecute, /;
  opt('check', 'unknown --mutant', ['check', '--mutant', 'nope', '--runs', '1', '--report-dir', reports], mutantList);
  opt('replay', 'unknown --mutant', ['replay', cx, '--mutant', 'nope'], mutantList);
  opt('scenario', 'unknown --mutant', ['scenario', sc, '--mutant', 'nope', '--report-dir', reports], mutantList);
  opt('reference-controller', 'unknown --mutant', ['reference-controller', '--mutant', 'nope'], mutantList);
  opt(
    'check',
    '--mutant with --controller',
    ['check', '--mutant', 'never-adopts', '--controller', 'x', '--report-dir', reports],
    /--mutant applies to the reference implementation, not to --controller/,
  );
  opt(
    'check',
    '--kubeconfig with --controller',
    ['check', '--kubeconfig', 'k.yaml', '--controller', 'x', '--report-dir', reports],
    /--kubeconfig checks a cluster; it does not combine with --controller or --mutant/,
  );
  opt(
    'check',
    '--kubeconfig with --mutant',
    ['check', '--kubeconfig', 'k.yaml', '--mutant', 'never-adopts', '--report-dir', reports],
    /--kubeconfig checks a cluster; it does not combine with --controller or --mutant/,
  );
  opt(
    'check',
    '--workers with --kubeconfig',
    ['check', '--kubeconfig', 'k.yaml', '--workers', '2', '--report-dir', reports],
    /--workers runs simulated clusters in parallel/,
  );
  opt(
    'check',
    '--clock without --serve',
    ['check', '--clock', 'virtual', '--report-dir', reports],
    /--clock says whose clock a --serve controller reads; it needs --serve/,
  );
  opt(
    'check',
    '--clock of nobody',
    ['check', '--clock', 'sundial', '--serve', '--', 'true'],
    /--clock.*sundial.*virtual, wall/,
  );
  opt(
    'replay',
    '--mutant with --controller',
    ['replay', cx, '--mutant', 'never-adopts', '--controller', 'x'],
    /--mutant replays on a reference mutant, --controller on your command, --serve on a served controller: give one/,
  );
  opt(
    'replay',
    '--trust-command with --controller',
    ['replay', cx, '--trust-command', '--controller', 'x'],
    /--trust-command runs the command recorded in the file; it does not combine with --controller, --mutant or --serve/,
  );
  opt(
    'replay',
    '--serve without a command',
    ['replay', cx, '--serve'],
    /--serve needs the controller command after --/,
  );
  opt(
    'replay',
    '--clock without --serve',
    ['replay', cx, '--clock', 'virtual'],
    /--clock says whose clock a --serve controller reads; it needs --serve/,
  );
  opt(
    'replay',
    '--trust-command with --mutant',
    ['replay', cx, '--trust-command', '--mutant', 'never-adopts'],
    /--trust-command .* does not combine/,
  );
  opt(
    'scenario',
    '--mutant with --controller',
    ['scenario', sc, '--mutant', 'never-adopts', '--controller', 'x', '--report-dir', reports],
    /--mutant applies to the reference implementation, not to --controller/,
  );
  opt(
    'scenario',
    '--kubeconfig',
    ['scenario', sc, '--kubeconfig', 'k.yaml', '--report-dir', reports],
    /--kubeconfig is for dsconform check/,
  );
  opt(
    'simulate',
    '--nodes with --cluster',
    ['simulate', MANIFEST, '--nodes', '2', '--cluster', 'c.yaml'],
    /option '--nodes <n>' cannot be used with option '--cluster <file>'/,
  );
  const badNumber = (command: string, option: string, value: string, extra: string[] = []) =>
    opt(
      command,
      `${option} ${value}`,
      [command, ...extra, option, value],
      new RegExp(`option '${option} <[^>]+>' argument '${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' is invalid`),
    );
  for (const [option, value] of [
    ['--runs', '0'],
    ['--runs', '-1'],
    ['--runs', 'abc'],
    ['--runs', '1e3'],
    ['--seed', 'x'],
    ['--nodes', '0'],
    ['--max-events', '0'],
    ['--workers', '0'],
    ['--shard', '3/2'],
    ['--shard', 'x'],
    ['--case', '-1'],
    ['--step-timeout', '0'],
    ['--profile', 'nope'],
  ] as const)
    badNumber('check', option, value);
  badNumber('matrix', '--runs', '0');
  badNumber('matrix', '--seed', '1.5');
  badNumber('simulate', '--nodes', '200000', [MANIFEST]);
  badNumber('simulate', '--nodes', 'x', [MANIFEST]);
  badNumber('simulate', '--max-rounds', 'x', [MANIFEST]);
  badNumber('simulate', '--max-rounds', '1000000000', [MANIFEST]);
  badNumber('explore', '--nodes', '0');
  badNumber('explore', '--nodes', '99');
  badNumber('explore', '--depth', '999');
  badNumber('replay', '--step-timeout', '0', [cx]);
  badNumber('scenario', '--step-timeout', '-5', [sc]);
  opt('dsconform', 'unknown command', ['chek'], /unknown command 'chek' \(did you mean check\?\)/);
  opt(
    'check',
    'unknown option',
    ['check', '--prfile', 'core'],
    /unknown option '--prfile' \(did you mean --profile\?\)/,
  );
  opt('replay', 'no file', ['replay'], /missing required argument 'file'/);
  opt('scenario', 'no paths', ['scenario'], /missing required argument 'paths'/);
  opt('simulate', 'no manifest', ['simulate'], /missing required argument 'manifest'/);
  opt('merge', 'no folder', ['merge'], /missing required argument 'dir'/);

  // --- output folders that cannot be written -------------------------------------------------
  for (const bad of ['/dev/null', '/dev/null/sub', '/proc/dsconform-x', '/proc/dsconform-x/y', notAFile]) {
    const line = new RegExp(
      `--report-dir ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot write reports there \\(`,
    );
    add('check', 'report folder', bad, ['check', '--runs', '1', '--report-dir', bad], line);
    add('scenario', 'report folder', bad, ['scenario', sc, '--report-dir', bad], line);
    add('matrix', 'report folder', bad, ['matrix', '--runs', '1', '--report-dir', bad], line);
    add('merge', 'report folder', bad, ['merge', dir, '--report-dir', bad], line);
  }
  add(
    'replay',
    'report folder',
    '--save-scenario under /proc',
    ['replay', cx, '--save-scenario', '/proc/dsconform-x/y.yaml'],
    /\/proc\/dsconform-x\/y\.yaml: could not write the scenario/,
  );
  add(
    'replay',
    'report folder',
    '--save-scenario under a file',
    ['replay', cx, '--save-scenario', join(notAFile, 'y.yaml')],
    /plain-file\/y\.yaml: could not write the scenario/,
  );

  // --- scenario files ------------------------------------------------------------------------
  const bad = (what: string, text: string, line: RegExp) => {
    const path = file(`scenarios/${what.replace(/[^a-z0-9]+/gi, '-')}.yaml`, text);
    add('scenario', 'scenario file', what, ['scenario', path, '--report-dir', reports], line);
  };
  const at = (name: string, l: number, rest: string) =>
    new RegExp(`${name.replace(/[^a-z0-9]+/gi, '-')}\\.yaml:${l}:\\d+: ${rest}`);
  bad(
    'alias bomb',
    `${ALIAS_BOMB}\n${scenario('  - settle\n')}`,
    at('alias bomb', 1, 'the YAML aliases \\(\\*name\\) expand too much'),
  );
  bad(
    'advance 1e300',
    scenario('  - advance: 1e300\n'),
    at('advance 1e300', 5, 'step 1 \\(advance\\): at most 31536000 seconds'),
  );
  bad('advance .inf', scenario('  - advance: .inf\n'), at('advance .inf', 5, 'step 1 \\(advance\\): '));
  bad('advance .nan', scenario('  - advance: .nan\n'), at('advance .nan', 5, 'step 1 \\(advance\\): '));
  bad('advance negative', scenario('  - advance: -5\n'), at('advance negative', 5, 'step 1 \\(advance\\): '));
  bad('advance a word', scenario('  - advance: soon\n'), at('advance a word', 5, 'step 1 \\(advance\\): '));
  bad(
    'settle advanceTime 1e300',
    scenario('  - settle: { advanceTime: 1e300 }\n'),
    at('settle advanceTime 1e300', 5, 'step 1 \\(settle\\): .*31536000'),
  );
  bad(
    'settle maxRounds 1e9',
    scenario('  - settle: { maxRounds: 1000000000 }\n'),
    at('settle maxRounds 1e9', 5, 'step 1 \\(settle\\): .*100000 rounds'),
  );
  bad(
    'quiesce maxAdvanceSeconds 1e300',
    scenario('  - quiesce: { maxAdvanceSeconds: 1e300 }\n', 'style: stepwise\n'),
    at('quiesce maxAdvanceSeconds 1e300', 6, 'step 1 \\(quiesce\\): .*31536000'),
  );
  bad(
    'grace period 1e300',
    scenario('  - settle\n  - deletePod: { node: node-0, gracePeriodSeconds: 1e300 }\n'),
    at('grace period 1e300', 6, 'step 2 \\(deletePod\\): .*31536000'),
  );
  bad(
    'readyAfterSeconds 1e300',
    scenario('  - settle\n').replace(
      'cluster: { nodes: [ { name: node-0 }, { name: node-1 } ] }',
      'cluster: { nodes: [ { name: node-0 } ], kubelet: { readyAfterSeconds: 1e300 } }',
    ),
    at('readyAfterSeconds 1e300', 2, '.*31536000'),
  );
  bad(
    'terminationSeconds 1e12',
    scenario('  - settle\n').replace(
      'cluster: { nodes: [ { name: node-0 }, { name: node-1 } ] }',
      'cluster: { nodes: [ { name: node-0 } ], kubelet: { terminationSeconds: 1000000000000 } }',
    ),
    at('terminationSeconds 1e12', 2, '.*31536000'),
  );
  bad(
    'quarantineSeconds 1e12',
    scenario('  - settle\n').replace(
      'cluster: { nodes: [ { name: node-0 }, { name: node-1 } ] }',
      'cluster: { nodes: [ { name: node-0 } ], podGC: { quarantineSeconds: 1000000000000 } }',
    ),
    at('quarantineSeconds 1e12', 2, '.*31536000'),
  );
  bad(
    'node range of 200000',
    scenario('  - settle\n', '', '[ { name: "node-{0..199999}" } ]'),
    at('node range of 200000', 2, 'node-\\{0\\.\\.199999\\} is 200000 nodes; a cluster has at most 5000 nodes'),
  );
  bad(
    'two ranges over 5000',
    scenario('  - settle\n', '', '[ { name: "a-{1..3000}" }, { name: "b-{1..3000}" } ]'),
    at('two ranges over 5000', 2, 'too many nodes: a cluster has at most 5000 nodes'),
  );
  bad(
    'addNode range of 200000',
    scenario('  - addNode: { name: "x-{0..199999}" }\n'),
    at('addNode range of 200000', 5, 'too many nodes'),
  );
  bad('10001 steps', scenario('  - sync\n'.repeat(10_001)), at('10001 steps', 4, 'steps: at most 10000 steps'));
  bad(
    'unknown node in markReady',
    scenario('  - markReady: node-9\n'),
    at(
      'unknown node in markReady',
      5,
      'step 1 \\(markReady\\): there is no node "node-9" in this scenario \\(did you mean "node-0"\\?\\)',
    ),
  );
  bad(
    'unknown node in a pick',
    scenario('  - failPod: { node: nod-1 }\n'),
    at('unknown node in a pick', 5, 'step 1 \\(failPod\\): there is no node "nod-1"'),
  );
  bad(
    'unknown node in deletePod',
    scenario('  - deletePod: { node: worker-1, all: true }\n'),
    at('unknown node in deletePod', 5, 'step 1 \\(deletePod\\): there is no node "worker-1"'),
  );
  bad(
    'unknown node in succeedPod',
    scenario('  - succeedPod: node-7\n'),
    at('unknown node in succeedPod', 5, 'step 1 \\(succeedPod\\): there is no node "node-7"'),
  );
  bad(
    'unknown node in markNotReady',
    scenario('  - markNotReady: { node: node-2 }\n'),
    at('unknown node in markNotReady', 5, 'step 1 \\(markNotReady\\): there is no node "node-2"'),
  );
  bad(
    'unknown node in expect pods',
    scenario('  - settle\n  - expect: { pods: { node-0: 1, nod-1: 1 } }\n'),
    at('unknown node in expect pods', 6, 'step 2 \\(expect\\): pods: there is no node "nod-1"'),
  );
  bad(
    'unknown node in expect orphans',
    scenario('  - settle\n  - expect: { orphans: { node-3: 0 } }\n'),
    at('unknown node in expect orphans', 6, 'step 2 \\(expect\\): orphans: there is no node "node-3"'),
  );
  bad(
    'unknown node in a taint step',
    scenario('  - taint: { node: node-5, key: k, effect: NoSchedule }\n'),
    at('unknown node in a taint step', 5, 'step 1 \\(taint\\): there is no node "node-5"'),
  );
  bad(
    'unknown node in a label step',
    scenario('  - settle\n  - label: { node: [node-0, nod-1], labels: { a: b } }\n'),
    at('unknown node in a label step', 6, 'step 2 \\(label\\): there is no node "nod-1"'),
  );
  bad(
    'unknown node in removeNode',
    scenario('  - removeNode: node-4\n'),
    at('unknown node in removeNode', 5, 'step 1 \\(removeNode\\): there is no node "node-4"'),
  );
  bad(
    'unknown DaemonSet in deletePod',
    scenario('  - deletePod: { daemonSet: fo, node: node-0 }\n'),
    at(
      'unknown DaemonSet in deletePod',
      5,
      'step 1 \\(deletePod\\): there is no DaemonSet "fo" in this scenario; it declares default/foo',
    ),
  );
  bad(
    'unknown DaemonSet in updateDaemonSet',
    scenario('  - updateDaemonSet: { daemonSet: bar, image: x }\n'),
    at('unknown DaemonSet in updateDaemonSet', 5, 'step 1 \\(updateDaemonSet\\): there is no DaemonSet "bar"'),
  );
  bad(
    'unknown DaemonSet in deleteDaemonSet',
    scenario('  - deleteDaemonSet: { daemonSet: kube-system/foo }\n'),
    at(
      'unknown DaemonSet in deleteDaemonSet',
      5,
      'step 1 \\(deleteDaemonSet\\): there is no DaemonSet "kube-system/foo"',
    ),
  );
  bad(
    'unknown DaemonSet in expect',
    scenario('  - settle\n  - expect: { daemonSet: fooo, podsTotal: 2 }\n'),
    at('unknown DaemonSet in expect', 6, 'step 2 \\(expect\\): there is no DaemonSet "fooo"'),
  );
  bad(
    'unknown DaemonSet in createPod',
    scenario('  - createPod: { node: node-0, daemonSet: nope }\n'),
    at('unknown DaemonSet in createPod', 5, 'step 1 \\(createPod\\): there is no DaemonSet "nope"'),
  );
  bad(
    'unknown DaemonSet in markReady',
    scenario('  - markReady: { daemonSet: nope, node: node-0 }\n'),
    at('unknown DaemonSet in markReady', 5, 'step 1 \\(markReady\\): there is no DaemonSet "nope"'),
  );
  bad(
    'unknown snapshot',
    scenario('  - settle\n  - expect: { kept: { snapshot: before } }\n'),
    at('unknown snapshot', 6, 'step 2 \\(expect\\): no snapshot "before" was taken before this step'),
  );
  bad(
    'unknown step',
    scenario('  - setle\n'),
    at('unknown step', 5, 'unknown step "setle" \\(did you mean "settle"\\?\\)'),
  );
  // What the file holds is quoted with its control characters escaped: no terminal escapes.
  bad(
    'a terminal escape in a step name',
    scenario('  - "\\e[2J\\e[31mfixed"\n'),
    at('a terminal escape in a step name', 5, 'unknown step "\\\\u001b\\[2J\\\\u001b\\[31mfixed"'),
  );
  bad(
    'a step with two actions',
    scenario('  - { sync: null, settle: null }\n'),
    at('a step with two actions', 5, 'a step does one thing'),
  );
  bad(
    'unknown taint effect',
    scenario('  - taint: { node: node-0, key: k, effect: Never }\n'),
    at('unknown taint effect', 5, 'step 1 \\(taint\\): effect: '),
  );
  bad(
    'duplicate node names',
    scenario('  - settle\n', '', '[ { name: "node-{0..2}" }, { name: node-1 } ]'),
    /duplicate-node-names\.yaml:2:\d+: duplicate node name "node-1"/,
  );
  bad(
    'missing manifest file',
    scenario('  - settle\n').replace(MANIFEST, 'no-such-manifest.yaml'),
    /missing-manifest-file\.yaml:3:\d+: no such manifest file: no-such-manifest\.yaml/,
  );
  bad(
    'two documents',
    `${scenario('  - settle\n')}\n---\n${scenario('  - settle\n')}`,
    /two-documents\.yaml:\d+:1: a scenario is a single YAML document/,
  );
  bad('a list, not a mapping', '- settle\n- sync\n', at('a list, not a mapping', 1, ''));
  bad('empty', '', at('empty', 1, 'the scenario is empty'));
  bad('invalid YAML', 'description: [unclosed\n', /invalid-YAML\.yaml:\d+:\d+: invalid YAML/);
  bad(
    'deep nesting',
    `description: x\nsteps: ${'['.repeat(5000)}${']'.repeat(5000)}\n`,
    /deep-nesting\.yaml:\d+:\d+: /,
  );
  bad('binary garbage', '\u0000\u0001\u0002\u00ff\ufffe garbage\n\u0007', /binary-garbage\.yaml:\d+:\d+: /);
  const missingCluster = scenario('  - settle\n').replace(
    'cluster: { nodes: [ { name: node-0 }, { name: node-1 } ] }',
    'cluster: { file: no-such-cluster.yaml }',
  );
  bad('missing cluster file', missingCluster, /no-such-cluster\.yaml:1:1: no such file/);
  add(
    'scenario',
    'scenario file',
    'no such file',
    ['scenario', join(dir, 'nope.yaml'), '--report-dir', reports],
    /nope\.yaml/,
  );
  add(
    'scenario',
    'scenario file',
    '/dev/zero',
    ['scenario', '/dev/zero', '--report-dir', reports],
    /\/dev\/zero:1:1: the file is larger than 16777216 bytes/,
  );
  const bombManifest = file('manifests/bomb.yaml', `${ALIAS_BOMB}\napiVersion: apps/v1\nkind: DaemonSet\n`);
  bad(
    'alias bomb in a manifest',
    scenario('  - settle\n').replace(MANIFEST, bombManifest),
    /bomb\.yaml:1:1: the YAML aliases/,
  );
  const bigCluster = file(
    'clusters/big.yaml',
    `nodes:\n${Array.from({ length: 5001 }, (_, i) => `  - name: n${i}\n`).join('')}`,
  );
  bad(
    'cluster file with 5001 nodes',
    scenario('  - settle\n').replace(
      'cluster: { nodes: [ { name: node-0 }, { name: node-1 } ] }',
      `cluster: { file: ${bigCluster} }`,
    ),
    /big\.yaml:\d+:\d+: .*at most 5000 nodes/,
  );

  // --- simulate ------------------------------------------------------------------------------
  const sim = (what: string, args: string[], line: RegExp) =>
    add('simulate', 'manifest and cluster files', what, ['simulate', ...args], line);
  sim('alias bomb manifest', [bombManifest], /bomb\.yaml:1:1: the YAML aliases/);
  sim('/dev/zero', ['/dev/zero'], /\/dev\/zero:1:1: the file is larger than 16777216 bytes/);
  sim('a folder', [dir], /:1:1: is a directory, not a file/);
  sim('no such file', [join(dir, 'nope.yaml')], /nope\.yaml:1:1: no such file/);
  sim('empty manifest', [file('manifests/empty.yaml', '')], /empty\.yaml:1:1: /);
  sim('no DaemonSet', [join(ROOT, 'examples/manifests/no-daemonset.yaml')], /no-daemonset\.yaml:\d+:\d+: /);
  sim('bad YAML', [join(ROOT, 'examples/manifests/bad-yaml.yaml')], /bad-yaml\.yaml:\d+:\d+: invalid YAML/);
  sim(
    'deep nesting',
    [file('manifests/deep.yaml', `kind: DaemonSet\nspec: ${'['.repeat(5000)}${']'.repeat(5000)}\n`)],
    /deep\.yaml:\d+:\d+: /,
  );
  sim(
    'cluster alias bomb',
    [MANIFEST, '--cluster', file('clusters/bomb.yaml', `${ALIAS_BOMB}\nnodes: []\n`)],
    /bomb\.yaml:1:1: the YAML aliases/,
  );
  sim('cluster of 5001 nodes', [MANIFEST, '--cluster', bigCluster], /big\.yaml:\d+:\d+: .*at most 5000 nodes/);
  sim(
    'cluster with an unknown taint effect',
    [MANIFEST, '--cluster', join(ROOT, 'examples/clusters/invalid-taint-effect.yaml')],
    /invalid-taint-effect\.yaml:\d+:\d+: /,
  );
  sim(
    'cluster with an invalid node name',
    [MANIFEST, '--cluster', join(ROOT, 'examples/clusters/invalid-node-name.yaml')],
    /invalid-node-name\.yaml:\d+:\d+: /,
  );
  sim('cluster on /dev/zero', [MANIFEST, '--cluster', '/dev/zero'], /\/dev\/zero:1:1: the file is larger/);

  // --- counterexample files (replay) ---------------------------------------------------------
  for (const [what, damage, line] of DAMAGES) {
    const data = counterexample() as Cx;
    damage(data);
    const path = file(`cx/${what.replace(/[^a-z0-9]+/gi, '-')}.json`, JSON.stringify(data));
    add(
      'replay',
      'counterexample file',
      what,
      ['replay', path],
      new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${line.source}`),
    );
  }
  const rawCx = (what: string, text: string, line: RegExp) => {
    const path = file(`cx/raw-${what.replace(/[^a-z0-9]+/gi, '-')}.json`, text);
    add('replay', 'counterexample file', what, ['replay', path], line);
  };
  rawCx('not JSON', '{"format": ', /not a JSON counterexample/);
  rawCx('empty', '', /not a JSON counterexample/);
  rawCx('a JSON list', '[]', /not a dsconform counterexample/);
  rawCx('JSON null', 'null', /not a dsconform counterexample/);
  rawCx(
    'another format',
    JSON.stringify({ ...counterexample(), format: 'dsconform/counterexample@9' }),
    /not a dsconform counterexample/,
  );
  rawCx('events not a list', JSON.stringify({ ...counterexample(), events: {} }), /not a dsconform counterexample/);
  rawCx(
    'seconds 1e400 (Infinity)',
    JSON.stringify(counterexample()).replace('"seconds":5', '"seconds":1e400'),
    /events\[4\]\.seconds: /,
  );
  add(
    'replay',
    'counterexample file',
    '/dev/zero',
    ['replay', '/dev/zero'],
    /\/dev\/zero: the file is larger than 33554432 bytes/,
  );
  add('replay', 'counterexample file', 'a folder', ['replay', dir], /is a directory, not a counterexample file/);
  add('replay', 'counterexample file', 'no such file', ['replay', join(dir, 'nope.json')], /nope\.json: no such file/);
  // A recorded command is shown, never run without consent.
  const marker = join(dir, 'PWNED');
  const hostileCommand = {
    ...counterexample(),
    implementation: { name: 'x', kind: 'process', controller: `touch ${marker}` },
  };
  const consent = file('cx/recorded-command.json', JSON.stringify(hostileCommand));
  add(
    'replay',
    'recorded command',
    'not run without consent',
    ['replay', consent],
    /the counterexample was found on the command "touch .*PWNED"; replay runs a command read from a file only when asked: pass --controller .* or --trust-command/,
  );
  add(
    'replay',
    'recorded command',
    'not run before --save-scenario either',
    ['replay', consent, '--save-scenario', join(dir, 'never.yaml')],
    /only when asked/,
  );

  // --- merge and report ----------------------------------------------------------------------
  const garbageReport = file('garbage/report.json', '{x');
  add(
    'merge',
    'report files',
    'no such folder',
    ['merge', join(dir, 'none'), '--report-dir', reports],
    /merge: .*none: no such directory/,
  );
  add(
    'merge',
    'report files',
    'a folder without reports',
    ['merge', join(dir, 'cx'), '--report-dir', reports],
    /merge: no conformance report\.json under/,
  );
  add(
    'merge',
    'report files',
    'a report that is not JSON',
    ['merge', garbageReport, '--report-dir', reports],
    /merge: .*garbage\/report\.json: not JSON/,
  );
  add('report', 'report files', 'no such folder', ['report', join(dir, 'none')], /none\/report\.json: no such file/);
  add(
    'report',
    'report files',
    'a report that is not JSON',
    ['report', join(dir, 'garbage')],
    /garbage\/report\.json: not JSON/,
  );
  const damaged = file(
    'damaged/report.json',
    JSON.stringify({ schema: 'dsconform/conformance-report@1', profiles: [1] }),
  );
  const noRunId = file(
    'no-run-id/report.json',
    JSON.stringify({ schema: 'dsconform/conformance-report@1', profiles: [] }),
  );
  add(
    'report',
    'report files',
    'a report with a damaged profile',
    ['report', join(dir, 'damaged')],
    /damaged\/report\.json: damaged or from another version: /,
  );
  add(
    'merge',
    'report files',
    'a report with a damaged profile',
    ['merge', damaged, '--report-dir', reports],
    /merge: .*damaged\/report\.json: damaged or from another version: runId: missing/,
  );
  add(
    'merge',
    'report files',
    'a report without a run id',
    ['merge', noRunId, '--report-dir', reports],
    /merge: .*no-run-id\/report\.json: damaged or from another version: runId: missing/,
  );
  opt(
    'check',
    '--path garbage',
    ['check', '--path', 'garbage'],
    /option '--path <path>' argument 'garbage' is invalid\. expected a shrink path/,
  );
  return cases;
}
