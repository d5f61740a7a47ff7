/** console: a compact human block on stdout, the alert of embedded mode and the demo. */
import type { Delivery } from '../../../core/delivery.js';
import type { Incident } from '../../../core/incident.js';
import { AlertChannel, channelContext, type ChannelContext, type ChannelFactory } from '../channel.js';
import { formatAlert, formatAlertLine, type AlertEvent } from '../format.js';
import { ConsoleConfig } from './config.js';

export class ConsoleChannel extends AlertChannel {
  private readonly write: (text: string) => void;
  constructor(
    ctx: ChannelContext,
    private readonly format: ConsoleConfig['format'] = 'block',
  ) {
    super(ctx);
    this.write = ctx.write ?? ((text) => process.stdout.write(text));
  }

  async respond(incident: Incident, event: AlertEvent): Promise<Delivery> {
    try {
      const opts = { adminUrl: this.ctx.adminUrl, consoleUrl: this.ctx.consoleUrl };
      this.write(
        this.format === 'line'
          ? formatAlertLine(incident, event, opts) + '\n'
          : formatAlert(incident, event, opts).text + '\n\n',
      );
      return { code: 'ok' };
    } catch (error) {
      // A closed stdout will not reopen on retry.
      return {
        code: 'permanent',
        error: new Error(`${this.name}: cannot write: ${(error as Error).message}`),
      };
    }
  }
}

export const factory: ChannelFactory<typeof ConsoleConfig, ConsoleChannel> = {
  kind: 'responder',
  type: 'console',
  configSchema: ConsoleConfig,
  create: (config, settings) => new ConsoleChannel(channelContext(config, settings), config.format),
};
