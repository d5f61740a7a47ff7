/**
 * One ztunnel access record, from its text line (`<time> info access connection complete src.addr=...`) or
 * its JSON form (LOG_FORMAT=json: `{"time", "level", "scope", "message", "src.addr", ...}`).
 */

export class ZtunnelFields {
  time: unknown = undefined;
  level = '';
  scope = '';
  message = '';
  srcAddr: unknown = undefined;
  srcWorkload: unknown = undefined;
  srcNamespace: unknown = undefined;
  srcIdentity: unknown = undefined;
  dstAddr: unknown = undefined;
  dstHboneAddr: unknown = undefined;
  dstService: unknown = undefined;
  dstWorkload: unknown = undefined;
  dstNamespace: unknown = undefined;
  dstIdentity: unknown = undefined;
  direction: unknown = undefined;
  bytesSent: unknown = undefined;
  bytesRecv: unknown = undefined;
  duration: unknown = undefined;
  error: unknown = undefined;
  /** How many access keys were set: 0 means the record was not a ztunnel access line. */
  known = 0;

  /** Set one field by its ztunnel key; other keys are ignored (a switch: hostile keys reach nothing). */
  set(key: string, v: unknown): void {
    this.known++;
    switch (key) {
      case 'src.addr':
        this.srcAddr = v;
        return;
      case 'src.workload':
        this.srcWorkload = v;
        return;
      case 'src.namespace':
        this.srcNamespace = v;
        return;
      case 'src.identity':
        this.srcIdentity = v;
        return;
      case 'dst.addr':
        this.dstAddr = v;
        return;
      case 'dst.hbone_addr':
        this.dstHboneAddr = v;
        return;
      case 'dst.service':
        this.dstService = v;
        return;
      case 'dst.workload':
        this.dstWorkload = v;
        return;
      case 'dst.namespace':
        this.dstNamespace = v;
        return;
      case 'dst.identity':
        this.dstIdentity = v;
        return;
      case 'direction':
        this.direction = v;
        return;
      case 'bytes_sent':
        this.bytesSent = v;
        return;
      case 'bytes_recv':
        this.bytesRecv = v;
        return;
      case 'duration':
        this.duration = v;
        return;
      case 'error':
        this.error = v;
        return;
      default:
        this.known--;
    }
  }

  /** The JSON form: header keys plus the same access keys. */
  assignFrom(o: Record<string, unknown>): void {
    this.time = o['time'] ?? o['timestamp'];
    this.level = typeof o['level'] === 'string' ? o['level'] : '';
    this.scope =
      typeof o['scope'] === 'string' ? o['scope'] : typeof o['target'] === 'string' ? o['target'] : '';
    this.message = typeof o['message'] === 'string' ? o['message'] : '';
    for (const k of ACCESS_KEYS) if (o[k] !== undefined) this.set(k, o[k]);
  }
}

const ACCESS_KEYS = [
  'src.addr',
  'src.workload',
  'src.namespace',
  'src.identity',
  'dst.addr',
  'dst.hbone_addr',
  'dst.service',
  'dst.workload',
  'dst.namespace',
  'dst.identity',
  'direction',
  'bytes_sent',
  'bytes_recv',
  'duration',
  'error',
] as const;

/**
 * The text form: header words (time, level, scope, message), then `key=value` pairs whose values are bare
 * or double-quoted with backslash escapes (Rust's Debug format). Tabs and spaces both separate (docs show
 * both). Returns '' or the reason the line is not a ztunnel record.
 */
export function scanZtunnelText(line: string, f: ZtunnelFields): string {
  const n = line.length;
  const header: string[] = [];
  let i = 0;
  while (i < n) {
    while (i < n && isBlank(line.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isBlank(line.charCodeAt(i)) && line.charCodeAt(i) !== 61 /* = */) i++;
    if (i < n && line.charCodeAt(i) === 61) {
      const key = line.slice(start, i);
      i++;
      let value: string;
      if (line.charCodeAt(i) === 34 /* " */) {
        let out = '';
        let j = i + 1;
        let closed = false;
        while (j < n) {
          const c = line.charCodeAt(j);
          if (c === 92 /* \ */ && j + 1 < n) {
            out += line.charAt(j + 1);
            j += 2;
            continue;
          }
          if (c === 34) {
            closed = true;
            j++;
            break;
          }
          out += line.charAt(j);
          j++;
        }
        if (!closed) return `${key}: unterminated quoted value`;
        value = out;
        i = j;
      } else {
        const vs = i;
        while (i < n && !isBlank(line.charCodeAt(i))) i++;
        value = line.slice(vs, i);
      }
      f.set(key, value);
    } else {
      // Header words only come before the first key=value pair.
      if (f.known === 0 && header.length < 12) header.push(line.slice(start, i));
      while (i < n && !isBlank(line.charCodeAt(i))) i++;
    }
  }
  readHeader(header, f);
  return '';
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** `2024-05-04T09:59:05.028709Z info access connection complete` (also `INFO access: connection complete`). */
function readHeader(words: string[], f: ZtunnelFields): void {
  let k = 0;
  const first = words[0] ?? '';
  if (first.length >= 10 && first.charCodeAt(4) === 45 && first.charCodeAt(7) === 45) {
    f.time = first;
    k = 1;
  }
  const level = words[k] ?? '';
  if (/^(trace|debug|info|warn|error)$/i.test(level)) {
    f.level = level.toLowerCase();
    k++;
  }
  const scope = words[k] ?? '';
  f.scope = scope.endsWith(':') ? scope.slice(0, -1) : scope;
  f.message = words.slice(k + 1).join(' ');
}
