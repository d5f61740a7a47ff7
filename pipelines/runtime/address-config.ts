/** Root config `addresses`: which addresses are workloads of the mesh, and how long a binding holds. */
import { Type, type Static } from '@sinclair/typebox';

export const AddressesConfig = Type.Object(
  {
    mesh_cidrs: Type.Array(Type.String(), {
      default: [],
      description:
        'Pod and service CIDRs of the mesh (e.g. 10.8.0.0/14): traffic to these addresses, PassthroughCluster included, is internal, never egress.',
    }),
    pod_ips_file: Type.String({
      default: '',
      description:
        'YAML or JSON file of pod IP → {namespace, workload, service_account, pod}, read at start (a pod-IP map exported from the cluster).',
    }),
    pod_watch: Type.Union([Type.Literal('auto'), Type.Literal('on'), Type.Literal('off')], {
      default: 'auto',
      description:
        'Bind pod IPs from the Kubernetes API (a list+watch of pods: namespace, service account, labels; removed when the pod goes) in `meshguard serve`. auto: when running in-cluster or given a kubeconfig (addresses.kubeconfig, quarantine.kubeconfig or KUBECONFIG); never in replay, eval or the demo. Needs pods get/list/watch.',
    }),
    kubeconfig: Type.String({
      default: '',
      description:
        'Kubeconfig file for the pod watch; empty: quarantine.kubeconfig, else the default chain (KUBECONFIG, in-cluster service account).',
    }),
    binding_ttl_secs: Type.Integer({
      default: 900,
      minimum: 10,
      description:
        'An address learned from the logs (shipper metadata, mTLS peers) stays bound to its workload this long after it was last seen: pod IPs are reused.',
    }),
    max_bindings: Type.Integer({
      default: 200_000,
      minimum: 1,
      description: 'Address bindings kept; past this the least recently seen goes (counted as dropped).',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type AddressesConfig = Static<typeof AddressesConfig>;
