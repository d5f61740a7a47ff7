/** What every alert channel gets from the dispatcher, and the small base they share. */
import type { ComponentSettings, Responder } from '../../core/component.js';
import type { Delivery } from '../../core/delivery.js';
import type { Incident } from '../../core/incident.js';
import type { AlertEvent } from './format.js';

export interface ChannelContext {
  settings: ComponentSettings;
  /** Name in metrics and logs (config `name`, else the type). */
  name: string;
  /** Base URL of the admin API (undo fallbacks, links back to the incident). */
  adminUrl: string;
  /**
   * Wall time for transport fields (webhook-timestamp, Alertmanager endsAt): receivers compare them with
   * their own clocks, so they must not follow settings.clock, which is event time in replay.
   */
  wallNowMs: () => number;
  /** Where the console channel writes (stdout by default). */
  write?: (text: string) => void;
}

/** Alert channels hold no connections: start and shutdown have nothing to do, and both are idempotent. */
export abstract class AlertChannel implements Responder {
  constructor(protected readonly ctx: ChannelContext) {}
  get name(): string {
    return this.ctx.name;
  }
  async start(): Promise<void> {}
  async shutdown(): Promise<void> {}
  abstract respond(incident: Incident, event: AlertEvent, signal: AbortSignal): Promise<Delivery>;
}

/** A link back to the incident in meshguard's admin API (PagerDuty links, Alertmanager generatorURL). */
export function incidentUrl(adminUrl: string, incidentId: string): string {
  return `${adminUrl.replace(/\/+$/, '')}/api/incidents/${encodeURIComponent(incidentId)}`;
}
