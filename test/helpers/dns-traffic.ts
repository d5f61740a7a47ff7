/**
 * Hubble DNS traffic (exporter JSON lines) for the DNS-tunnel check: workloads resolving ordinary names
 * (with a CDN's long hashed names among them) and, from `attackMs`, one workload tunnelling data out as
 * base32 chunks under one domain. Seeded and deterministic.
 */
import { Rng } from '../../pipelines/sources/simulator/index.js';

export interface DnsTrafficOptions {
  startMs: number;
  endMs: number;
  attackMs: number;
  seed?: number;
}

const WORKLOADS = ['frontend', 'orders', 'payments', 'reports', 'search', 'catalog'];
const NAMES = [
  'api.stripe.com.',
  'hooks.slack.com.',
  'sqs.eu-west-1.amazonaws.com.',
  'orders.shop.svc.cluster.local.',
  'www.googleapis.com.',
];
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

export const TUNNEL_ACTOR = {
  namespace: 'shop',
  serviceAccount: 'reports',
  principal: 'spiffe://cluster.local/ns/shop/sa/reports',
  address: '10.0.1.13',
};
export const TUNNEL_DOMAIN = 'exfil-sync.net';

function flow(timeMs: number, workload: string, index: number, query: string): string {
  const time = new Date(timeMs).toISOString();
  return JSON.stringify({
    flow: {
      time,
      verdict: 'FORWARDED',
      IP: { source: `10.0.1.${10 + index}`, destination: '10.96.0.10', ipVersion: 'IPv4' },
      l4: { UDP: { source_port: 40000 + (timeMs % 20000), destination_port: 53 } },
      source: {
        namespace: 'shop',
        pod_name: `${workload}-7d9f8c9b66-x2k7p`,
        labels: [`k8s:app=${workload}`, `k8s:io.cilium.k8s.policy.serviceaccount=${workload}`],
      },
      destination: {
        namespace: 'kube-system',
        pod_name: 'coredns-675485d6df-xkf24',
        labels: ['k8s:k8s-app=kube-dns'],
      },
      Type: 'L7',
      traffic_direction: 'EGRESS',
      is_reply: false,
      l7: { type: 'REQUEST', dns: { query, qtypes: ['A'] } },
    },
    node_name: 'kind-worker',
    time,
  });
}

export function dnsTrafficLines(opts: DnsTrafficOptions): string[] {
  const rng = new Rng(opts.seed ?? 5);
  const lines: string[] = [];
  for (let t = opts.startMs; t < opts.endMs; t += 200) {
    const i = rng.int(0, WORKLOADS.length - 1);
    const cdn = rng.chance(0.1);
    // A CDN's names are long and hashed too, but the same few repeat.
    const q = cdn ? `d3k9x7q2m8w4z6y1v5c0b2n7.cloudfront-${rng.int(1, 3)}.net.` : rng.pick(NAMES);
    lines.push(flow(t, WORKLOADS[i]!, i, q));
    if (t >= opts.attackMs) {
      let chunk = '';
      for (let k = 0; k < 52; k++) chunk += BASE32[rng.int(0, 31)];
      lines.push(
        flow(
          t + 1,
          'reports',
          3,
          `${chunk.slice(0, 26)}.${chunk.slice(26)}.${(t / 200) % 9999}.t.${TUNNEL_DOMAIN}.`,
        ),
      );
    }
  }
  return lines;
}
