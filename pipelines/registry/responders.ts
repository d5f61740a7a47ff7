/** Alert channels, then quarantine. */
import { checked } from './check.js';
import { factory as alertmanager } from '../responders/alerts/alertmanager/index.js';
import { factory as consoleChannel } from '../responders/alerts/console/index.js';
import { factory as pagerduty } from '../responders/alerts/pagerduty/index.js';
import { factory as slack } from '../responders/alerts/slack/index.js';
import { factory as webhook } from '../responders/alerts/webhook/index.js';
import { factory as quarantine } from '../responders/quarantine/index.js';

export const RESPONDERS = checked([
  consoleChannel,
  webhook,
  slack,
  pagerduty,
  alertmanager,
  quarantine,
] as const);
