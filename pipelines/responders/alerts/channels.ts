/** The five channel types and their factories: the one place a channel config's `type` meets its code. */
import type { Static, TSchema } from '@sinclair/typebox';
import type { Responder } from '../../core/component.js';
import { factory as alertmanagerFactory } from './alertmanager/index.js';
import type { ChannelFactory, ChannelSettings } from './channel.js';
import type { ChannelConfig } from './config.js';
import { factory as consoleFactory } from './console/index.js';
import { factory as pagerDutyFactory } from './pagerduty/index.js';
import { factory as slackFactory } from './slack/index.js';
import { factory as webhookFactory } from './webhook/index.js';

/** A channel config together with its factory. */
export interface ChannelBinding {
  create(settings: ChannelSettings): Responder;
  /** The factory's cross-field rules; keys are relative to the channel (`url: ...`). */
  validate(): string[];
}

function bind<S extends TSchema, C extends Responder>(
  factory: ChannelFactory<S, C>,
  config: Static<S>,
): ChannelBinding {
  return {
    create: (settings) => factory.create(config, settings),
    validate: () => factory.validate?.(config) ?? [],
  };
}

export function channelBinding(cfg: ChannelConfig): ChannelBinding {
  switch (cfg.type) {
    case 'console':
      return bind(consoleFactory, cfg);
    case 'webhook':
      return bind(webhookFactory, cfg);
    case 'slack':
      return bind(slackFactory, cfg);
    case 'pagerduty':
      return bind(pagerDutyFactory, cfg);
    case 'alertmanager':
      return bind(alertmanagerFactory, cfg);
  }
}

/** Build the channel a config names. */
export function createChannel(cfg: ChannelConfig, settings: ChannelSettings): Responder {
  return channelBinding(cfg).create(settings);
}
