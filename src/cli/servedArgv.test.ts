import { describe, expect, it } from 'vitest';
import { servedCheckArgv } from './check.js';

const argv = (...words: string[]) => ['node', 'dsconform', ...words];

describe('check --serve -- <command> <check options>', () => {
  it("takes check's run options from the end of the controller command", () => {
    expect(servedCheckArgv(argv('check', '--serve', '--', 'bin', '--runs', '200'))).toEqual({
      argv: argv('check', '--serve', '--runs', '200', '--', 'bin'),
      taken: ['--runs', '200'],
    });
    expect(
      servedCheckArgv(argv('check', '--serve', '--', 'bin', '--mutant', 'x', '--runs=5', '--no-shrink', '--seed', '3')),
    ).toEqual({
      argv: argv('check', '--serve', '--runs=5', '--no-shrink', '--seed', '3', '--', 'bin', '--mutant', 'x'),
      taken: ['--runs=5', '--no-shrink', '--seed', '3'],
    });
  });

  it("leaves the command alone where they are not check's, or would leave no program", () => {
    for (const words of [
      ['check', '--serve', '--', 'bin', '--runs'], // no value: the controller's
      ['check', '--serve', '--', '--runs', '2'], // the program itself
      ['check', '--', 'bin', '--runs', '200'], // no --serve
      ['check', '--serve', '--', 'bin', '--workers', '2'], // not a run option
      ['check', '--serve', '--', 'bin', '--runs', '2', '--mutant', 'x'], // not trailing
      ['replay', 'check', '--serve', '--', 'bin', '--runs', '2'], // not check (a file named check)
    ]) {
      expect(servedCheckArgv(argv(...words))).toEqual({ argv: argv(...words), taken: [] });
    }
  });
});
