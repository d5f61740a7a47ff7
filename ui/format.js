// How incidents read on the page: the same words as the alerts (pipelines/responders/alerts/format.ts).
export const KINDS = {
  unauthorized_access: 'Unauthorized access',
  exfiltration: 'Data exfiltration',
  lateral_movement: 'Lateral movement',
  scanning: 'Scanning',
  anomaly: 'Anomalous traffic',
};
export const SEVERITIES = ['critical', 'high', 'medium', 'low'];

/** "shop/frontend", or the address when the logs carry no identity. */
export function offenderName(workload) {
  if (!workload || typeof workload !== 'object') return 'unknown workload';
  if (workload.serviceAccount) return `${workload.namespace ?? '?'}/${workload.serviceAccount}`;
  if (workload.address)
    return workload.namespace && workload.workload
      ? `${workload.namespace}/${workload.workload} (${workload.address})`
      : workload.address;
  return workload.principal ?? 'unknown workload';
}

/** The principal, or the address with why there is none. */
export function offenderDetail(workload) {
  if (!workload || typeof workload !== 'object') return '';
  if (workload.principal) return workload.principal;
  if (workload.address) return `address ${workload.address} (no mesh identity in the logs)`;
  return '';
}

export function namespaceOf(workload) {
  return (workload && workload.namespace) || '';
}

export function actionText(action) {
  if (!action) return 'alert';
  if (action.type === 'quarantine' && action.containment === 'contain-to-baseline')
    return `contained to baseline (${action.mode ?? '?'})`;
  if (action.type === 'quarantine') return `quarantine (${action.mode ?? '?'})`;
  return 'alert';
}

/** A ledger record's response: cut off, or contained to the edges it had before the incident. */
export function containmentText(record) {
  if (record.containment !== 'contain-to-baseline') return 'full quarantine';
  const kept = Array.isArray(record.kept) && record.kept.length > 0 ? record.kept.join(', ') : 'nothing';
  return `contained to its baseline: may still call ${kept}`;
}

export function formatTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso ?? '');
  return d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

export function formatNumber(n, key = '') {
  if (typeof n !== 'number' || !Number.isFinite(n)) return String(n ?? '-');
  if (/bytes/i.test(key) && Math.abs(n) >= 1024) {
    const units = ['KiB', 'MiB', 'GiB', 'TiB'];
    let v = n / 1024;
    let u = 0;
    while (Math.abs(v) >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return `${v.toFixed(1)} ${units[u]}`;
  }
  if (Number.isInteger(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3);
}

export function humanKey(key) {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();
}

export function incidentPath(id) {
  return `/ui/incidents/${encodeURIComponent(id)}`;
}
