import { describe, expect, it } from 'vitest';
import { WindowAggregator, type ClosedWindow } from '../../../pipelines/features/window.js';
import { pathTemplate } from '../../../pipelines/features/path-template.js';
import { ev } from '../../helpers/events.js';

const A = 'spiffe://cluster.local/ns/shop/sa/frontend';

describe('WindowAggregator', () => {
  it('closes a window only once the watermark passes its end, and keeps late records within the lateness', () => {
    const closed: ClosedWindow[] = [];
    const agg = new WindowAggregator(10_000, 5_000, (w) => closed.push(w));
    agg.push(ev({ src: A, timeMs: 1_000 }));
    agg.push(ev({ src: A, timeMs: 12_000 }));
    agg.push(ev({ src: A, timeMs: 9_000 })); // 3 s out of order: still window [0,10s)
    expect(closed).toHaveLength(0);
    agg.push(ev({ src: A, timeMs: 15_500 })); // watermark 10.5 s → [0,10s) closes
    expect(closed).toHaveLength(1);
    expect(closed[0]!.startMs).toBe(0);
    expect(closed[0]!.sources.get(A)!.requests).toBe(2);
    agg.finish();
    expect(closed).toHaveLength(2);
    expect(closed[1]!.sources.get(A)!.requests).toBe(2);
    expect(agg.lateEvents).toBe(0);
  });

  it('counts records later than the lateness into the oldest open window instead of dropping them', () => {
    const closed: ClosedWindow[] = [];
    const agg = new WindowAggregator(10_000, 2_000, (w) => closed.push(w));
    agg.push(ev({ src: A, timeMs: 1_000 }));
    agg.push(ev({ src: A, timeMs: 25_000 }));
    agg.push(ev({ src: A, timeMs: 3_000 })); // far too late
    agg.finish();
    const total = closed.reduce((n, w) => n + (w.sources.get(A)?.requests ?? 0), 0);
    expect(total).toBe(3);
    expect(agg.lateEvents).toBe(1);
  });

  it('keeps bytes by direction and separates egress from in-mesh edges', () => {
    const closed: ClosedWindow[] = [];
    const agg = new WindowAggregator(10_000, 0, (w) => closed.push(w));
    agg.push(ev({ src: A, timeMs: 1, bytesUp: 10, bytesDown: 1000 }));
    agg.push(
      ev({ src: A, timeMs: 2, egress: true, externalHost: 'api.stripe.com', bytesUp: 500, bytesDown: 20 }),
    );
    agg.finish();
    const sw = closed[0]!.sources.get(A)!;
    expect(sw.bytesUp).toBe(510);
    expect(sw.bytesDown).toBe(1020);
    expect([...sw.edges.keys()]).toEqual(['orders.shop.svc.cluster.local']);
    expect(sw.external.get('api.stripe.com')!.bytesUp).toBe(500);
  });
});

describe('pathTemplate', () => {
  it('turns IDs into {id} and leaves routes alone', () => {
    expect(pathTemplate('/api/v1/orders/83121')).toBe('/api/v1/orders/{id}');
    expect(pathTemplate('/api/v1/users/3f2b8c1e-9d4a-4b7e-8c2f-1a2b3c4d5e6f/cart')).toBe(
      '/api/v1/users/{id}/cart',
    );
    expect(pathTemplate('/wp-login.php')).toBe('/wp-login.php');
    expect(pathTemplate('/healthz')).toBe('/healthz');
  });

  it('keeps every separator where it was: several ids, a leading id, empty segments', () => {
    expect(pathTemplate('/api/orders/1/items/2')).toBe('/api/orders/{id}/items/{id}');
    expect(pathTemplate('83121')).toBe('{id}');
    expect(pathTemplate('/1/')).toBe('/{id}/');
    expect(pathTemplate('/a//b/')).toBe('/a//b/');
    expect(pathTemplate('/t/abcdefghij1234klmnop')).toBe('/t/{id}');
    expect(pathTemplate('')).toBe('');
  });
});

describe('WindowAggregator early hand-over', () => {
  it('hands a window over once when event time passes its end, then closes it with the late records too', () => {
    const ended: Array<{ startMs: number; requests: number }> = [];
    const closed: ClosedWindow[] = [];
    const agg = new WindowAggregator(
      10_000,
      5_000,
      (w) => closed.push(w),
      (w) => ended.push({ startMs: w.startMs, requests: w.sources.get(A)!.requests }),
    );
    agg.push(ev({ src: A, timeMs: 1_000 }));
    agg.push(ev({ src: A, timeMs: 9_000 }));
    expect(ended).toHaveLength(0);
    agg.push(ev({ src: A, timeMs: 10_500 })); // [0,10s) has ended: handed over, still open
    agg.push(ev({ src: A, timeMs: 11_000 }));
    expect(ended).toEqual([{ startMs: 0, requests: 2 }]);
    expect(closed).toHaveLength(0);
    agg.push(ev({ src: A, timeMs: 9_500 })); // late, within the lateness: still counts in [0,10s)
    agg.push(ev({ src: A, timeMs: 15_000 })); // watermark 10 s: [0,10s) closes
    expect(closed).toHaveLength(1);
    expect(closed[0]!.sources.get(A)!.requests).toBe(3);
    expect(ended).toHaveLength(1);
  });

  it('does not hand over early a window that closes in the same jump of event time', () => {
    const ended: number[] = [];
    const closed: number[] = [];
    const agg = new WindowAggregator(
      10_000,
      5_000,
      (w) => closed.push(w.startMs),
      (w) => ended.push(w.startMs),
    );
    agg.push(ev({ src: A, timeMs: 1_000 }));
    agg.push(ev({ src: A, timeMs: 40_000 })); // [0,10s) ends and closes at once; [40s,50s) has not ended
    expect(closed).toEqual([0]);
    expect(ended).toEqual([]);
  });
});
