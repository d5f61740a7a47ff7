import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Telemetry } from '@kubernetes-models/istio/telemetry.istio.io/v1alpha1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { resolveConfig } from '../../../config/validate.js';

const ROOT = join(import.meta.dirname, '../../..');
const BASE = join(ROOT, 'deploy/k8s/base');
const ISTIO = join(ROOT, 'deploy/k8s/istio');

// Loose shapes: the test reads manifests as plain data and asserts on what matters.
/* eslint-disable @typescript-eslint/no-explicit-any */
type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [k: string]: any;
};

function loadDocs(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => {
      if (d.errors.length) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
      return d.toJS() as Manifest | null;
    })
    .filter((d): d is Manifest => d !== null);
}

const kustomization = parseYaml(readFileSync(join(BASE, 'kustomization.yaml'), 'utf8'));
const manifests: Manifest[] = (kustomization.resources as string[]).flatMap((f) => loadDocs(join(BASE, f)));
const ofKind = (kind: string): Manifest[] => manifests.filter((m) => m.kind === kind);
const deployments = ofKind('Deployment');
const byName = (kind: string, name: string): Manifest => {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}): boolean =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('Kustomize base', () => {
  it('lists files that exist and generates the config from a file that exists', () => {
    for (const f of kustomization.resources as string[]) expect(existsSync(join(BASE, f)), f).toBe(true);
    for (const gen of kustomization.configMapGenerator as Array<{ files: string[] }>)
      for (const f of gen.files) expect(existsSync(join(BASE, f)), f).toBe(true);
    expect(kustomization.namespace).toBe('meshguard');
  });

  it('has the namespace, both roles, their Services, PDBs and ServiceAccounts', () => {
    expect(byName('Namespace', 'meshguard')).toBeTruthy();
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['meshguard-ingest', 'meshguard-scorer']);
    for (const name of ['meshguard-ingest', 'meshguard-scorer']) {
      expect(byName('Service', name)).toBeTruthy();
      expect(byName('PodDisruptionBudget', name)).toBeTruthy();
      expect(byName('ServiceAccount', name)).toBeTruthy();
    }
  });

  it('ships a config that meshguard accepts, with Kubernetes quarantine starting in dry-run', () => {
    const raw = parseYaml(readFileSync(join(BASE, 'meshguard.yaml'), 'utf8'));
    const cfg = resolveConfig(raw);
    expect(cfg.quarantine.sink).toBe('kubernetes');
    expect(cfg.quarantine.mode).toBe('dry-run');
    expect(cfg.quarantine.protected_namespaces).toContain('meshguard');
    expect(cfg.kafka.brokers.length).toBeGreaterThan(0);
    // The container port and probes are on the configured HTTP port.
    for (const d of deployments)
      expect(d.spec.template.spec.containers[0].ports).toContainEqual(
        expect.objectContaining({ name: 'http', containerPort: cfg.http.port }),
      );
  });
});

