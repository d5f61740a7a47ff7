/**
 * The `kubernetes` sink: server-side apply of AuthorizationPolicies through @kubernetes/client-node
 * (`PATCH` with `application/apply-patch+yaml`, `fieldManager=meshguard`, `force=true` so meshguard
 * re-owns its own fields after a hand edit). Credentials: the configured kubeconfig, else the default
 * chain (KUBECONFIG, ~/.kube/config, in-cluster service account).
 *
 * Outcomes are classified, not retried here: 409 (conflict), 429 and 5xx are retryable (with
 * Retry-After when given), other 4xx are permanent (RBAC, schema), network errors retryable.
 */
import { ApiException, KubeConfig, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import type { Delivery } from '../../../component.js';
import type { Metrics } from '../../../runtime/metrics.js';
import type { AuthorizationPolicyManifest } from '../policy.js';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../policy.js';
import { errorOf, type PolicySink } from './sink.js';

export const FIELD_MANAGER = 'meshguard';
const API_VERSION = 'security.istio.io/v1';
const KIND = 'AuthorizationPolicy';

export function loadKubeConfig(kubeconfigPath: string): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
  else kc.loadFromDefault();
  return kc;
}

function retryAfterMs(headers: Record<string, string> | undefined): number | undefined {
  const value = headers?.['retry-after'] ?? headers?.['Retry-After'];
  if (!value) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

export function classifyKubernetesError(error: unknown): Delivery {
  if (error instanceof ApiException) {
    const status = error.code;
    const body = error.body as { message?: string } | string | undefined;
    const message = typeof body === 'object' && body?.message ? body.message : typeof body === 'string' ? body : '';
    const err = new Error(`Kubernetes API answered ${status}${message ? `: ${message}` : ''}`);
    if (status === 409 || status === 429 || status >= 500) {
      const delay = retryAfterMs(error.headers);
      return delay === undefined ? { code: 'retryable', error: err } : { code: 'retryable', error: err, retryAfterMs: delay };
    }
    return { code: 'permanent', error: err };
  }
  // Connection refused, DNS, TLS, timeouts: the API server may come back.
  return { code: 'retryable', error: errorOf(error) };
}

export class KubernetesSink implements PolicySink {
  readonly name = 'kubernetes' as const;
  private readonly client: KubernetesObjectApi;

  constructor(
    kubeConfig: KubeConfig,
    private readonly metrics?: Metrics,
  ) {
    this.client = KubernetesObjectApi.makeApiClient(kubeConfig);
  }

  private up(ok: boolean): void {
    this.metrics?.dependencyUp.set({ dependency: 'kubernetes' }, ok ? 1 : 0);
  }

  private outcome(error: unknown): Delivery {
    const d = classifyKubernetesError(error);
    // A 4xx means the server answered: it is up, the request was wrong.
    this.up(!(d.code === 'retryable' && !(error instanceof ApiException)));
    return d;
  }

  async apply(policy: AuthorizationPolicyManifest): Promise<Delivery> {
    try {
      await this.client.patch(structuredClone(policy), undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
      this.up(true);
      return { code: 'ok' };
    } catch (error) {
      return this.outcome(error);
    }
  }

  async delete(namespace: string, name: string): Promise<Delivery> {
    try {
      await this.client.delete({ apiVersion: API_VERSION, kind: KIND, metadata: { namespace, name } });
      this.up(true);
      return { code: 'ok' };
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) {
        this.up(true);
        return { code: 'ok' }; // already gone: the goal is reached
      }
      return this.outcome(error);
    }
  }

  async list(): Promise<AuthorizationPolicyManifest[]> {
    try {
      const out: AuthorizationPolicyManifest[] = [];
      let continueToken: string | undefined;
      do {
        const page = await this.client.list<AuthorizationPolicyManifest & { metadata: { name: string } }>(
          API_VERSION,
          KIND,
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          `${MANAGED_BY_LABEL}=${MANAGED_BY}`,
          500,
          continueToken,
        );
        out.push(...(page.items as AuthorizationPolicyManifest[]));
        continueToken = page.metadata?._continue || undefined;
      } while (continueToken);
      this.up(true);
      return out;
    } catch (error) {
      this.outcome(error);
      throw errorOf(error);
    }
  }
}
