/**
 * The `consul` sink: ServiceIntentions through Consul's HTTP API as `service-intentions` config entries.
 * Reads `GET /v1/config/service-intentions/<name>`; writes `PUT /v1/config?cas=<ModifyIndex>` (cas=0:
 * only if it still does not exist) and deletes `DELETE ...?cas=<ModifyIndex>`, so a concurrent edit by
 * someone else is never overwritten: Consul answers `false`, which is retryable (read and merge again).
 *
 * The custom-resource shape (camelCase, consul-k8s) is what meshguard plans and merges; this sink
 * converts to and from the API's PascalCase, keeping every field it does not know, so a source written by
 * someone else goes back exactly as it was read. 429/5xx and network errors are retryable, 401/403 and
 * other 4xx permanent.
 */
import type { Delivery } from '../../../core/delivery.js';
import type { MeshResource, ResourceRef, VersionedResource } from '../mesh/resource.js';
import { WILDCARD_NAME, intentionsName } from '../mesh/consul.js';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../policy.js';
import { errorOf, type PolicySink } from './sink.js';

const KIND = 'service-intentions';
const API = 'consul.hashicorp.com/v1alpha1';
/** Entry fields Consul computes: never sent back. */
const READ_ONLY = new Set(['CreateIndex', 'ModifyIndex', 'Hash', 'Precedence']);
/** Meta key meshguard sets on entries it created (CR labels have no place in a config entry). */
const META_MANAGED_BY = 'managed-by';

type Json = Record<string, unknown>;

const toCamel = (k: string): string => (k === 'HTTP' ? 'http' : k.charAt(0).toLowerCase() + k.slice(1));
const toPascal = (k: string): string => (k === 'http' ? 'HTTP' : k.charAt(0).toUpperCase() + k.slice(1));

function convertKeys(value: unknown, key: (k: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => convertKeys(v, key));
  if (typeof value !== 'object' || value === null) return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value as Json))
    if (!READ_ONLY.has(k)) out[key(k)] = convertKeys(v, key);
  return out;
}

/** A config entry as read → the ServiceIntentions resource meshguard merges. */
export function resourceOfEntry(entry: Json): MeshResource {
  const name = String(entry.Name);
  const meta = (entry.Meta ?? {}) as Record<string, string>;
  const destination: Json = { name };
  if (entry.Namespace) destination.namespace = entry.Namespace;
  const resource: MeshResource = {
    apiVersion: API,
    kind: 'ServiceIntentions',
    metadata: { name: intentionsName(name) },
    spec: { destination, sources: convertKeys(entry.Sources ?? [], toCamel) as unknown[] },
  };
  if (meta[META_MANAGED_BY] === MANAGED_BY) resource.metadata.labels = { [MANAGED_BY_LABEL]: MANAGED_BY };
  const others = Object.fromEntries(Object.entries(meta).filter(([k]) => k !== META_MANAGED_BY));
  if (Object.keys(others).length) resource.metadata.annotations = { 'consul.meta': JSON.stringify(others) };
  return resource;
}

/** The ServiceIntentions resource → the config entry to write. */
export function entryOfResource(resource: MeshResource): Json {
  const spec = resource.spec as { destination?: { name?: string; namespace?: string }; sources?: unknown[] };
  const entry: Json = { Kind: KIND, Name: spec.destination?.name ?? resource.metadata.name };
  if (spec.destination?.namespace) entry.Namespace = spec.destination.namespace;
  entry.Sources = convertKeys(spec.sources ?? [], toPascal);
  const meta: Record<string, string> = JSON.parse(
    resource.metadata.annotations?.['consul.meta'] ?? '{}',
  ) as Record<string, string>;
  if (resource.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY) meta[META_MANAGED_BY] = MANAGED_BY;
  if (Object.keys(meta).length) entry.Meta = meta;
  return entry;
}

export interface ConsulSinkOptions {
  address: string;
  token?: string;
  /** Consul Enterprise namespace (query parameter ns). */
  namespace?: string;
  fetch?: typeof fetch;
}

export class ConsulSink implements PolicySink {
  readonly name = 'consul' as const;
  constructor(private readonly opts: ConsulSinkOptions) {}

