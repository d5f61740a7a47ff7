/** The sink named by quarantine.sink. The kubernetes client and kubeconfig load on first use (see kubernetes.ts). */
import type { ComponentSettings } from '../../../core/component.js';
import type { QuarantineConfig } from '../config.js';
import { writerFor } from '../mesh/index.js';
import { ConsulSink } from './consul.js';
import { GitOpsSink } from './gitops.js';
import { KubernetesSink } from './kubernetes.js';
import { NoneSink } from './none.js';
import type { PolicySink } from './sink.js';

export function createSink(
  cfg: Pick<QuarantineConfig, 'sink' | 'policies_dir' | 'kubeconfig' | 'mesh' | 'consul'>,
  settings: Pick<ComponentSettings, 'metrics'>,
): PolicySink {
  switch (cfg.sink) {
    case 'gitops':
      return new GitOpsSink(cfg.policies_dir);
    case 'kubernetes':
      return new KubernetesSink({
        kubeconfigPath: cfg.kubeconfig,
        metrics: settings.metrics,
        kinds: writerFor(cfg.mesh ?? 'istio').kinds,
      });
    case 'consul':
      return new ConsulSink({
        address: cfg.consul.address,
        token: cfg.consul.token || process.env.CONSUL_HTTP_TOKEN || '',
        namespace: cfg.consul.namespace,
      });
    case 'none':
      return new NoneSink();
  }
}
