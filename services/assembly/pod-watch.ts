/**
 * The pod watch of `meshguard serve`: an informer (list, then watch from its resourceVersion; a fresh
 * list when the server answers 410 Gone) on every pod of the cluster, feeding the pipeline's address
 * bindings. The informer's cache keeps only the fields the bindings read (see slimPod), not whole pods.
 * The client library's informer stops on an error; this restarts it with backoff, and reports the API
 * server as a dependency (`meshguard_dependency_up{dependency="kubernetes_pods"}`).
 */
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import type { KubeConfig, KubernetesObject, V1Pod } from '@kubernetes/client-node';
import type { MeshguardConfig } from '../../config/schema.js';
import type { Clock } from '../../pipelines/core/clock.js';
import type { Metrics } from '../../pipelines/core/metrics.js';
import { loadClientModule, loadKubeConfig } from '../../pipelines/responders/quarantine/sinks/kubernetes.js';
import {
  PodAddressBindings,
  slimPod,
  type AddressBindingTarget,
} from '../../pipelines/runtime/pod-bindings.js';

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
const MIN_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

/** The kubeconfig the watch uses: its own, else the quarantine sink's, else the default chain. */
export function podWatchKubeconfig(cfg: Readonly<MeshguardConfig>): string {
  return cfg.addresses.kubeconfig || cfg.quarantine.kubeconfig;
}

/** `auto`: in-cluster (a service account token and the API server's address) or a kubeconfig named. */
export function podWatchWanted(
  cfg: Readonly<MeshguardConfig>,
  env: NodeJS.ProcessEnv = process.env,
  inCluster = (): boolean => existsSync(SERVICE_ACCOUNT_TOKEN),
): boolean {
  const mode = cfg.addresses.pod_watch;
  if (mode !== 'auto') return mode === 'on';
  if (podWatchKubeconfig(cfg) !== '' || (env.KUBECONFIG ?? '') !== '') return true;
  return (env.KUBERNETES_SERVICE_HOST ?? '') !== '' && inCluster();
}

export interface PodWatchOptions {
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  /** A ready KubeConfig (tests point one at a stand-in); else loaded from `kubeconfigPath`. */
  kubeConfig?: KubeConfig;
  kubeconfigPath?: string;
}

interface RunningInformer {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export class PodWatch {
  readonly bindings: PodAddressBindings;
  private informer: RunningInformer | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Errors so far (never reset) and failures in a row (the backoff; reset by a working watch). */
  private errors = 0;
  private failures = 0;
  private stopped = false;
  /** The first list arrived (bindings reflect the cluster). */
  synced = false;

  constructor(
    target: AddressBindingTarget,
    private readonly opts: PodWatchOptions,
  ) {
    this.bindings = new PodAddressBindings(target);
  }

  /**
   * Load the client and the credentials (a failure here is a start-up error: the watch was asked for)
   * and start the informer; resolves once the first list is in or failed (then it retries on its own).
   */
  async start(): Promise<void> {
    const mod = await loadClientModule();
    const kc = this.opts.kubeConfig ?? (await loadKubeConfig(this.opts.kubeconfigPath ?? ''));
    const core = kc.makeApiClient(mod.CoreV1Api);
    const watch = new mod.Watch(kc);
    // The informer caches what the watch hands it: hand it slim pods (an ERROR's Status, 410 Gone
    // included, goes through as it is: it makes the informer relist).
    const slimWatch = {
      watch: (
        path: string,
        query: Record<string, string | number | boolean | undefined>,
        callback: (phase: string, obj: V1Pod, watchObj?: unknown) => void,
        done: (err: unknown) => void,
      ) =>
        watch.watch(
          path,
          query,
          (phase, obj: V1Pod, watchObj) => callback(phase, phase === 'ERROR' ? obj : slimPod(obj), watchObj),
          done,
        ),
    } as unknown as InstanceType<typeof mod.Watch>;
    const informer = new mod.ListWatch<V1Pod>(
      '/api/v1/pods',
      slimWatch,
      async () => {
        const list = await core.listPodForAllNamespaces();
        return { ...list, items: list.items.map((p) => slimPod(p)) };
      },
      false,
    );
    const now = (): number => this.opts.clock.nowMs();
    informer.on('add', (pod: KubernetesObject) => this.healthy(() => this.bindings.upsert(pod, now())));
    informer.on('update', (pod: KubernetesObject) => this.healthy(() => this.bindings.upsert(pod, now())));
    informer.on('delete', (pod: KubernetesObject) => this.healthy(() => this.bindings.remove(pod)));
    informer.on('error', (error: unknown) => this.retry(error));
    this.informer = informer;
    await this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.informer?.stop().catch(() => undefined);
  }

  private async run(): Promise<void> {
    const errorsBefore = this.errors;
    await this.informer?.start().catch((error: unknown) => this.retry(error));
    if (this.errors === errorsBefore && !this.stopped) {
      // Listed and watching: the bindings reflect the cluster.
      if (!this.synced) this.opts.logger.info({ pods: this.bindings.pods }, 'Pod addresses listed');
      this.synced = true;
      this.failures = 0;
      this.opts.metrics.dependencyUp.set({ dependency: 'kubernetes_pods' }, 1);
    }
  }

  private healthy(apply: () => void): void {
    apply();
    this.failures = 0;
  }

  /** The informer stopped on an error: start it again later (it relists when its version expired). */
  private retry(error: unknown): void {
    if (this.stopped) return;
    this.errors++;
    this.failures++;
    this.opts.metrics.dependencyUp.set({ dependency: 'kubernetes_pods' }, 0);
    const delay = Math.min(MAX_RETRY_MS, MIN_RETRY_MS * 2 ** Math.min(this.failures - 1, 5));
    this.opts.logger.warn(
      { error: (error as Error)?.message ?? String(error), retryInMs: delay },
      'Pod watch failed; address bindings from the Kubernetes API may be stale until it resumes',
    );
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.run(), delay);
    this.retryTimer.unref();
  }
}
