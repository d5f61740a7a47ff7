import { describe, expect, it } from 'vitest';
import type { MeshEvent } from '../../../pipelines/core/event.js';
import { defaultParseOptions, type ParseOptions, type WorkloadInfo } from '../../../pipelines/parse/index.js';
import { addressHost, hostOnly, sniHost } from '../../../pipelines/parse/addresses.js';
import { spiffeOf } from '../../../pipelines/parse/spiffe.js';
import { parseOne } from './fixtures.js';

/** An Istio JSON record with just the fields identity reads. */
function rec(fields: Record<string, unknown>, opts: ParseOptions = defaultParseOptions): MeshEvent {
  return parseOne(
    JSON.stringify({
      start_time: '2024-03-05T10:00:00.000Z',
      method: 'GET',
      path: '/',
      response_code: 200,
      bytes_received: 10,
      bytes_sent: 20,
      downstream_remote_address: '10.244.1.12:40000',
      ...fields,
    }),
    opts,
  );
}

describe('egress', () => {
  it.each([
    ['outbound|80||reviews.shop.svc.cluster.local', '', false, ''],
    ['outbound|443||vault.cluster.local', '', false, ''],
    ['outbound|443||api.example.com', '', true, 'api.example.com'],
    ['outbound|8080||reviews', '', false, ''],
  ])('%s', (cluster, authority, egress, externalHost) => {
    const e = rec({ upstream_cluster: cluster, authority });
    expect(e.direction).toBe('outbound');
    expect(e.egress).toBe(egress);
    expect(e.externalHost).toBe(externalHost);
  });

  it('configured mesh hosts are inside the mesh, with or without a leading *.', () => {
    const opts: ParseOptions = { ...defaultParseOptions, meshHosts: ['*.corp.internal', 'db.partner.net'] };
    expect(rec({ upstream_cluster: 'outbound|443||billing.corp.internal' }, opts).egress).toBe(false);
    expect(rec({ upstream_cluster: 'outbound|5432||db.partner.net' }, opts).egress).toBe(false);
    // A suffix match must be on a label boundary.
    expect(rec({ upstream_cluster: 'outbound|443||evilcorp.internal' }, opts).egress).toBe(true);
    expect(rec({ upstream_cluster: 'outbound|443||xdb.partner.net' }, opts).egress).toBe(true);
  });

  it('another cluster domain', () => {
    const opts: ParseOptions = { ...defaultParseOptions, clusterDomain: 'prod.k8s' };
    expect(rec({ upstream_cluster: 'outbound|80||web.shop.svc.prod.k8s' }, opts).egress).toBe(false);
    expect(rec({ upstream_cluster: 'outbound|80||web.shop.svc.cluster.local' }, opts).egress).toBe(true);
  });

  it('PassthroughCluster: authority, then SNI, then the upstream IP; a known pod IP is not egress', () => {
    expect(
      rec({ upstream_cluster: 'PassthroughCluster', authority: 'Paste.Example.org:8443' }).externalHost,
    ).toBe('paste.example.org');
    expect(
      rec({
        upstream_cluster: 'PassthroughCluster',
        requested_server_name: 'api.github.com',
        upstream_host: '140.82.121.6:443',
      }).externalHost,
    ).toBe('api.github.com');
    expect(
      rec({ upstream_cluster: 'PassthroughCluster', upstream_host: '140.82.121.6:443' }).externalHost,
    ).toBe('140.82.121.6');
    const podIps = new Map<string, WorkloadInfo>([
      ['10.244.7.7', { namespace: 'a', workload: 'b', serviceAccount: 'c' }],
    ]);
    const e = rec(
      { upstream_cluster: 'PassthroughCluster', upstream_host: '10.244.7.7:9000' },
      { ...defaultParseOptions, podIps },
    );
    expect(e.egress).toBe(false);
    expect(e.dst).toBe('10.244.7.7');
  });

  it('BlackHoleCluster (REGISTRY_ONLY) still records the attempted external host', () => {
    const e = rec({
      upstream_cluster: 'BlackHoleCluster',
      authority: 'exfil.example.net',
      response_code: 502,
    });
    expect(e).toMatchObject({
      direction: 'outbound',
      egress: true,
      externalHost: 'exfil.example.net',
      status: 502,
    });
  });

  it('through the egress gateway the destination is the authority, not the gateway', () => {
    const e = rec({
      upstream_cluster: 'outbound|80||istio-egressgateway.istio-system.svc.cluster.local',
      authority: 'edition.cnn.com',
    });
    expect(e).toMatchObject({ egress: true, externalHost: 'edition.cnn.com', dst: 'edition.cnn.com' });
  });
});

describe('direction and identity', () => {
  it('InboundPassthroughClusterIpv4 is inbound; the destination falls back to the local address', () => {
    const e = rec({
      upstream_cluster: 'InboundPassthroughClusterIpv4',
      downstream_local_address: '10.244.2.8:9999',
    });
    expect(e.direction).toBe('inbound');
    expect(e.dst).toBe('ip:10.244.2.8');
  });

  it('a pre-1.8 inbound cluster names the service host', () => {
    const e = rec({ upstream_cluster: 'inbound|9080|http|productpage.default.svc.cluster.local' });
    expect(e.dst).toBe('productpage.default.svc.cluster.local');
    expect(e.dstNamespace).toBe('default');
  });

  it('an unknown cluster keeps direction unknown but still names the caller', () => {
    const e = rec({ upstream_cluster: 'my-static-cluster' });
    expect(e.direction).toBe('unknown');
    expect(e.src).toBe('ip:10.244.1.12');
  });

  it('outbound mTLS: the destination principal comes from upstream_peer_uri_san', () => {
    const e = rec({
      upstream_cluster: 'outbound|9080||reviews.shop.svc.cluster.local',
      upstream_peer_uri_san: 'spiffe://cluster.local/ns/shop/sa/reviews',
    });
    expect(e).toMatchObject({
      mtls: true,
      dstPrincipal: 'spiffe://cluster.local/ns/shop/sa/reviews',
      dstServiceAccount: 'reviews',
    });
  });

  it('IPv6 addresses', () => {
    const e = rec({ upstream_cluster: 'inbound|80||', downstream_remote_address: '[fd00:10:244::5]:51234' });
    expect(e.src).toBe('ip:fd00:10:244::5');
  });
});

describe('helpers', () => {
  it('addressHost', () => {
    expect(addressHost('10.0.0.1:8080')).toBe('10.0.0.1');
    expect(addressHost('[::1]:80')).toBe('::1');
    expect(addressHost('tcp://10.0.2.1:80')).toBe('10.0.2.1');
    expect(addressHost('envoy://internal_client_address/')).toBe('');
    expect(addressHost('10.0.0.1')).toBe('10.0.0.1');
  });
  it('hostOnly, sniHost, spiffeOf', () => {
    expect(hostOnly('API.Example.com:443')).toBe('api.example.com');
    expect(sniHost('outbound_.8000_.v1_.httpbin.foo.svc.cluster.local')).toBe(
      'httpbin.foo.svc.cluster.local',
    );
    expect(sniHost('api.example.com')).toBe('api.example.com');
    expect(spiffeOf('https://x.example,spiffe://cluster.local/ns/a/sa/b')).toBe(
      'spiffe://cluster.local/ns/a/sa/b',
    );
    expect(spiffeOf('-')).toBe('');
  });
});
