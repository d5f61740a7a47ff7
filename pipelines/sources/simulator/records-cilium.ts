/**
 * Renders a simulated request as Cilium's Hubble exporter writes flows (`{"flow": {...}, "node_name",
 * "time"}`): the connection's opening SYN where it leaves the source (EGRESS) and again where it reaches
 * the destination (INGRESS), the SYN-ACK reply, and for egress to a named host the DNS query before it.
 * L3/L4 only (Hubble shows HTTP only under an L7 policy) and no byte counts. A request refused by policy
 * is the INGRESS flow DROPPED with POLICY_DENIED.
 */
import type { AccessRecord } from './records.js';
import { port } from './records.js';
import { isWorkload, type Pod, type Workload } from './topology.js';
import type { SimRequest } from './traffic.js';

function nanoTime(ms: number, k: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}${String(k % 1_000_000).padStart(6, '0')}Z`;
}

const endpoints = new WeakMap<Pod, Readonly<Record<string, unknown>>>();
function endpoint(w: Workload, pod: Pod): Readonly<Record<string, unknown>> {
  let e = endpoints.get(pod);
  if (!e) {
    e = Object.freeze({
      namespace: w.namespace,
      pod_name: pod.name,
      labels: [
        `k8s:app=${w.name}`,
        `k8s:io.cilium.k8s.policy.serviceaccount=${w.serviceAccount}`,
        `k8s:io.kubernetes.pod.namespace=${w.namespace}`,
      ],
      workloads: [{ name: w.name, kind: 'Deployment' }],
    });
    endpoints.set(pod, e);
  }
  return e;
}
const WORLD = Object.freeze({ identity: 2, labels: ['reserved:world'] });
const COREDNS = Object.freeze({
  namespace: 'kube-system',
  pod_name: 'coredns-675485d6df-xkf24',
  labels: ['k8s:k8s-app=kube-dns'],
});

function record(flow: Record<string, unknown>, time: string, label: string): AccessRecord {
  return {
    flow: { time, ...flow, node_name: 'kind-worker' },
    node_name: 'kind-worker',
    time,
    x_meshguard_label: label,
  };
}

export function renderCilium(req: SimRequest, emit: (record: AccessRecord) => void): void {
  const dst = req.dst;
  const srcPort = port(req.entropy, 7);
  const time = nanoTime(req.timeMs, req.entropy);
  const source = endpoint(req.src, req.srcPod);
  const syn = { TCP: { source_port: srcPort, destination_port: dst.port, flags: { SYN: true } } };
  if (!isWorkload(dst)) {
    const named = dst.host !== dst.ip;
    if (named)
      emit(
        record(
          {
            verdict: 'FORWARDED',
            IP: { source: req.srcPod.ip, destination: '10.96.0.10', ipVersion: 'IPv4' },
            l4: { UDP: { source_port: port(req.entropy, 9), destination_port: 53 } },
            source,
            destination: COREDNS,
            Type: 'L7',
            traffic_direction: 'EGRESS',
            is_reply: false,
            l7: { type: 'REQUEST', dns: { query: `${dst.host}.`, qtypes: ['A'] } },
          },
          time,
          req.label,
        ),
      );
    emit(
      record(
        {
          verdict: 'FORWARDED',
          IP: { source: req.srcPod.ip, destination: dst.ip, ipVersion: 'IPv4' },
          l4: syn,
          source,
          destination: WORLD,
          ...(named ? { destination_names: [dst.host] } : {}),
          Type: 'L3_L4',
          traffic_direction: 'EGRESS',
          is_reply: false,
        },
        time,
        req.label,
      ),
    );
    return;
  }
  const dstPod = req.dstPod as Pod;
  const destination = endpoint(dst, dstPod);
  const ip = { source: req.srcPod.ip, destination: dstPod.ip, ipVersion: 'IPv4' };
  const service = { name: dst.name, namespace: dst.namespace };
  emit(
    record(
      {
        verdict: 'FORWARDED',
        IP: ip,
        l4: syn,
        source,
        destination,
        destination_service: service,
        Type: 'L3_L4',
        traffic_direction: 'EGRESS',
        is_reply: false,
      },
      time,
      req.label,
    ),
  );
  if (req.flags === 'UF' || req.flags === 'UH') return;
  const denied = req.details.startsWith('rbac_access_denied');
  emit(
    record(
      denied
        ? {
            verdict: 'DROPPED',
            drop_reason_desc: 'POLICY_DENIED',
            IP: ip,
            l4: syn,
            source,
            destination,
            Type: 'L3_L4',
            traffic_direction: 'INGRESS',
            is_reply: false,
          }
        : {
            verdict: 'FORWARDED',
            IP: ip,
            l4: syn,
            source,
            destination,
            Type: 'L3_L4',
            traffic_direction: 'INGRESS',
            is_reply: false,
          },
      time,
      req.label,
    ),
  );
  if (denied) return;
  emit(
    record(
      {
        verdict: 'FORWARDED',
        IP: { source: dstPod.ip, destination: req.srcPod.ip, ipVersion: 'IPv4' },
        l4: { TCP: { source_port: dst.port, destination_port: srcPort, flags: { SYN: true, ACK: true } } },
        source: destination,
        destination: source,
        Type: 'L3_L4',
        traffic_direction: 'INGRESS',
        is_reply: true,
      },
      time,
      req.label,
    ),
  );
}
