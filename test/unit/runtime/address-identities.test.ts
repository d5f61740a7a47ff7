import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AddressIdentities } from '../../../pipelines/runtime/address-identities.js';
import { ev, principalOf } from '../../helpers/events.js';

const FRONTEND = principalOf('shop', 'frontend');
const CART = principalOf('shop', 'cart');
const CFG = { mesh_cidrs: [], pod_ips_file: '', binding_ttl_secs: 900, max_bindings: 1000 };

/** The caller's own sidecar wrote this line: the shipper's metadata names the pod at that address. */
const fromPod = (principal: string, address: string, timeMs: number, workload = '') =>
  ev({
    timeMs,
    src: principal,
    srcAddress: address,
    srcAddressDirect: true,
    direction: 'outbound',
    srcWorkload: workload,
  });

describe('AddressIdentities', () => {
  it('describes a direct address-only caller by the workload bound to it, keeping its own key and no principal', () => {
    const ids = new AddressIdentities(CFG);
    ids.enrich(fromPod(FRONTEND, '10.0.0.7', 0, 'frontend-abc'));
    const anonymous = ev({ timeMs: 1, src: 'ip:10.0.0.7', srcAddress: '10.0.0.7', srcAddressDirect: true });
    ids.enrich(anonymous);
    expect(anonymous).toMatchObject({
      src: 'ip:10.0.0.7',
      srcPrincipal: '',
      srcNamespace: 'shop',
      srcServiceAccount: 'frontend',
      srcWorkload: 'frontend-abc',
    });
    expect(ids.boundTo('10.0.0.7', 1)).toMatchObject({
      namespace: 'shop',
      workload: 'frontend-abc',
      source: 'shipper',
    });
  });

  it('never describes an address the client could have chosen (X-Forwarded-For, port 0)', () => {
    const ids = new AddressIdentities(CFG);
    ids.enrich(fromPod(FRONTEND, '10.0.0.7', 0));
    const claimed = ev({ timeMs: 1, src: 'ip:10.0.0.7', srcAddress: '10.0.0.7', srcAddressDirect: false });
    ids.enrich(claimed);
    expect(claimed).toMatchObject({
      src: 'ip:10.0.0.7',
      srcPrincipal: '',
      srcNamespace: '',
      srcWorkload: '',
    });
    // Nor does such a record teach a binding.
    ids.enrich(ev({ timeMs: 2, src: CART, srcAddress: '10.0.0.9', srcAddressDirect: false }));
    expect(ids.boundTo('10.0.0.9', 2)).toBeUndefined();
  });

  it('binds an address to its latest owner and forgets it after the binding lifetime', () => {
    const ids = new AddressIdentities(CFG);
    ids.enrich(fromPod(FRONTEND, '10.0.0.7', 0));
    ids.enrich(fromPod(CART, '10.0.0.7', 60_000)); // the IP was reused by a cart pod
    expect(ids.boundTo('10.0.0.7', 60_000)?.serviceAccount).toBe('cart');
    expect(ids.boundTo('10.0.0.7', 60_000 + 900_001)).toBeUndefined();
    expect(ids.dropped).toBe(1);
  });

  it('caps the bindings, evicting the least recently seen and counting it', () => {
    const ids = new AddressIdentities({ ...CFG, max_bindings: 2 });
    ids.enrich(fromPod(FRONTEND, '10.0.0.1', 0));
    ids.enrich(fromPod(CART, '10.0.0.2', 1));
    ids.enrich(fromPod(FRONTEND, '10.0.0.1', 120_000)); // seen again: now the most recent
    ids.enrich(fromPod(CART, '10.0.0.3', 120_001));
    expect(ids.size).toBe(2);
    expect(ids.boundTo('10.0.0.2', 120_001)).toBeUndefined();
    expect(ids.boundTo('10.0.0.1', 120_001)).toBeDefined();
    expect(ids.dropped).toBe(1);
  });

  it('makes PassthroughCluster traffic to a bound or in-mesh address internal, not egress', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mg-pods-')), 'pods.yaml');
    writeFileSync(file, '10.8.3.21: { namespace: payments, workload: ledger, service_account: ledger }\n');
    const ids = new AddressIdentities({ ...CFG, pod_ips_file: file, mesh_cidrs: ['10.9.0.0/16'] });
    const toPod = (ip: string) =>
      ev({
        timeMs: 5,
        src: FRONTEND,
        direction: 'outbound',
        egress: true,
        externalHost: ip,
        dst: ip,
        upstreamCluster: 'PassthroughCluster',
      });
    const bound = toPod('10.8.3.21');
    const inCidr = toPod('10.9.1.1');
    const outside = toPod('34.1.2.3');
    for (const e of [bound, inCidr, outside]) ids.enrich(e);
    expect(bound).toMatchObject({
      egress: false,
      externalHost: '',
      dst: 'ip:10.8.3.21',
      dstNamespace: 'payments',
    });
    expect(inCidr).toMatchObject({ egress: false, dst: 'ip:10.9.1.1' });
    expect(outside).toMatchObject({ egress: true, externalHost: '34.1.2.3' });
    // A file binding is authoritative: a learned one does not replace it.
    ids.enrich(fromPod(CART, '10.8.3.21', 10));
    expect(ids.boundTo('10.8.3.21', 10)?.workload).toBe('ledger');
  });

  it('rejects a bad CIDR and a bad pod-IP file naming the key', () => {
    expect(() => new AddressIdentities({ ...CFG, mesh_cidrs: ['10.0.0.0/40'] })).toThrow(
      /addresses.mesh_cidrs/,
    );
    const file = join(mkdtempSync(join(tmpdir(), 'mg-pods-')), 'pods.yaml');
    writeFileSync(file, 'not-an-ip: { namespace: x }\n');
    expect(() => new AddressIdentities({ ...CFG, pod_ips_file: file })).toThrow(/addresses.pod_ips_file/);
  });
});
