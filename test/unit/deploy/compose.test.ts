import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { applyEnv } from '../../../config/overrides.js';
import { resolveConfig } from '../../../config/validate.js';

const ROOT = join(import.meta.dirname, '../../..');
/* eslint-disable @typescript-eslint/no-explicit-any */
const compose = parseYaml(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, any>;
  volumes: Record<string, unknown>;
};
const services = compose.services;
const svc = (name: string): any => {
  const s = services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
};
const dependsOn = (name: string): Record<string, { condition: string }> => {
  const d = svc(name).depends_on ?? {};
  return Array.isArray(d)
    ? Object.fromEntries(d.map((n: string) => [n, { condition: 'service_started' }]))
    : d;
};
const MESHGUARD = ['meshguard-ingest', 'meshguard-scorer', 'simulator', 'meshguard-demo'];

describe('docker-compose.yml', () => {
  it('has Kafka (KRaft), Redis, both meshguard roles, Prometheus, Grafana and a simulator', () => {
    for (const name of [
      'kafka',
      'redis',
      'meshguard-ingest',
      'meshguard-scorer',
      'prometheus',
      'grafana',
      'simulator',
    ])
      expect(Object.keys(services)).toContain(name);
    const kafka = svc('kafka');
    expect(kafka.image).toMatch(/^(apache\/kafka|bitnami\/kafka):/);
    expect(kafka.environment.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(kafka.environment.KAFKA_ADVERTISED_LISTENERS).toContain('://kafka:9092');
    expect(kafka.environment).not.toHaveProperty('KAFKA_ZOOKEEPER_CONNECT');
    expect(kafka.healthcheck).toBeTruthy();
    expect(svc('redis').healthcheck).toBeTruthy();
  });

  it('pins every image to a version', () => {
    for (const [name, s] of Object.entries(services)) {
      if (s.build) continue;
      expect(s.image, name).toMatch(/:[\w.-]+$/);
      expect(s.image, name).not.toMatch(/:latest$/);
    }
  });

  it('builds meshguard from deploy/docker/Dockerfile and runs it hardened', () => {
    for (const name of MESHGUARD) {
      const s = svc(name);
      expect(s.build, name).toEqual({ context: '.', dockerfile: 'deploy/docker/Dockerfile' });
      expect(existsSync(join(ROOT, s.build.dockerfile))).toBe(true);
      expect(s.user).toBe('10001:10001');
      expect(s.read_only).toBe(true);
      expect(s.cap_drop).toEqual(['ALL']);
      expect(s.tmpfs).toContain('/tmp');
    }
  });

  it('runs the roles against kafka and redis, each waiting for what it needs', () => {
    for (const [name, role] of [
      ['meshguard-ingest', 'ingest'],
      ['meshguard-scorer', 'scorer'],
    ] as const) {
      const s = svc(name);
      expect(s.command.slice(0, 1)).toEqual(['serve']);
      expect(s.command.join(' ')).toContain(`--role ${role}`);
      expect(s.environment.MESHGUARD_KAFKA_BROKERS).toBe('kafka:9092');
      expect(s.environment.MESHGUARD_KAFKA_SASL_PASSWORD).toBeTruthy();
      expect(s.environment.MESHGUARD_REDIS_PASSWORD).toBeTruthy();
      expect(s.environment.MESHGUARD_REDIS_URL).toBe('redis://redis:6379');
      expect(dependsOn(name)['kafka-init']).toEqual({ condition: 'service_completed_successfully' });
      expect(dependsOn(name).redis).toEqual({ condition: 'service_healthy' });
    }
    expect(svc('meshguard-ingest').environment).toHaveProperty('MESHGUARD_INGEST_TOKEN');
    expect(svc('meshguard-scorer').environment).toHaveProperty('MESHGUARD_ADMIN_TOKEN');
    expect(dependsOn('kafka-init').kafka).toEqual({ condition: 'service_healthy' });
  });

  it('mounts a meshguard config that the schema accepts', () => {
    for (const name of ['meshguard-ingest', 'meshguard-scorer']) {
      const mount = (svc(name).volumes as string[]).find((v) =>
        v.endsWith(':/etc/meshguard/meshguard.yaml:ro'),
      );
      expect(mount, name).toBeTruthy();
      const file = join(ROOT, mount!.split(':')[0]!);
      expect(() => resolveConfig(parseYaml(readFileSync(file, 'utf8')))).not.toThrow();
    }
  });

  it('feeds simulated traffic into mesh.access-logs only after the simulator finished and the topics exist', () => {
    expect(svc('simulator').command[0]).toBe('simulate');
    const deps = dependsOn('simulator-publish');
    expect(deps.simulator).toEqual({ condition: 'service_completed_successfully' });
    expect(deps['kafka-init']).toEqual({ condition: 'service_completed_successfully' });
    expect(svc('simulator-publish').command.join(' ')).toContain('--topic mesh.access-logs');
    // Both sides share the volume the file is written to.
    const volumeOf = (name: string): string => (svc(name).volumes as string[])[0]!.split(':')[0]!;
    expect(volumeOf('simulator')).toBe(volumeOf('simulator-publish'));
    expect(compose.volumes).toHaveProperty(volumeOf('simulator'));
  });

  it('gives Prometheus the meshguard rules and scrape targets that match the compose services', () => {
    const prom = svc('prometheus');
    expect(prom.volumes).toContain('./deploy/prometheus:/etc/prometheus/meshguard:ro');
    expect(prom.command).toContain('--config.file=/etc/prometheus/meshguard/prometheus.yml');
    const config = parseYaml(readFileSync(join(ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8'));
    for (const job of config.scrape_configs as Array<{
      job_name: string;
      static_configs: Array<{ targets: string[] }>;
    }>) {
      for (const target of job.static_configs.flatMap((c) => c.targets)) {
        const [host, port] = target.split(':');
        if (host === 'localhost') continue;
        expect(Object.keys(services), target).toContain(host);
        // meshguard listens on the --port it is given.
        expect(svc(host!).command.join(' '), target).toContain(`--port ${port}`);
      }
    }
  });

  it('provisions Grafana with the datasource and the dashboard', () => {
    const grafana = svc('grafana');
    expect(grafana.volumes).toContain('./deploy/grafana/provisioning:/etc/grafana/provisioning:ro');
    expect(dependsOn('grafana')).toHaveProperty('prometheus');
  });

  it('mounts only host paths that exist', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const v of (s.volumes ?? []) as string[]) {
        const source = v.split(':')[0]!;
        if (source.startsWith('./')) expect(existsSync(join(ROOT, source)), `${name}: ${source}`).toBe(true);
        else expect(compose.volumes, `${name}: named volume ${source}`).toHaveProperty(source);
      }
    }
  });

  describe('credentials on both sides, no unauthenticated listener', () => {
    const kafkaEnv = (): Record<string, string> => svc('kafka').environment;
    /** listener name → [security protocol, bound host] */
    const listeners = (): Map<string, [string, string]> => {
      const protocols = new Map(
        kafkaEnv()
          .KAFKA_LISTENER_SECURITY_PROTOCOL_MAP!.split(',')
          .map((p) => p.split(':') as [string, string]),
      );
      return new Map(
        kafkaEnv()
          .KAFKA_LISTENERS!.split(',')
          .map((l) => {
            const [, name, host] = /^(\w+):\/\/([^:]*):\d+$/.exec(l)!;
            return [name!, [protocols.get(name!) ?? name!, host!]];
          }),
      );
    };
    /** `${VAR:-default}` as compose resolves it with nothing set in the environment. */
    const withDefaults = (v: string): string => v.replace(/\$\{\w+:-([^}]*)\}/g, '$1');
    /** The users the broker accepts: `user_<name>="<password expression>"` in the listeners' JAAS config. */
    const brokerUsers = (listener: string): Map<string, string> => {
      const jaas = kafkaEnv()[`KAFKA_LISTENER_NAME_${listener}_PLAIN_SASL_JAAS_CONFIG`] ?? '';
      return new Map([...jaas.matchAll(/user_(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    };

    it('every Kafka listener another container or the host can reach asks for a SASL login', () => {
      for (const [name, [protocol, host]] of listeners()) {
        if (protocol.startsWith('SASL_')) {
          expect(kafkaEnv().KAFKA_SASL_ENABLED_MECHANISMS, name).toContain('PLAIN');
          expect(brokerUsers(name).size, name).toBeGreaterThan(0);
        } else {
          // Only the controller may skip it, bound to the container's own loopback.
          expect(name).toBe(kafkaEnv().KAFKA_CONTROLLER_LISTENER_NAMES);
          expect(host, name).toBe('127.0.0.1');
        }
      }
      expect(listeners().get(kafkaEnv().KAFKA_INTER_BROKER_LISTENER_NAME!)![0]).toMatch(/^SASL_/);
      for (const advertised of kafkaEnv().KAFKA_ADVERTISED_LISTENERS!.split(','))
        expect(listeners().get(advertised.split(':')[0]!)![0], advertised).toMatch(/^SASL_/);
      // What is published on the host is a SASL listener, on loopback only.
      for (const port of svc('kafka').ports as string[]) {
        expect(port).toMatch(/^127\.0\.0\.1:/);
        const container = port.split(':').pop();
        const [name] = [...listeners()].find(([n]) =>
          kafkaEnv().KAFKA_LISTENERS!.includes(`${n}://:${container}`),
        )!;
        expect(listeners().get(name)![0]).toMatch(/^SASL_/);
      }
    });

    it('meshguard logs in to Kafka as a user the broker accepts, with the same password', () => {
      const raw = parseYaml(readFileSync(join(ROOT, 'config/examples/compose.yaml'), 'utf8'));
      for (const name of ['meshguard-ingest', 'meshguard-scorer']) {
        const env = svc(name).environment as Record<string, string>;
        const cfg = resolveConfig(
          applyEnv(
            raw,
            Object.fromEntries(Object.entries(env).map(([k, v]) => [k, withDefaults(String(v))])),
          ),
        );
        expect(cfg.kafka.sasl, name).toBeDefined();
        const mechanism = cfg.kafka.sasl!.mechanism.toUpperCase();
        expect(kafkaEnv().KAFKA_SASL_ENABLED_MECHANISMS!.split(',')).toContain(mechanism);
        // Same variable on both sides: the password the broker expects is the one meshguard sends.
        const expected = brokerUsers('INTERNAL').get(cfg.kafka.sasl!.username);
        expect(expected, `${name}: broker user ${cfg.kafka.sasl!.username}`).toBeDefined();
        expect(env.MESHGUARD_KAFKA_SASL_PASSWORD).toBe(expected);
        expect(cfg.kafka.sasl!.password).toBe(withDefaults(expected!));
        expect(cfg.redis.password, name).toBeTruthy();
      }
    });

    it('the Kafka tools log in too: health check, topic set-up and the publisher', () => {
      const loginOf = (script: string): string | undefined => /username="(\w+)"/.exec(script)?.[1];
      const checks: Array<[string, string]> = [
        ['kafka healthcheck', (svc('kafka').healthcheck.test as string[]).join(' ')],
        ['kafka-init', (svc('kafka-init').command as string[]).join(' ')],
        ['simulator-publish', (svc('simulator-publish').command as string[]).join(' ')],
      ];
      for (const [name, script] of checks) {
        expect(script, name).toContain('security.protocol=SASL_PLAINTEXT');
        expect(script, name).toMatch(/--(command|producer)[.-]config \/tmp\/\w+\.properties/);
        expect(brokerUsers('INTERNAL').has(loginOf(script)!), name).toBe(true);
      }
    });

    it('Redis asks for the password meshguard is given, and is not published', () => {
      const redis = svc('redis');
      const command = (redis.command as string[]).join(' ');
      const required = /--requirepass (\S+)/.exec(command)?.[1];
      expect(required).toBeTruthy();
      for (const name of ['meshguard-ingest', 'meshguard-scorer'])
        expect(svc(name).environment.MESHGUARD_REDIS_PASSWORD, name).toBe(required);
      expect(redis.ports).toBeUndefined();
    });
  });
});
