/**
 * slack: an incoming-webhook message with Block Kit blocks (header; what and evidence; fields workload,
 * kind, severity, score, action; the undo command in a code block) and a plain `text` fallback for
 * notifications. The incoming-webhook URL is the secret: it never appears in errors or logs.
 */
import type { Delivery } from '../../../core/delivery.js';
import type { Incident } from '../../../core/incident.js';
import { AlertChannel, channelContext, type ChannelContext, type ChannelFactory } from '../channel.js';
import { formatAlert, kindTitle, workloadShortName, type AlertEvent } from '../format.js';
import { postJson } from '../http.js';
import { SlackConfig, validateSlackConfig } from './config.js';

/** Slack's code block marker (three backticks), spelled out so no backtick stands alone in the source. */
const CODE_FENCE = '\x60\x60\x60';

/** Slack's mrkdwn treats &, < and > as control characters; workload names and paths come from traffic. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max - 1) + '…';
}

export function slackPayload(
  incident: Incident,
  event: AlertEvent,
  adminUrl: string,
  consoleUrl = adminUrl,
): Record<string, unknown> {
  const alert = formatAlert(incident, event, { adminUrl, consoleUrl });
  const field = (label: string, value: string) => ({
    type: 'mrkdwn',
    text: clip(`*${label}*\n${escapeMrkdwn(value)}`, 2000),
  });
  const evidence = alert.evidence.map((line) => `• ${escapeMrkdwn(line)}`).join('\n');
  // Triple backticks inside the command would end the code block early.
  const undo = alert.undo.replaceAll(CODE_FENCE, "'''");
  return {
    text: escapeMrkdwn(alert.summary),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(alert.title, 150), emoji: true } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: clip(`*${escapeMrkdwn(alert.who)}* is ${escapeMrkdwn(alert.what)}.\n${evidence}`, 3000),
        },
      },
      {
        type: 'section',
        fields: [
          field('Workload', workloadShortName(incident.workload)),
          field('Kind', kindTitle(incident.kind)),
          field('Severity', String(incident.severity)),
          field(
            'Score',
            `${typeof incident.score === 'number' ? incident.score.toFixed(2) : '?'} (${(incident.detectors ?? []).join(', ') || 'no detectors listed'})`,
          ),
          field('Action', alert.done),
        ],
      },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: clip(`*Undo*\n${CODE_FENCE}${escapeMrkdwn(undo)}${CODE_FENCE}`, 3000) },
      },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `<${alert.link}|Open in the meshguard console> · ${escapeMrkdwn(
              `incident ${incident.id} · first event ${incident.firstEventTime} · detected ${incident.detectedAt}`,
            )}`,
          },
        ],
      },
    ],
  };
}

export class SlackChannel extends AlertChannel {
  constructor(
    ctx: ChannelContext,
    private readonly cfg: Pick<SlackConfig, 'url' | 'timeout_ms'>,
  ) {
    super(ctx);
  }

  async respond(incident: Incident, event: AlertEvent, signal: AbortSignal): Promise<Delivery> {
    return postJson({
      channel: this.name,
      url: this.cfg.url,
      body: JSON.stringify(slackPayload(incident, event, this.ctx.adminUrl, this.ctx.consoleUrl)),
      timeoutMs: this.cfg.timeout_ms,
      signal,
      now: this.ctx.wallNowMs,
    });
  }
}

export const factory: ChannelFactory<typeof SlackConfig, SlackChannel> = {
  kind: 'responder',
  type: 'slack',
  configSchema: SlackConfig,
  validate: validateSlackConfig,
  create: (config, settings) => new SlackChannel(channelContext(config, settings), config),
};
