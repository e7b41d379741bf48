/**
 * Option parsers and option groups shared by the commands that generate cases (check, diff, soak,
 * matrix, replay, scenario): each turns a bad value into commander's one-line error.
 */
import { type Command, InvalidArgumentError } from 'commander';

export function positiveInt(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1)
      throw new InvalidArgumentError(`${name} must be a positive whole number`);
    return Number(value);
  };
}

export function nonNegativeInt(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number, 0 or more`);
    return Number(value);
  };
}

export function seedValue(value: string): number {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError('the seed must be a whole number');
  return Number(value) | 0;
}

/** `--shard i/n`: 1 <= i <= n. */
export function shardValue(value: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) {
    throw new InvalidArgumentError('--shard must be i/n with 1 <= i <= n, e.g. 2/4');
  }
  return { index, count };
}

/** A fast-check shrink path as a failure prints it: one fast-check cannot read would be ignored silently. */
export function shrinkPathValue(value: string): string {
  if (!/^\d+(:\d+)*$/.test(value)) throw new InvalidArgumentError('expected a shrink path as printed, e.g. 17:0:3');
  return value;
}

/** --step-timeout, --report-dir, --nodes and --max-events, as every case-generating command has them. */
export function caseOptions(command: Command, help: { stepTimeout: string; reportDir: string }): Command {
  return command
    .option('--step-timeout <ms>', help.stepTimeout, positiveInt('--step-timeout'), 10_000)
    .option('--report-dir <dir>', help.reportDir, 'reports')
    .option('--nodes <n>', 'nodes in the generated clusters', positiveInt('--nodes'), 3)
    .option('--max-events <n>', 'longest generated event sequence', positiveInt('--max-events'), 30);
}