  private url(path: string, query: Record<string, string | undefined> = {}): string {
    const u = new URL(path, this.opts.address.replace(/\/*$/, '/'));
    if (this.opts.namespace) u.searchParams.set('ns', this.opts.namespace);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, v);
    return u.toString();
  }

  private async call(method: string, url: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.opts.token) headers['x-consul-token'] = this.opts.token;
    return (this.opts.fetch ?? fetch)(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  private async outcome(res: Response, what: string): Promise<Delivery> {
    const text = await res.text();
    if (res.ok) {
      // Check-and-set answers false when the entry changed since it was read: merge again.
      if (text.trim() === 'false')
        return { code: 'retryable', error: new Error(`${what}: lost a check-and-set race`) };
      return { code: 'ok' };
    }
    const error = new Error(`Consul answered ${res.status} to ${what}: ${text.slice(0, 200)}`);
    return res.status === 429 || res.status >= 500
      ? { code: 'retryable', error }
      : { code: 'permanent', error };
  }

  private entryName(ref: ResourceRef): string {
    return ref.name === WILDCARD_NAME ? '*' : ref.name;
  }

  private check(resource: MeshResource | ResourceRef): Delivery | undefined {
    return resource.kind === 'ServiceIntentions'
      ? undefined
      : {
          code: 'permanent',
          error: new Error(`the consul sink writes only ServiceIntentions, not ${resource.kind}`),
        };
  }

  async apply(resource: MeshResource): Promise<Delivery> {
    const bad = this.check(resource);
    if (bad) return bad;
    try {
      return await this.outcome(
        await this.call('PUT', this.url('v1/config'), entryOfResource(resource)),
        'PUT /v1/config',
      );
    } catch (error) {
      return { code: 'retryable', error: errorOf(error) };
    }
  }

  async write(resource: MeshResource, version: string | undefined): Promise<Delivery> {
    const bad = this.check(resource);
    if (bad) return bad;
    try {
      const res = await this.call(
        'PUT',
        this.url('v1/config', { cas: version ?? '0' }),
        entryOfResource(resource),
      );
      return await this.outcome(res, `PUT /v1/config?cas=${version ?? '0'}`);
    } catch (error) {
      return { code: 'retryable', error: errorOf(error) };
    }
  }

  async delete(ref: ResourceRef, version?: string): Promise<Delivery> {
    const bad = this.check(ref);
    if (bad) return bad;
    try {
      const url = this.url(`v1/config/${KIND}/${encodeURIComponent(this.entryName(ref))}`, { cas: version });
      const res = await this.call('DELETE', url);
      if (res.status === 404) return { code: 'ok' };
      return await this.outcome(res, `DELETE ${KIND}/${this.entryName(ref)}`);
    } catch (error) {
      return { code: 'retryable', error: errorOf(error) };
    }
  }

  async read(ref: ResourceRef): Promise<VersionedResource | undefined> {
    if (ref.kind !== 'ServiceIntentions') return undefined;
    const res = await this.call(
      'GET',
      this.url(`v1/config/${KIND}/${encodeURIComponent(this.entryName(ref))}`),
    );
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`Consul answered ${res.status} reading ${KIND}/${this.entryName(ref)}`);
    const entry = (await res.json()) as Json;
    const resource = resourceOfEntry(entry);
    if (ref.namespace !== undefined) resource.metadata.namespace = ref.namespace;
    return { resource, version: String(entry.ModifyIndex ?? '0') };
  }

  async listKind(apiVersion: string, kind: string): Promise<MeshResource[]> {
    if (kind !== 'ServiceIntentions') return [];
    const res = await this.call('GET', this.url(`v1/config/${KIND}`));
    if (!res.ok) throw new Error(`Consul answered ${res.status} listing ${KIND}`);
    return ((await res.json()) as Json[]).map(resourceOfEntry).filter(() => apiVersion === API);
  }

  /** Entries holding a meshguard source (or created by meshguard). */
  async list(): Promise<MeshResource[]> {
    return (await this.listKind(API, 'ServiceIntentions')).filter(
      (r) =>
        r.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY ||
        ((r.spec as { sources?: Array<{ description?: string }> }).sources ?? []).some((s) =>
          s.description?.startsWith('meshguard quarantine '),
        ),
    );
  }
}
