/**
 * States per second of bounded exploration (`dsconform explore`), if this version has the
 * command. If it does not, the figure is reported as not available, never estimated.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type CliIO, main } from '../src/cli/main.js';
import { round } from './stats.js';

export interface ExploreFigure {
  available: boolean;
  statesPerSecond?: number;
  states?: number;
  seconds?: number;
  note: string;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

async function helpText(): Promise<string> {
  let text = '';
  const io: CliIO = {
    stdout: (t) => {
      text += t;
    },
    stderr: () => {},
    color: false,
  };
  await main(['node', 'dsconform', '--help'], io);
  return text;
}

export async function measureExplore(): Promise<ExploreFigure> {
  if (!/^\s+explore\b/m.test(await helpText())) {
    return { available: false, note: 'this version of dsconform has no explore command (see `dsconform --help`)' };
  }
  const started = performance.now();
  const run = spawnSync(process.execPath, ['bin/dsconform.mjs', 'explore'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, CI: '1', NO_COLOR: '1' },
  });
  const seconds = (performance.now() - started) / 1000;
  const output = `${run.stdout ?? ''}\n${run.stderr ?? ''}`;
  // The command's own rate if it prints one, else the states it explored over the wall time.
  const rate = /([\d,.]+)\s+states\s*\/\s*s/i.exec(output);
  const count = /([\d,]+)\s+(?:distinct\s+)?states\b/i.exec(output);
  const number = (text: string) => Number(text.replace(/,/g, ''));
  if (rate?.[1]) {
    return {
      available: true,
      statesPerSecond: number(rate[1]),
      seconds: round(seconds, 2),
      note: 'as printed by explore',
    };
  }
  if (count?.[1]) {
    const states = number(count[1]);
    return {
      available: true,
      states,
      seconds: round(seconds, 2),
      statesPerSecond: round(states / seconds, 0),
      note: 'states explore reported, over the wall time of the whole command (start-up included)',
    };
  }
  return {
    available: true,
    seconds: round(seconds, 2),
    note: `explore ran (exit ${run.status}) but printed no state count this benchmark can read`,
  };
}