describe('Deployments', () => {
  for (const d of deployments) {
    const role = d.metadata.name.replace('meshguard-', '');
    const pod = d.spec.template.spec;

    describe(d.metadata.name, () => {
      it(`runs "serve --role ${role}" from the mounted config`, () => {
        const c = pod.containers[0];
        expect(c.image).toBe('meshguard');
        expect(c.args).toEqual(['serve', '--config', '/etc/meshguard/meshguard.yaml', '--role', role]);
        const config = pod.volumes.find((v: any) => v.configMap?.name === 'meshguard-config');
        expect(config).toBeTruthy();
        expect(c.volumeMounts).toContainEqual({
          name: config.name,
          mountPath: '/etc/meshguard',
          readOnly: true,
        });
      });

      it('selects its own pods only', () => {
        expect(d.spec.selector.matchLabels['app.kubernetes.io/component']).toBe(role);
        expect(matches(d.spec.selector.matchLabels, d.spec.template.metadata.labels)).toBe(true);
        const svc = byName('Service', d.metadata.name);
        expect(matches(svc.spec.selector, d.spec.template.metadata.labels)).toBe(true);
        expect(svc.spec.ports).toContainEqual(expect.objectContaining({ name: 'http', targetPort: 'http' }));
        const pdb = byName('PodDisruptionBudget', d.metadata.name);
        expect(matches(pdb.spec.selector.matchLabels, d.spec.template.metadata.labels)).toBe(true);
        expect(pdb.spec.minAvailable).toBeLessThan(d.spec.replicas);
      });

      it('has liveness on /healthz and readiness on /readyz', () => {
        for (const c of pod.containers) {
          expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
          expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
          expect(c.startupProbe?.httpGet?.path).toBe('/healthz');
        }
      });

      it('sets CPU and memory requests and limits', () => {
        for (const c of pod.containers) {
          for (const kind of ['requests', 'limits']) {
            expect(c.resources?.[kind]?.cpu, `${kind}.cpu`).toBeTruthy();
            expect(c.resources?.[kind]?.memory, `${kind}.memory`).toBeTruthy();
          }
        }
      });

      it('runs non-root with a read-only root filesystem, no capabilities and RuntimeDefault seccomp', () => {
        expect(pod.securityContext).toMatchObject({
          runAsNonRoot: true,
          runAsUser: 10001,
          seccompProfile: { type: 'RuntimeDefault' },
        });
        for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
          expect(c.securityContext).toMatchObject({
            runAsNonRoot: true,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          });
          expect(c.securityContext.privileged ?? false).toBe(false);
          expect(c.securityContext.capabilities.add ?? []).toEqual([]);
          // With a read-only root, the only writable paths are emptyDirs on /tmp and the data directory.
          const mounted = new Map<string, string>(c.volumeMounts.map((m: any) => [m.mountPath, m.name]));
          for (const path of ['/tmp', '/var/lib/meshguard']) {
            const volume = pod.volumes.find((v: any) => v.name === mounted.get(path));
            expect(volume?.emptyDir, path).toBeTruthy();
          }
        }
      });

      it('takes its tokens from the meshguard-tokens Secret, never inline', () => {
        const env = pod.containers[0].env as Array<{ name: string; value?: string; valueFrom?: any }>;
        const want = role === 'ingest' ? 'MESHGUARD_INGEST_TOKEN' : 'MESHGUARD_ADMIN_TOKEN';
        expect(env.find((e) => e.name === want)?.valueFrom?.secretKeyRef?.name).toBe('meshguard-tokens');
        for (const e of env.filter((x) => /TOKEN|PASSWORD|REDIS_URL/.test(x.name)))
          expect(e.value, e.name).toBeUndefined();
      });

      it('logs in to Redis with a password and to Kafka with SCRAM over TLS, from the Secret', () => {
        const env = pod.containers[0].env as Array<{ name: string; valueFrom?: any }>;
        const secretKeys = new Set(
          Object.keys(loadDocs(join(ROOT, 'deploy/k8s/secret.example.yaml'))[0]!.stringData),
        );
        for (const name of [
          'MESHGUARD_REDIS_PASSWORD',
          'MESHGUARD_KAFKA_SASL_USERNAME',
          'MESHGUARD_KAFKA_SASL_PASSWORD',
        ]) {
          const ref = env.find((e) => e.name === name)?.valueFrom?.secretKeyRef;
          expect(ref?.name, name).toBe('meshguard-tokens');
          expect(secretKeys.has(ref?.key), `${name}: key ${ref?.key} in secret.example.yaml`).toBe(true);
        }
        const raw = parseYaml(readFileSync(join(BASE, 'meshguard.yaml'), 'utf8'));
        const cfg = resolveConfig(raw);
        expect(cfg.kafka.tls).toBe(true);
        expect(cfg.kafka.sasl?.mechanism).toMatch(/^scram-/);
        expect(cfg.redis.url).not.toBe('');
        // Never switched off in the example: serve refuses a Redis that answers without a password.
        expect(raw.redis.allow_unauthenticated).toBeUndefined();
        expect(raw.ingest?.allow_unauthenticated).toBeUndefined();
      });
    });
  }
});

