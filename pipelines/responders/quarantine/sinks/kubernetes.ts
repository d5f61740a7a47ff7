/**
 * The `kubernetes` sink: any mesh's resources through @kubernetes/client-node. Resources meshguard owns
 * alone go by server-side apply (`PATCH` with `application/apply-patch+yaml`, `fieldManager=meshguard`,
 * `force=true` so meshguard re-owns its own fields after a hand edit). Shared resources (a pre-existing
 * Linkerd Server, a ServiceIntentions with other sources) are read, merged and written back with `PUT`
 * naming the resourceVersion read (or `POST` when there was none), so a concurrent edit is never lost:
 * the API server answers 409 and the caller merges again. Credentials: the configured kubeconfig, else
 * the default chain (KUBECONFIG, ~/.kube/config, in-cluster service account).
 *
 * Outcomes are classified, not retried here: 409 (conflict), 429 and 5xx are retryable (with
 * Retry-After when given), other 4xx are permanent (RBAC, schema), network errors retryable.
 *
 * The client is imported lazily: @kubernetes/client-node 2 pulls in undici 8, which needs Node >= 22.19
 * and fails at import time on older runtimes. Loading it only when this sink is used keeps the gitops and
 * none sinks (and everything else) working there; this sink then answers a permanent error saying why.
 */
