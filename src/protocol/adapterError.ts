/**
 * Something went wrong with the implementation under test itself (not a conformance verdict):
 * it would not start, died, hung, broke the protocol. The CLI maps it to exit code 2.
 */
export type AdapterFailure =
  | 'spawn'
  | 'exited'
  | 'timeout'
  | 'framing'
  | 'schema'
  | 'protocol-version'
  | 'implementation-error';

export class AdapterError extends Error {
  readonly failure: AdapterFailure;

  constructor(failure: AdapterFailure, message: string) {
    super(message);
    this.name = 'AdapterError';
    this.failure = failure;
  }
}
