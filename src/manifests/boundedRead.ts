/**
 * Reads a whole input file, but never more than a limit: `/dev/zero`, a runaway pipe or a
 * multi-gigabyte file is refused once the limit is passed, instead of filling the memory.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Thrown when the file holds more than the limit. */
export class TooLargeError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`larger than ${limit} bytes`);
    this.name = 'TooLargeError';
    this.limit = limit;
  }
}

/** The file's text (UTF-8), read in chunks up to `maxBytes`; fs errors (ENOENT, EISDIR...) as thrown by fs. */
export function readBoundedText(file: string, maxBytes: number): string {
  const fd = openSync(file, 'r');
  try {
    if (fstatSync(fd).isDirectory()) {
      const error = new Error(`EISDIR: illegal operation on a directory, read '${file}'`) as NodeJS.ErrnoException;
      error.code = 'EISDIR';
      throw error;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > maxBytes) throw new TooLargeError(maxBytes);
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