import type * as KubernetesClient from '@kubernetes/client-node';
import type { KubeConfig, KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import type { Delivery } from '../../../core/delivery.js';
import type { Metrics } from '../../../core/metrics.js';
import { parseRetryAfter } from '../../../runtime/delivery.js';
import type { MeshResource, ResourceRef, VersionedResource } from '../mesh/resource.js';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../policy.js';
import { errorOf, type PolicySink } from './sink.js';

export const FIELD_MANAGER = 'meshguard';

/** A kind meshguard writes, listed by list(). */
export interface ResourceKind {
  apiVersion: string;
  kind: string;
}

type ClientModule = typeof KubernetesClient;
let clientModule: Promise<ClientModule> | undefined;

/** The Kubernetes client library, loaded once on first use. Rejects with a clear message when it cannot load. */
export function loadClientModule(): Promise<ClientModule> {
  clientModule ??= import('@kubernetes/client-node').catch((error: unknown) => {
    clientModule = undefined;
    throw new Error(
      `cannot load @kubernetes/client-node (${(error as Error).message}); it needs Node >= 22.19, this is ${process.version}`,
    );
  });
  return clientModule;
}

/** The configured kubeconfig file, else the default chain (KUBECONFIG, ~/.kube/config, in-cluster). */
export async function loadKubeConfig(kubeconfigPath: string): Promise<KubeConfig> {
  const { KubeConfig } = await loadClientModule();
  const kc = new KubeConfig();
  if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
  else kc.loadFromDefault();
  return kc;
}

/** An ApiException from the client (checked by shape, so this module needs no value import of the client). */
function apiError(
  error: unknown,
): { code: number; body: unknown; headers?: Record<string, string> } | undefined {
  const e = error as { code?: unknown; body?: unknown; headers?: Record<string, string> } | null;
  return e &&
    typeof e === 'object' &&
    typeof e.code === 'number' &&
    e.code >= 100 &&
    e.code < 600 &&
    'body' in e
    ? { code: e.code, body: e.body, headers: e.headers }
    : undefined;
}

export function classifyKubernetesError(error: unknown): Delivery {
  const api = apiError(error);
  if (api) {
    const status = api.code;
    const body = api.body as { message?: string } | string | undefined;
    const message =
      typeof body === 'object' && body?.message ? body.message : typeof body === 'string' ? body : '';
    const err = new Error(`Kubernetes API answered ${status}${message ? `: ${message}` : ''}`);
    if (status === 409 || status === 429 || status >= 500) {
      const delay = parseRetryAfter(api.headers?.['retry-after'] ?? api.headers?.['Retry-After'], Date.now());
      return delay === undefined
        ? { code: 'retryable', error: err }
        : { code: 'retryable', error: err, retryAfterMs: delay };
    }
    return { code: 'permanent', error: err };
  }
  // Connection refused, DNS, TLS, timeouts: the API server may come back.
  return { code: 'retryable', error: errorOf(error) };
}

export interface KubernetesSinkOptions {
  /** A ready KubeConfig (tests point one at a stand-in); else loaded from `kubeconfigPath` / the default chain. */
  kubeConfig?: KubeConfig;
  kubeconfigPath?: string;
  metrics?: Metrics;
  /** The kinds list() looks through (the configured mesh's); default Istio's AuthorizationPolicy. */
  kinds?: ResourceKind[];
}

export class KubernetesSink implements PolicySink {
  readonly name = 'kubernetes' as const;
  private client: Promise<{ api: KubernetesObjectApi; mod: ClientModule }> | undefined;

  constructor(private readonly opts: KubernetesSinkOptions = {}) {}

  private connect(): Promise<{ api: KubernetesObjectApi; mod: ClientModule }> {
    this.client ??= (async () => {
      const mod = await loadClientModule();
      const kc = this.opts.kubeConfig ?? (await loadKubeConfig(this.opts.kubeconfigPath ?? ''));
      return { api: mod.KubernetesObjectApi.makeApiClient(kc), mod };
    })().catch((error: unknown) => {
      this.client = undefined; // try again next time (a kubeconfig mounted late, say)
      throw error;
    });
    return this.client;
  }

  private up(ok: boolean): void {
    this.opts.metrics?.dependencyUp.set({ dependency: 'kubernetes' }, ok ? 1 : 0);
  }

  private outcome(error: unknown): Delivery {
    const d = classifyKubernetesError(error);
    // A 4xx/5xx means the server answered; only a network error says it is down.
    this.up(apiError(error) !== undefined);
    return d;
  }

  /** Connect or explain why not: a client that cannot load is a permanent error, not a retry. */
  private async api(): Promise<
    | { ok: true; api: KubernetesObjectApi; mod: ClientModule }
    | { ok: false; delivery: { code: 'permanent'; error: Error } }
  > {
    try {
      return { ok: true, ...(await this.connect()) };
    } catch (error) {
      this.up(false);
      return { ok: false, delivery: { code: 'permanent', error: errorOf(error) } };
    }
  }

  private guarded(
    c: { api: KubernetesObjectApi },
    op: (api: KubernetesObjectApi) => Promise<unknown>,
  ): Promise<Delivery> {
    return op(c.api).then(
      () => {
        this.up(true);
        return { code: 'ok' } as Delivery;
      },
      (error: unknown) => this.outcome(error),
    );
  }

  async apply(resource: MeshResource): Promise<Delivery> {
    const c = await this.api();
    if (!c.ok) return c.delivery;
    return this.guarded(c, (api) =>
      api.patch(
        structuredClone(resource) as KubernetesObject,
        undefined,
        undefined,
        FIELD_MANAGER,
        true,
        c.mod.PatchStrategy.ServerSideApply,
      ),
    );
  }

  async write(resource: MeshResource, version: string | undefined): Promise<Delivery> {
    const c = await this.api();
    if (!c.ok) return c.delivery;
    const body = structuredClone(resource) as KubernetesObject & { metadata: { resourceVersion?: string } };
    if (version === undefined) {
      delete body.metadata.resourceVersion;
      return this.guarded(c, (api) => api.create(body, undefined, undefined, FIELD_MANAGER));
    }
    body.metadata.resourceVersion = version; // the API server answers 409 if it changed since
    return this.guarded(c, (api) => api.replace(body, undefined, undefined, FIELD_MANAGER));
  }

  async delete(ref: ResourceRef): Promise<Delivery> {
    const c = await this.api();
    if (!c.ok) return c.delivery;
    try {
      await c.api.delete({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: metaOf(ref) });
      this.up(true);
      return { code: 'ok' };
    } catch (error) {
      if (apiError(error)?.code === 404) {
        this.up(true);
        return { code: 'ok' }; // already gone: the goal is reached
      }
      return this.outcome(error);
    }
  }

  async read(ref: ResourceRef): Promise<VersionedResource | undefined> {
    const c = await this.api();
    if (!c.ok) throw c.delivery.error;
    try {
      const obj = (await c.api.read({
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: metaOf(ref),
      })) as unknown as MeshResource;
      this.up(true);
      return { resource: obj, version: obj.metadata.resourceVersion ?? '' };
    } catch (error) {
      if (apiError(error)?.code === 404) {
        this.up(true);
        return undefined;
      }
      this.outcome(error);
      throw errorOf(error);
    }
  }

  async listKind(
    apiVersion: string,
    kind: string,
    namespace?: string,
    labelSelector?: string,
  ): Promise<MeshResource[]> {
    const c = await this.api();
    if (!c.ok) throw c.delivery.error;
    try {
      const out: MeshResource[] = [];
      let continueToken: string | undefined;
      do {
        const page = await c.api.list<KubernetesObject>(
          apiVersion,
          kind,
          namespace,
          undefined,
          undefined,
          undefined,
          undefined,
          labelSelector,
          500,
          continueToken,
        );
        out.push(...(page.items as unknown as MeshResource[]));
        continueToken = page.metadata?._continue || undefined;
      } while (continueToken);
      this.up(true);
      return out;
    } catch (error) {
      this.outcome(error);
      throw errorOf(error);
    }
  }

  async list(): Promise<MeshResource[]> {
    const out: MeshResource[] = [];
    for (const k of this.opts.kinds ?? [{ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy' }])
      out.push(
        ...(await this.listKind(k.apiVersion, k.kind, undefined, `${MANAGED_BY_LABEL}=${MANAGED_BY}`)),
      );
    return out;
  }
}

function metaOf(ref: ResourceRef): { name: string; namespace?: string } {
  return ref.namespace === undefined ? { name: ref.name } : { name: ref.name, namespace: ref.namespace };
}
