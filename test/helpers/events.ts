/** Small builders of MeshEvents for detector and pipeline tests (no parser involved). */
import { emptyEvent, type MeshEvent } from '../../pipelines/core/event.js';

export function principalOf(ns: string, sa: string): string {
  return `spiffe://cluster.local/ns/${ns}/sa/${sa}`;
}

export function ev(overrides: Partial<MeshEvent> & { timeMs: number; src: string }): MeshEvent {
  const e = emptyEvent();
  const [, ns = '', sa = ''] = /ns\/([^/]+)\/sa\/([^/]+)/.exec(overrides.src) ?? [];
  Object.assign(e, {
    direction: 'inbound',
    srcPrincipal: overrides.src.startsWith('spiffe://') ? overrides.src : '',
    srcNamespace: ns,
    srcServiceAccount: sa,
    mtls: overrides.src.startsWith('spiffe://'),
    dst: 'orders.shop.svc.cluster.local',
    method: 'GET',
    path: '/api/v1/orders/1',
    status: 200,
    bytesUp: 200,
    bytesDown: 2000,
    durationMs: 5,
    protocol: 'HTTP/1.1',
  });
  return Object.assign(e, overrides);
}

/** Steady normal traffic: `rps` requests a second from src to each of dsts, over [fromMs, toMs). */
export function* steady(
  src: string,
  dsts: string[],
  fromMs: number,
  toMs: number,
  rps = 5,
  extra: Partial<MeshEvent> = {},
): Generator<MeshEvent> {
  const step = 1000 / rps;
  let i = 0;
  for (let t = fromMs; t < toMs; t += step) {
    for (const dst of dsts) {
      i++;
      yield ev({
        src,
        dst,
        timeMs: Math.floor(t),
        path: `/api/v1/items/${(i * 7919) % 1000}`,
        status: i % 50 === 0 ? 404 : 200,
        ...extra,
      });
    }
  }
}

/** Merge event streams in time order. */
export function merge(...streams: Iterable<MeshEvent>[]): MeshEvent[] {
  return streams.flatMap((s) => [...s]).sort((a, b) => a.timeMs - b.timeMs);
}
