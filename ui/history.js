// The offender's recent windows as the runtime keeps them (GET /api/entities/history).
import { usePoll } from './api.js';

export function historyKey(workload) {
  if (!workload || typeof workload !== 'object') return '';
  return workload.principal || workload.address || '';
}

export function useHistory(incident) {
  const key = historyKey(incident.workload);
  return usePoll(key ? `/api/entities/history?workload=${encodeURIComponent(key)}` : undefined, 10000);
}
