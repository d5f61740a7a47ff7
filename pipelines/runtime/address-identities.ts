/**
 * Enrichment that needs state: Istio's default formats carry no caller identity, so a caller is often
 * only its pod IP. Records that carry both (a principal and the address it called from) teach which
 * identity an address belongs to; records from that address without an identity then get it.
 */
import type { MeshEvent } from '../core/event.js';
import { spiffeParts } from '../parse/spiffe.js';

/**
 * Addresses remembered (one per pod): past this, new addresses stay unresolved rather than grow the
 * map. Far above any one mesh's pod count, the same order as the identities remembered as destinations.
 */
export const MAX_KNOWN_ADDRESSES = 200_000;

/**
 * Who a pod IP belongs to. One per pod, so kept small: namespace and service account are read back
 * from the principal when needed (memoized), not stored twice.
 */
interface AddressIdentity {
  principal: string;
  workload: string;
}

export class AddressIdentities {
  /** Pod IP → the first identity seen calling from it. */
  private readonly byAddress = new Map<string, AddressIdentity>();

  /** Learns from an event that carries an identity; gives one that does not the identity its address had. */
  enrich(ev: MeshEvent): void {
    if (ev.srcAddress === '') return;
    if (ev.srcPrincipal !== '') {
      if (!this.byAddress.has(ev.srcAddress) && this.byAddress.size < MAX_KNOWN_ADDRESSES)
        this.byAddress.set(ev.srcAddress, { principal: ev.srcPrincipal, workload: ev.srcWorkload });
      return;
    }
    const known = this.byAddress.get(ev.srcAddress);
    if (known === undefined) return;
    const spiffe = spiffeParts(known.principal);
    ev.src = known.principal;
    ev.srcPrincipal = known.principal;
    if (spiffe.namespace !== '') ev.srcNamespace = spiffe.namespace;
    if (spiffe.serviceAccount !== '') ev.srcServiceAccount = spiffe.serviceAccount;
    if (ev.srcWorkload === '') ev.srcWorkload = known.workload;
  }
}
