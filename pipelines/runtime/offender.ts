/** Who an incident names as the offender, from a source's window or from a finding's entity key. */
import type { SourceWindow } from '../features/window.js';
import type { OffenderIdentity } from '../incidents/manager.js';

export function offenderOfWindow(sw: SourceWindow): OffenderIdentity {
  return {
    principal: sw.principal,
    namespace: sw.namespace,
    serviceAccount: sw.serviceAccount,
    workload: sw.workload,
    address: sw.address,
    addressDirect: sw.address !== '' && sw.indirectAddresses === 0,
  };
}

/**
 * The offender named by an entity key alone (findings from outside the windows, such as the metric
 * series detectors): a SPIFFE principal, or `namespace/workload`.
 */
export function offenderOfEntity(entity: string): OffenderIdentity {
  const principal = entity.startsWith('spiffe://') ? entity : '';
  const [, namespace = '', serviceAccount = ''] = /\/ns\/([^/]+)\/sa\/([^/]+)/.exec(principal) ?? [];
  const [ns = '', workload = ''] = principal === '' ? entity.split('/') : [];
  return { principal, namespace: namespace || ns, serviceAccount, workload, address: '' };
}
