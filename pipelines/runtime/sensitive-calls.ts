/**
 * Calls to sensitive destinations (the Kubernetes API, cloud metadata), kept per source from the event
 * until the window holding them closes: the window aggregates drop method, path and status, which is
 * what tells an attacker's call from a housekeeping job's.
 */
import type { MeshEvent } from '../core/event.js';
import type { SensitiveCall } from '../detect/detector.js';

/** Calls kept per source and window: enough to show what it did, bounded whatever it does. */
const MAX_CALLS_PER_SOURCE = 64;

/** Hosts that a workload has no business calling unless it always did (Falco's rules say the same). */
export function isSensitiveDestination(host: string): boolean {
  // Cheap first-character screen: this runs on the hot path.
  const c = host.charCodeAt(0);
  if (c !== 107 && c !== 49 && c !== 109 && c !== 102) return false; // k, 1, m, f
  const h = host.toLowerCase();
  return (
    h === '169.254.169.254' ||
    h === 'metadata.google.internal' ||
    h === 'metadata' ||
    h === '100.100.100.200' ||
    h === 'fd00:ec2::254' ||
    h.startsWith('kubernetes.default') ||
    h === 'kubernetes'
  );
}

export class SensitiveCalls {
  private readonly bySource = new Map<string, SensitiveCall[]>();

  /** Keeps the event if it is a call to a sensitive destination. */
  note(ev: MeshEvent): void {
    const target = ev.egress ? ev.externalHost || ev.dst : ev.dst;
    if (!isSensitiveDestination(target)) return;
    let calls = this.bySource.get(ev.src);
    if (calls === undefined) {
      calls = [];
      this.bySource.set(ev.src, calls);
    }
    if (calls.length < MAX_CALLS_PER_SOURCE)
      calls.push({
        destination: target,
        method: ev.method,
        path: ev.path,
        status: ev.status,
        timeMs: ev.timeMs,
      });
  }

  /** The source's calls before `endMs`, left in place (a window decided early is decided again). */
  peek(src: string, endMs: number): SensitiveCall[] {
    return (this.bySource.get(src) ?? []).filter((c) => c.timeMs < endMs);
  }

  /** The source's calls before `endMs`, handed over once: their window has closed. */
  take(src: string, endMs: number): SensitiveCall[] {
    const calls = this.bySource.get(src);
    if (calls === undefined) return [];
    const due = calls.filter((c) => c.timeMs < endMs);
    const rest = calls.filter((c) => c.timeMs >= endMs);
    if (rest.length === 0) this.bySource.delete(src);
    else this.bySource.set(src, rest);
    return due;
  }
}
