/**
 * Polls `check` until it holds and returns how long that took; after `timeoutMs` it throws, naming what
 * it waited for and, when given, `detail()` (a replica's log tail, say).
 */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  opts: { intervalMs?: number; detail?: () => string } = {},
): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) {
      const detail = opts.detail?.();
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `\n${detail}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
  return Date.now() - started;
}
