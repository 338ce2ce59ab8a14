/**
 * Milliseconds on a monotonic clock, with sub-millisecond precision, for
 * measuring durations: the clock `performance.now()` reads, from an arbitrary
 * origin, through `process.hrtime()`, which every process already has. The
 * global `performance`, on first use, loads Node's performance-timing modules
 * (nine of them), a cost every start of the CLI would pay for one subtraction.
 */
export function monotonicMs(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1e3 + nanoseconds / 1e6;
}
