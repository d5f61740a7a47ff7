/**
 * On-call alerts (see README.md): the dispatcher that routes each incident to its channels, and the
 * channels themselves, each a component folder with its own factory (console, webhook, slack, pagerduty,
 * alertmanager).
 */
export {
  createAlertDispatcher,
  DEDUP_PREFIX,
  type AlertDispatcher,
  type AlertDispatcherHandle,
  type AlertDispatcherDeps,
} from './dispatcher.js';
export { AlertsConfig, ChannelConfig, DEFAULT_ADMIN_URL } from './config.js';
export { validateAlertsConfig } from './validate.js';
export { createChannel } from './channels.js';
export type { ChannelFactory, ChannelSettings } from './channel.js';
export { formatAlert, type AlertText, type AlertEvent } from './format.js';
export type { DeliveryRecord, DeliveryStatus } from './delivery-log.js';
