import { appWorkloads, craft, during, type ScenarioDefinition } from '../scenario.js';
import { MINUTE } from './helpers.js';

/**
 * Using the pod's mounted service-account token against the Kubernetes API: discovery, then secrets,
 * pods and RBAC objects. The account has few rights, so most reads of secrets are forbidden (403).
 */
export const kubernetesApiAccess: ScenarioDefinition = {
  name: 'kubernetes_api_access',
  description:
    'Calls to kubernetes.default.svc /api/v1/secrets from a workload that never called the API server.',
  attack: true,
  acceptableKinds: ['lateral_movement', 'unauthorized_access', 'exfiltration'],
  durationMs: 3 * MINUTE,
  candidates: (t) => appWorkloads(t).filter((w) => !t.outgoing(w).some((e) => e.dst === t.kubernetesApi)),
  plan(ctx) {
    const api = ctx.topology.kubernetesApi;
    const ns = ctx.actor.namespace;
    const reqs = [
      { method: 'GET', path: '/version', status: 200, bytes: 260 },
      { method: 'GET', path: '/api', status: 200, bytes: 190 },
      { method: 'GET', path: '/apis', status: 200, bytes: 9_800 },
      {
        method: 'POST',
        path: '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
        status: 201,
        bytes: 2_100,
      },
      { method: 'GET', path: '/api/v1/secrets', status: 403, bytes: 300 },
      { method: 'GET', path: `/api/v1/namespaces/${ns}/secrets`, status: 200, bytes: 14_500 },
      { method: 'GET', path: '/api/v1/namespaces/kube-system/secrets', status: 403, bytes: 310 },
      { method: 'GET', path: '/api/v1/pods', status: 403, bytes: 280 },
      { method: 'GET', path: `/api/v1/namespaces/${ns}/pods`, status: 200, bytes: 38_000 },
      {
        method: 'GET',
        path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
        status: 403,
        bytes: 330,
      },
      { method: 'GET', path: '/api/v1/namespaces/payments/secrets', status: 403, bytes: 305 },
      { method: 'GET', path: '/api/v1/configmaps', status: 403, bytes: 290 },
    ];
    const endMs = ctx.startMs + this.durationMs;
    return {
      endMs,
      tick(tickMs, rng, emit) {
        during(tickMs, ctx.startMs, endMs, 0.25, rng, (time) => {
          const k = Math.floor(((time - ctx.startMs) / 1000) * 0.25);
          const r = reqs[k % reqs.length] as (typeof reqs)[number];
          emit(
            craft(ctx, rng, time, api, {
              method: r.method,
              path: r.path,
              status: r.status,
              bytesUp: r.method === 'POST' ? 180 : 0,
              bytesDown: r.bytes,
              durationMs: rng.int(3, 30),
              userAgent: 'kubectl/v1.29.3 (linux/amd64) kubernetes/6813625',
            }),
          );
        });
      },
    };
  },
};
