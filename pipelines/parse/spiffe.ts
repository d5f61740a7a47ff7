/**
 * SPIFFE ids (`spiffe://<trust domain>/ns/<namespace>/sa/<service account>`) as Envoy logs peer URI SANs.
 */
import { MEMO_ENTRIES, Memo } from './memo.js';

/**
 * First SPIFFE id in a URI-SAN field (Envoy joins several SANs with commas); '' when there is none.
 * `spiffe://cluster.local/ns/shop/sa/frontend`
 */
export function spiffeOf(san: string): string {
  if (san === '') return '';
  const at = san.indexOf('spiffe://');
  if (at === -1) return '';
  const end = san.indexOf(',', at);
  return end === -1 ? (at === 0 ? san : san.slice(at)) : san.slice(at, end);
}

/** Namespace segment of a SPIFFE id ('' when it does not follow Istio's /ns/<ns>/sa/<sa> layout). */
export function spiffeNamespace(id: string): string {
  const a = id.indexOf('/ns/');
  if (a === -1) return '';
  const b = id.indexOf('/', a + 4);
  return b === -1 ? '' : id.slice(a + 4, b);
}

/**
 * Service-account segment of a SPIFFE id; for Consul's `.../dc/<dc>/svc/<service>` the service, which is
 * what a Consul workload's identity names.
 */
export function spiffeServiceAccount(id: string): string {
  let a = id.indexOf('/sa/');
  if (a === -1) a = id.indexOf('/svc/') + 1;
  if (a <= 0) return '';
  const b = id.indexOf('/', a + 4);
  return b === -1 ? id.slice(a + 4) : id.slice(a + 4, b);
}

/** A URI-SAN field's SPIFFE id and its namespace / service account, once per distinct field value. */
export class Spiffe {
  constructor(
    readonly id: string,
    readonly namespace: string,
    readonly serviceAccount: string,
  ) {}
}

const NO_SPIFFE = new Spiffe('', '', '');
const spiffes = new Memo<Spiffe>(MEMO_ENTRIES);

/** The SPIFFE id in a SAN list with its namespace and service account, memoized per string. */
export function spiffeParts(san: string): Spiffe {
  if (san === '') return NO_SPIFFE;
  let s = spiffes.get(san);
  if (s === undefined) {
    const id = spiffeOf(san);
    s = spiffes.set(
      san,
      id === '' ? NO_SPIFFE : new Spiffe(id, spiffeNamespace(id), spiffeServiceAccount(id)),
    );
  }
  return s;
}
