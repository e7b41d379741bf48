/** The exit codes every dsconform command uses, so that CI can tell a failed check from a broken run. */
export const ExitCode = {
  /** The implementation conforms, or the command did what was asked. */
  Ok: 0,
  /** A violation was found. */
  Violation: 1,
  /** Nothing could be checked: bad input, bad usage, or a run that did not reach a result. */
  CouldNotCheck: 2,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
