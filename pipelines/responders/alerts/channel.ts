/**
 * What every alert channel gets from the dispatcher, how its factory is shaped, and the small base the
 * channels share. A channel is a core Responder: it classifies one attempt and never retries.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type { ComponentSettings, Factory, Responder } from '../../core/component.js';
import type { Delivery } from '../../core/delivery.js';
import type { Incident } from '../../core/incident.js';
import { channelName, type RoutingConfig } from './channel-config.js';
import { DEFAULT_ADMIN_URL } from './config.js';
import type { AlertEvent } from './format.js';

/** The common settings plus what the dispatcher knows of the alerts section; every extra has a default. */
export interface ChannelSettings extends ComponentSettings {
  /** Name in metrics and logs (default: config `name`, else the type). */
  name?: string;
  /** Base URL of the admin API (undo fallbacks, links back to the incident); default http://localhost:8080. */
  adminUrl?: string;
  /** Base URL of the incident console the alerts link to (default: adminUrl). */
  consoleUrl?: string;
  /** Wall time for transport fields (default Date.now); see ChannelContext.wallNowMs. */
  wallNowMs?: () => number;
  /** Where the console channel writes (default stdout). */
  write?: (text: string) => void;
}

/** A channel's factory: its instance is the channel, a Responder. */
export interface ChannelFactory<S extends TSchema, C extends Responder> extends Factory<'responder', S, C> {
  create(config: Static<S>, settings: ChannelSettings): C;
}

export interface ChannelContext {
  settings: ComponentSettings;
  /** Name in metrics and logs (config `name`, else the type). */
  name: string;
  /** Base URL of the admin API (undo fallbacks, links back to the incident). */
  adminUrl: string;
  /** Base URL of the incident console (alerts link to its page of the incident); default adminUrl. */
  consoleUrl?: string;
  /**
   * Wall time for transport fields (webhook-timestamp, Alertmanager endsAt): receivers compare them with
   * their own clocks, so they must not follow settings.clock, which is event time in replay.
   */
  wallNowMs: () => number;
  /** Where the console channel writes (stdout by default). */
  write?: (text: string) => void;
}

/** The context of one channel, its defaults filled in. */
export function channelContext(config: RoutingConfig, settings: ChannelSettings): ChannelContext {
  return {
    settings,
    name: settings.name ?? channelName(config),
    adminUrl: settings.adminUrl ?? DEFAULT_ADMIN_URL,
    consoleUrl: settings.consoleUrl || settings.adminUrl || DEFAULT_ADMIN_URL,
    wallNowMs: settings.wallNowMs ?? Date.now,
    write: settings.write,
  };
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
