/** Shared command-line helpers: one place for durations and usage errors. */
import { MeshguardError } from '../../pipelines/core/errors.js';

/** "90s", "30m", "2h", "1d", "500ms" or plain seconds → milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m)
    throw new MeshguardError(
      'MESHGUARD_ERR_CLI_USAGE',
      `${flag}: not a duration: "${text}" (use e.g. 90s, 30m, 2h)`,
    );
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit]!;
  return Math.round(n * factor);
}

export function parsePort(text: string | undefined, flag = '--port'): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new MeshguardError('MESHGUARD_ERR_CLI_USAGE', `${flag}: not a port number: "${text}"`);
  return n;
}

export function usageError(message: string): MeshguardError {
  return new MeshguardError('MESHGUARD_ERR_CLI_USAGE', message);
}