describe('RBAC', () => {
  it('grants only the scorer access, and only to authorizationpolicies.security.istio.io', () => {
    expect(ofKind('Role')).toEqual([]);
    expect(ofKind('RoleBinding')).toEqual([]);
    const roles = ofKind('ClusterRole');
    expect(roles.map((r) => [r.metadata.name, r.rules])).toEqual([
      [
        'meshguard-quarantine',
        [
          {
            apiGroups: ['security.istio.io'],
            resources: ['authorizationpolicies'],
            verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'],
          },
        ],
      ],
      // The pod watch reads pods, never writes them.
      [
        'meshguard-pod-addresses',
        [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
      ],
    ]);
    const bindings = ofKind('ClusterRoleBinding');
    expect(bindings).toHaveLength(2);
    for (const [i, binding] of bindings.entries()) {
      expect(binding.roleRef).toEqual({
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: roles[i]!.metadata.name,
      });
      expect(binding.subjects).toEqual([
        { kind: 'ServiceAccount', name: 'meshguard-scorer', namespace: 'meshguard' },
      ]);
    }
  });

  it('gives ingest no API token at all', () => {
    const ingest = byName('Deployment', 'meshguard-ingest').spec.template.spec;
    expect(ingest.serviceAccountName).toBe('meshguard-ingest');
    expect(ingest.automountServiceAccountToken).toBe(false);
    expect(byName('ServiceAccount', 'meshguard-ingest').automountServiceAccountToken).toBe(false);
    expect(byName('Deployment', 'meshguard-scorer').spec.template.spec.serviceAccountName).toBe(
      'meshguard-scorer',
    );
  });
});

describe('Prometheus Operator resources', () => {
  it('ServiceMonitor scrapes /metrics on the http port of both Services', () => {
    const sm = byName('ServiceMonitor', 'meshguard');
    expect(sm.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(sm.spec.endpoints).toContainEqual(expect.objectContaining({ port: 'http', path: '/metrics' }));
    for (const name of ['meshguard-ingest', 'meshguard-scorer'])
      expect(matches(sm.spec.selector.matchLabels, byName('Service', name).metadata.labels), name).toBe(true);
  });

  it('PrometheusRule holds exactly the groups of deploy/prometheus/rules.yml', () => {
    const rules = parseYaml(readFileSync(join(ROOT, 'deploy/prometheus/rules.yml'), 'utf8'));
    const pr = byName('PrometheusRule', 'meshguard');
    expect(pr.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(pr.spec.groups).toEqual(rules.groups);
  });
});

describe('Istio access logs', () => {
  const telemetry = loadDocs(join(ISTIO, 'telemetry.yaml'))[0]!;
  const operator = loadDocs(join(ISTIO, 'mesh-config.yaml'))[0]!;
  const providers = operator.spec.meshConfig.extensionProviders as Array<{
    name: string;
    envoyFileAccessLog?: any;
  }>;

  it('Telemetry enables a provider that the mesh config defines, mesh-wide from the root namespace', () => {
    expect(telemetry).toMatchObject({
      apiVersion: 'telemetry.istio.io/v1',
      kind: 'Telemetry',
      metadata: { namespace: 'istio-system' },
    });
    expect(telemetry.spec.selector).toBeUndefined();
    // The v1 and v1alpha1 specs are the same; the installed models only ship v1alpha1.
    expect(() =>
      new Telemetry({ ...telemetry, apiVersion: 'telemetry.istio.io/v1alpha1' } as never).validate(),
    ).not.toThrow();
    const names = telemetry.spec.accessLogging.flatMap((a: any) => a.providers.map((p: any) => p.name));
    for (const name of names) expect(providers.map((p) => p.name)).toContain(name);
    expect(parseYaml(readFileSync(join(ISTIO, 'kustomization.yaml'), 'utf8')).resources).toEqual([
      'telemetry.yaml',
    ]);
  });

  it("logs JSON with the keys of Istio's default format plus both peer identities", () => {
    const provider = providers.find((p) => p.name === telemetry.spec.accessLogging[0].providers[0].name)!;
    expect(provider.envoyFileAccessLog.path).toBe('/dev/stdout');
    const labels = provider.envoyFileAccessLog.logFormat.labels as Record<string, string>;
    expect(labels).toMatchObject({
      downstream_peer_uri_san: '%DOWNSTREAM_PEER_URI_SAN%',
      upstream_peer_uri_san: '%UPSTREAM_PEER_URI_SAN%',
      start_time: '%START_TIME%',
      response_code: '%RESPONSE_CODE%',
      upstream_cluster: '%UPSTREAM_CLUSTER_RAW%',
      downstream_remote_address: '%DOWNSTREAM_REMOTE_ADDRESS%',
    });
    for (const key of [
      'method',
      'path',
      'protocol',
      'response_flags',
      'bytes_received',
      'bytes_sent',
      'duration',
      'upstream_service_time',
      'x_forwarded_for',
      'user_agent',
      'request_id',
      'authority',
      'upstream_host',
      'downstream_local_address',
      'requested_server_name',
      'route_name',
      'response_code_details',
      'connection_termination_details',
    ])
      expect(labels[key], key).toMatch(/^%[A-Z_]+(\(.+\))?%$/);
  });
});
