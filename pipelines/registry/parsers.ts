/** Access-log formats (one line in, records or rejections out) and mesh-metric formats. */
import { checked } from './check.js';
import { factory as kafkaAdapter } from '../metrics/kafka-adapter/index.js';
import { factory as otlpMetrics } from '../metrics/otlp-metrics/index.js';
import { factory as remoteWrite } from '../metrics/remote-write/index.js';
import { factory as consulJson } from '../parse/consul-json/index.js';
import { factory as envoyText } from '../parse/envoy-text/index.js';
import { factory as hubbleJson } from '../parse/hubble-json/index.js';
import { factory as istioJson } from '../parse/istio-json/index.js';
import { factory as linkerdApache } from '../parse/linkerd-apache/index.js';
import { factory as linkerdJson } from '../parse/linkerd-json/index.js';
import { factory as otlpJson } from '../parse/otlp-json/index.js';
import { factory as ztunnel } from '../parse/ztunnel/index.js';

export const PARSERS = checked([
  istioJson,
  envoyText,
  otlpJson,
  linkerdJson,
  linkerdApache,
  consulJson,
  ztunnel,
  hubbleJson,
  remoteWrite,
  otlpMetrics,
  kafkaAdapter,
] as const);
