/**
 * Linkerd's JSON access log (`config.linkerd.io/access-log: json`), bare or shipped. See README.md.
 */
import { buildLinkerdEvent } from '../linkerd.js';
import type { ParseOptions } from '../options.js';
import { reject, type Emit } from '../parser.js';
import { forEachShipped } from '../shipped.js';
import { show } from '../values.js';

export function parseLinkerdJson(line: string, opts: ParseOptions, emit: Emit): void {
  forEachShipped(line, emit, (payload, meta) => {
    if (typeof payload === 'string') {
      emit(reject(`linkerd-json: not a JSON record: ${show(payload)}`));
      return;
    }
    if (payload['client.addr'] === undefined && payload['client.id'] === undefined) {
      emit(reject('linkerd-json: no client.addr or client.id: not a Linkerd access record'));
      return;
    }
    const r = buildLinkerdEvent(
      {
        clientAddr: payload['client.addr'],
        clientId: payload['client.id'],
        timestamp: payload['timestamp'],
        method: payload['method'],
        uri: payload['uri'],
        version: payload['version'],
        status: payload['status'],
        requestBytes: payload['request_bytes'],
        responseBytes: payload['response_bytes'],
        totalNs: payload['total_ns'],
        userAgent: payload['user_agent'],
        host: payload['host'],
        traceId: payload['trace_id'],
      },
      meta,
      opts,
    );
    if (r !== null) emit(r);
  });
}
