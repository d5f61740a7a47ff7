import { describe, expect, it } from 'vitest';
import type { MeshEvent, ParseResult } from '../../../pipelines/core/event.js';
import { detectFormat } from '../../../pipelines/parse/index.js';
import { fixtureLines, parseAll, parseOne, reasonOf } from './fixtures.js';

const lines = fixtureLines('otlp.log');
const line = (i: number): string => lines[i - 1]!;
const events = (rs: ParseResult[]): MeshEvent[] => rs.flatMap((r) => (r.ok ? [r.event] : []));

describe('otlp-json: ExportLogsServiceRequest', () => {
  it('is detected from its first key', () => {
    for (const l of lines) expect(detectFormat(l)).toBe('otlp-json');
  });

  it("body as Istio's text format; identity from Envoy's node_name resource label", () => {
    const e = parseOne(line(1));
    expect(e).toMatchObject({
      timeMs: Date.parse('2020-11-25T21:26:18.409Z'),
      direction: 'inbound',
      src: 'ip:10.44.1.23',
      dst: 'httpbin.foo.svc.cluster.local',
      // The logging pod (from sidecar~10.44.1.27~httpbin-74fb669cc6-qvlb5.foo~...) is the destination.
      dstNamespace: 'foo',
      status: 418,
      bytesDown: 135,
      mtls: true,
    });
  });

  it('body as a kvlist with intValue strings; k8s.* resource attributes name the source', () => {
    const e = parseOne(line(2));
    expect(e).toMatchObject({
      timeMs: Date.parse('2024-03-05T10:02:00.000Z'),
      direction: 'outbound',
      src: 'ip:10.244.1.12',
      srcNamespace: 'shop',
      srcWorkload: 'frontend',
      srcAddress: '10.244.1.12',
      dst: 'users.shop.svc.cluster.local',
      dstPrincipal: 'spiffe://cluster.local/ns/shop/sa/users',
      dstNamespace: 'shop',
      dstServiceAccount: 'users',
      mtls: true,
      path: '/api/v1/users',
      status: 200,
      bytesDown: 48213,
      durationMs: 17,
    });
  });

  it('Envoy fields in attributes (no body): egress upload to an external ServiceEntry host', () => {
    const e = parseOne(line(3));
    expect(e).toMatchObject({
      timeMs: Date.parse('2024-03-05T10:03:00.500Z'),
      direction: 'outbound',
      egress: true,
      externalHost: 'storage.googleapis.com',
      bytesUp: 10485760,
      bytesDown: 95,
      protocol: 'HTTP/2',
      userAgent: 'gsutil/5.27',
      srcNamespace: 'shop',
    });
  });

  it('one emit per logRecord; a bad record is rejected alone and its neighbours survive', () => {
    const rs = parseAll(line(4));
    expect(rs).toHaveLength(3);
    expect(rs[0]!.ok).toBe(true);
    expect(rs[1]).toEqual({
      ok: false,
      reason:
        "otlp: body is not an Envoy access-log record: '2020-11-25T21:26:18.600Z info xdsproxy connected to upstream XDS server'",
    });
    expect(rs[2]).toEqual({ ok: false, reason: "response_code: not a number: 'abc'" });
    const [e] = events(rs);
    expect(e).toMatchObject({
      direction: 'outbound',
      srcNamespace: 'foo',
      srcWorkload: 'sleep',
      status: 418,
    });
  });

  it('uses timeUnixNano when the fields carry no start_time, observedTimeUnixNano when that is absent', () => {
    const req = (rec: Record<string, unknown>): string =>
      JSON.stringify({
        resourceLogs: [
          {
            resource: { attributes: [] },
            scopeLogs: [
              {
                logRecords: [
                  {
                    ...rec,
                    attributes: [
                      {
                        key: 'upstream_cluster',
                        value: { stringValue: 'outbound|80||web.shop.svc.cluster.local' },
                      },
                      { key: 'response_code', value: { intValue: 200 } },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      });
    expect(parseOne(req({ timeUnixNano: '1709632920123456789' })).timeMs).toBe(1709632920123);
    expect(parseOne(req({ timeUnixNano: '0', observedTimeUnixNano: '1709632921000000000' })).timeMs).toBe(
      1709632921000,
    );
    expect(reasonOf(req({}))).toBe('start_time: missing');
    expect(reasonOf(req({ timeUnixNano: '17096329x0' }))).toBe("timeUnixNano: not a time: '17096329x0'");
  });

  it('rejects malformed requests with a reason instead of throwing', () => {
    expect(reasonOf('{"resourceLogs": 3}')).toBe('otlp: resourceLogs: not an array');
    expect(reasonOf('{"resourceLogs": [{"scopeLogs": {}}]}')).toBe(
      'otlp: resourceLogs[0].scopeLogs: not an array',
    );
    expect(reasonOf('{"resourceLogs": [{"scopeLogs": [{"logRecords": [7]}]}]}')).toBe(
      'otlp: logRecord: not an object',
    );
    expect(
      reasonOf('{"resourceLogs": [{"scopeLogs": [{"logRecords": [{"body": {"stringValue": "{oops"}}]}]}]}'),
    ).toMatch(/^otlp: body: not JSON: /);
    expect(reasonOf('{"resourceLogs": [{"scopeLogs": [{"logRecords": [{"timeUnixNano": "1"}]}]}]}')).toBe(
      'otlp: logRecord has no body and no Envoy attributes',
    );
    expect(reasonOf('{"resourceLogs": [')).toMatch(/^not JSON: /);
    // An empty request is valid and yields nothing.
    expect(parseAll('{"resourceLogs": []}')).toEqual([]);
  });
});
