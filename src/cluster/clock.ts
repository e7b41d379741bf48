/**
 * The virtual clock. Nothing in dsconform reads wall-clock time: every timestamp comes from here,
 * and time moves only when a caller advances it.
 */

/** 2025-01-01T00:00:00Z: an arbitrary fixed origin so that the same run prints the same timestamps. */
export const CLOCK_ORIGIN_MS = Date.UTC(2025, 0, 1);

export class VirtualClock {
  #nowMs: number;

  constructor(startMs: number = CLOCK_ORIGIN_MS) {
    this.#nowMs = startMs;
  }

  /** Milliseconds since the Unix epoch, virtual. */
  nowMs(): number {
    return this.#nowMs;
  }

  /** RFC 3339 with second precision, as metav1.Time serialises. */
  nowTimestamp(): string {
    return toTimestamp(this.#nowMs);
  }

  /** Seconds elapsed since the clock's origin (handy for traces). */
  elapsedSeconds(): number {
    return (this.#nowMs - CLOCK_ORIGIN_MS) / 1000;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot advance the clock by ${ms} ms`);
    this.#nowMs += ms;
  }

  advanceSeconds(seconds: number): void {
    this.advance(seconds * 1000);
  }
}

/**
 * The last second a timestamp can name (RFC 3339 ends with year 9999). A deadline past it (a
 * grace period or toleration of 10^15 seconds, which the API accepts as an int64) is written as
 * this second, as a Go time saturates, instead of failing as an invalid date.
 */
const LAST_SECOND = Date.UTC(9999, 11, 31, 23, 59, 59) / 1000;

/** The last conversion: the clock reads the same second many times in a row. */
let lastSecond: number | undefined;
let lastTimestamp = '';

export function toTimestamp(ms: number): string {
  const second = Math.min(Math.floor(ms / 1000), LAST_SECOND);
  if (second === lastSecond) return lastTimestamp;
  const text = new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  lastSecond = second;
  lastTimestamp = text;
  return text;
}

/** Parsed timestamps: the cluster's objects carry a few distinct ones, read again and again. */
const parsed = new Map<string, number | undefined>();

export function parseTimestamp(ts: string | undefined): number | undefined {
  if (ts === undefined) return undefined;
  if (parsed.has(ts)) return parsed.get(ts);
  const ms = Date.parse(ts);
  const result = Number.isNaN(ms) ? undefined : ms;
  if (typeof ts === 'string') {
    if (parsed.size >= 4096) parsed.clear();
    parsed.set(ts, result);
  }
  return result;
}
