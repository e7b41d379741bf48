/**
 * The `dsconform` command line. Thin on purpose: each subcommand parses its arguments, calls the
 * library and maps the outcome to an exit code (see exitCodes.ts). Problems with the user's input
 * become one line on stderr, `dsconform: file:line:column: what is wrong`, and exit code 2.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import pc from 'picocolors';
import { InputError } from '../manifests/inputError.js';
import { registerCheck, servedCheckArgv } from './check.js';
import { registerDiff } from './diff.js';
import { ExitCode } from './exitCodes.js';
import { registerExplore } from './explore.js';
import { installProcessHandlers, outputIsDropped } from './lifecycle.js';
import { registerMatrix } from './matrix.js';
import { registerMerge } from './merge.js';
import { registerReferenceController } from './referenceController.js';
import { registerReplay } from './replay.js';
import { registerReport } from './report.js';
import { registerScenario } from './scenario.js';
import { registerServe } from './serve.js';
import { registerSimulate } from './simulate.js';
import { registerSoak } from './soak.js';

/** Where a command writes; tests pass their own to capture output. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether human-readable output may use colours (stdout is a terminal that supports them). */
  readonly color: boolean;
}

/** What a subcommand's action gets besides its arguments. */
export interface CliContext {
  readonly io: CliIO;
  /** Sets the exit code main() returns (the last call wins). */
  exit(code: ExitCode): void;
}

/** Adds one subcommand to the program. */
export type RegisterCommand = (program: Command, context: CliContext) => void;

export const processIO: CliIO = {
  // Once interrupted, a command's own output ends (src/cli/lifecycle.ts: outputIsDropped).
  stdout: (text) => {
    if (!outputIsDropped()) process.stdout.write(text);
  },
  stderr: (text) => {
    if (!outputIsDropped()) process.stderr.write(text);
  },
  // picocolors alone would also colour a pipe when CI is set; piped output stays plain.
  color: process.stdout.isTTY === true && pc.isColorSupported,
};

/** Every subcommand, in the order `--help` lists them; each lives in its own module. */
const COMMANDS: readonly RegisterCommand[] = [
  registerCheck,
  registerDiff,
  registerExplore,
  registerMatrix,
  registerMerge,
  registerReplay,
  registerReport,
  registerScenario,
  registerServe,
  registerSimulate,
  registerSoak,
  registerReferenceController,
];

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

/**
 * Text as a single line that is safe to print: messages may quote what a file holds, and a
 * control character (an ANSI escape sequence, say) must not reach the terminal as such.
 */
function oneLine(text: string): string {
  return (
    text
      .replace(/\s*[\r\n]+\s*/g, ' ')
      .trim()
      // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
      .replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  );
}

/** Runs the CLI on `argv` (as process.argv: node, script, arguments...) and returns the exit code. */
export async function main(argv: readonly string[], io: CliIO = processIO): Promise<ExitCode> {
  let exitCode: ExitCode = ExitCode.Ok;
  // The real command ends quietly on a closed stdout and stops implementations on a signal.
  if (io === processIO) installProcessHandlers();
  // Whether commander has already printed a usage error (its own parse errors); errors a command
  // throws itself (InvalidArgumentError for a conflict, say) are printed here, once.
  let printed = false;
  const context: CliContext = {
    io,
    exit: (code) => {
      exitCode = code;
    },
  };
  const program = new Command('dsconform')
    .description('Formal model and conformance harness for Kubernetes DaemonSet semantics')
    .version(packageVersion())
    // Set before the subcommands are added: they inherit output and exit handling.
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      outputError: (text, write) => {
        printed = true;
        // One line: commander puts its "(Did you mean ...?)" on a line of its own.
        write(`${oneLine(text.replace(/^error: /, 'dsconform: ')).replace(/\(Did you mean/, '(did you mean')}\n`);
      },
    })
    .exitOverride()
    .showSuggestionAfterError();
  for (const register of COMMANDS) register(program, context);

  // `check --serve -- <command> --runs 200`: check's run options after the command are its own.
  const served = servedCheckArgv(argv);
  if (served.taken.length > 0)
    io.stderr(
      `dsconform: ${served.taken.join(' ')} after the controller command: check's own options (to give them to the controller, run it as -- sh -c '<command>')\n`,
    );
  try {
    await program.parseAsync(served.argv);
  } catch (error) {
    // Help and --version exit with 0; any usage error is bad input, never a violation.
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return ExitCode.Ok;
      if (!printed) io.stderr(`dsconform: ${oneLine(error.message.replace(/^error: /, ''))}\n`);
      return ExitCode.CouldNotCheck;
    }
    if (error instanceof InputError) {
      io.stderr(`dsconform: ${oneLine(error.message)}\n`);
      return ExitCode.CouldNotCheck;
    }
    // One line, like every other failure; the stack only when asked for (it is for a bug report).
    if (process.env.DSCONFORM_DEBUG) {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      io.stderr(`dsconform: internal error (please report it): ${detail}\n`);
    } else {
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      io.stderr(
        `dsconform: internal error (please report it; DSCONFORM_DEBUG=1 shows where): ${oneLine(detail).slice(0, 500)}\n`,
      );
    }
    return ExitCode.CouldNotCheck;
  }
  return exitCode;
}
