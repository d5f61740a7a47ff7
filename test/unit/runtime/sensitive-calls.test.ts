import { describe, expect, it } from 'vitest';
import { SensitiveCalls, isSensitiveDestination } from '../../../pipelines/runtime/sensitive-calls.js';
import { ev, principalOf } from '../../helpers/events.js';

const SRC = principalOf('shop', 'frontend');

describe('SensitiveCalls', () => {
  it('knows the Kubernetes API and cloud metadata endpoints, nothing else', () => {
    expect(isSensitiveDestination('kubernetes.default.svc')).toBe(true);
    expect(isSensitiveDestination('169.254.169.254')).toBe(true);
    expect(isSensitiveDestination('metadata.google.internal')).toBe(true);
    expect(isSensitiveDestination('orders.shop.svc.cluster.local')).toBe(false);
    expect(isSensitiveDestination('kube-dns.kube-system')).toBe(false);
  });

  it('keeps calls until their window closes: peek leaves them, take hands them over once', () => {
    const calls = new SensitiveCalls();
    calls.note(ev({ timeMs: 1_000, src: SRC, dst: 'kubernetes.default.svc', path: '/api/v1/secrets' }));
    calls.note(ev({ timeMs: 12_000, src: SRC, dst: 'kubernetes.default.svc', path: '/api/v1/pods' }));
    calls.note(ev({ timeMs: 2_000, src: SRC, dst: 'orders.shop.svc.cluster.local' }));
    expect(calls.peek(SRC, 10_000).map((c) => c.path)).toEqual(['/api/v1/secrets']);
    expect(calls.take(SRC, 10_000).map((c) => c.path)).toEqual(['/api/v1/secrets']);
    expect(calls.take(SRC, 10_000)).toEqual([]);
    expect(calls.take(SRC, 20_000).map((c) => c.path)).toEqual(['/api/v1/pods']);
  });

  it('names an egress call by its external host', () => {
    const calls = new SensitiveCalls();
    calls.note(ev({ timeMs: 1, src: SRC, egress: true, externalHost: '169.254.169.254', dst: 'x' }));
    expect(calls.take(SRC, 10)[0]?.destination).toBe('169.254.169.254');
  });
});
