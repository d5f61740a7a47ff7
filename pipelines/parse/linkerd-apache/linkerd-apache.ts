/**
 * Linkerd's apache access log (`config.linkerd.io/access-log: apache`), bare or shipped. See README.md.
 * `<client.addr> <client.id> - [<timestamp>] "<method> <uri> <version>" <status>` and, when present,
 * the response bytes after the status.
 */
import { buildLinkerdEvent } from '../linkerd.js';
import type { ParseOptions } from '../options.js';
import { reject, type Emit } from '../parser.js';
import { forEachShipped } from '../shipped.js';
import { show } from '../values.js';

const APACHE = /^(\S+) (\S+) (\S+) \[([^\]]+)\] "(\S+) (\S+) ([^"\s]+)" (\d{1,3})(?: (\d+|-))?/;

export function parseLinkerdApache(line: string, opts: ParseOptions, emit: Emit): void {
  forEachShipped(line, emit, (payload, meta) => {
    if (typeof payload !== 'string') {
      emit(reject('linkerd-apache: a JSON record, not an apache line (is it linkerd-json?)'));
      return;
    }
    const m = APACHE.exec(payload);
    if (m === null) {
      emit(reject(`linkerd-apache: not an apache access line: ${show(payload)}`));
      return;
    }
    const r = buildLinkerdEvent(
      {
        clientAddr: m[1],
        clientId: m[2],
        timestamp: m[4],
        method: m[5],
        uri: m[6],
        version: m[7],
        status: m[8],
        responseBytes: m[9],
      },
      meta,
      opts,
    );
    if (r !== null) emit(r);
  });
}
