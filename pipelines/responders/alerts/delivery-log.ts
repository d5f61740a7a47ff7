/**
 * What became of each alert this process sent, by incident: queued, delivered (after how many
 * attempts) or failed for good (with the reason), per channel and event. The incident console shows it
 * beside the incident. Bounded: the newest `maxIncidents` incidents are kept. Per replica, in memory.
 */
import type { AlertEvent } from './format.js';

export type DeliveryStatus = 'queued' | 'delivered' | 'failed';

export interface DeliveryRecord {
  channel: string;
  event: AlertEvent;
  status: DeliveryStatus;
  attempts: number;
  error?: string;
  queuedAt: string;
  updatedAt: string;
}

export class DeliveryLog {
  private readonly byIncident = new Map<string, DeliveryRecord[]>();

  constructor(
    private readonly now: () => number,
    private readonly maxIncidents = 1000,
  ) {}

  private find(incidentId: string, channel: string, event: AlertEvent): DeliveryRecord | undefined {
    return this.byIncident.get(incidentId)?.find((r) => r.channel === channel && r.event === event);
  }

  queued(incidentId: string, channel: string, event: AlertEvent): void {
    const at = new Date(this.now()).toISOString();
    const records = this.byIncident.get(incidentId) ?? [];
    const existing = records.find((r) => r.channel === channel && r.event === event);
    if (existing) Object.assign(existing, { status: 'queued', attempts: 0, updatedAt: at, error: undefined });
    else records.push({ channel, event, status: 'queued', attempts: 0, queuedAt: at, updatedAt: at });
    this.byIncident.set(incidentId, records);
    while (this.byIncident.size > this.maxIncidents)
      this.byIncident.delete(this.byIncident.keys().next().value as string);
  }

  delivered(incidentId: string, channel: string, event: AlertEvent, attempts: number): void {
    const r = this.find(incidentId, channel, event);
    if (r) Object.assign(r, { status: 'delivered', attempts, updatedAt: new Date(this.now()).toISOString() });
  }

  failed(incidentId: string, channel: string, event: AlertEvent, reason: string): void {
    const r = this.find(incidentId, channel, event);
    if (r)
      Object.assign(r, { status: 'failed', error: reason, updatedAt: new Date(this.now()).toISOString() });
  }

  /** Oldest first; copies, so a reader cannot change the log. */
  for(incidentId: string): DeliveryRecord[] {
    return (this.byIncident.get(incidentId) ?? []).map((r) => ({ ...r }));
  }
}
