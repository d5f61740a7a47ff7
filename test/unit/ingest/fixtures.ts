/** The ingest app over a fake transport, and an access-log record to post, for the ingest unit tests. */
import { pino } from 'pino';
import { resolveConfig } from '../../../config/validate.js';
import { Metrics } from '../../../pipelines/core/metrics.js';
import { buildApp } from '../../../services/ingest/app.js';
import { RecordingProducer } from '../../helpers/recording-producer.js';

const logger = pino({ level: 'silent' });

export function accessLog(over: Record<string, unknown> = {}): string {
  return JSON.stringify({
    start_time: '2024-05-01T10:00:00.000Z',
    method: 'GET',
    path: '/api/orders/1',
    protocol: 'HTTP/1.1',
    response_code: 200,
    response_flags: '-',
    bytes_received: 0,
    bytes_sent: 512,
    duration: 4,
    upstream_service_time: '3',
    x_forwarded_for: null,
    user_agent: 'curl/8',
    request_id: 'r-1',
    authority: 'orders.shop.svc.cluster.local:8080',
    upstream_host: '10.0.0.9:8080',
    upstream_cluster: 'inbound|8080||',
    downstream_remote_address: '10.0.0.5:43210',
    downstream_local_address: '10.0.0.9:8080',
    requested_server_name: 'outbound_.8080_._.orders.shop.svc.cluster.local',
    route_name: 'default',
    downstream_peer_uri_san: 'spiffe://cluster.local/ns/shop/sa/frontend',
    upstream_peer_uri_san: 'spiffe://cluster.local/ns/shop/sa/orders',
    ...over,
  });
}

export function setup(
  raw: Record<string, unknown> = {},
  producer = new RecordingProducer(),
  probes: Record<string, () => boolean> = {},
) {
  const cfg = resolveConfig(raw);
  const metrics = new Metrics();
  const app = buildApp(cfg, { metrics, logger, producer, probes });
  return { app, producer, metrics, cfg };
}
