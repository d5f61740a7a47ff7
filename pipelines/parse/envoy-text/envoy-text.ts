/**
 * Envoy's default text access-log format and Istio's text default, one record per line (see README.md).
 */
import { EnvoyFields } from '../envoy-fields.js';
import { scanEnvoyText } from '../envoy-text-scanner.js';
import { NO_META } from '../kubernetes.js';
import type { ParseOptions } from '../options.js';
import { reject, type Emit } from '../parser.js';
import { buildEvent } from '../record.js';
import { MAX_LINE_CHARS, tooLongReason } from '../values.js';

export function parseEnvoyText(line: string, opts: ParseOptions, emit: Emit): void {
  if (line.length > MAX_LINE_CHARS) {
    emit(reject(tooLongReason(line)));
    return;
  }
  const f = new EnvoyFields();
  const why = scanEnvoyText(line, f);
  emit(why !== '' ? reject(why) : buildEvent(f, NO_META, opts, 0));
}
