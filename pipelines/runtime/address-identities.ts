/**
 * Addresses that become workloads. Istio's default formats carry no caller identity, so a caller is
 * often only its pod IP, and traffic to a pod IP leaves through PassthroughCluster as if it were egress.
 * This keeps which workload each pod address belongs to now (from a pod-IP file, from the pods the
 * shipper's metadata names, and from mTLS-verified peers), and uses it to:
 * - make traffic to in-mesh addresses (bound, or inside `mesh_cidrs`) internal, not egress;
 * - name the workload behind an address-only caller, which keeps its own baseline keyed by its address.
 *
 * An address is never turned into a principal: a binding only describes (namespace, workload), and only
 * for a direct peer address (a client can put any address in X-Forwarded-For). Bindings are the latest
 * owner's, expire when not seen for `binding_ttl_secs` (pod IPs are reused), and are capped with
 * least-recently-seen eviction.
 */
import { BlockList, isIP } from 'node:net';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { MeshEvent } from '../core/event.js';
import type { AddressesConfig } from './address-config.js';

/** Who an address is bound to now, and since when. */
export interface AddressBinding {
  namespace: string;
  workload: string;
  serviceAccount: string;
  /** The pod's labels, when the binding came from the Kubernetes API. */
  labels?: Readonly<Record<string, string>>;
  /** Where the binding came from: `file` and `kubernetes` are authoritative, the others learned. */
  source: 'file' | 'kubernetes' | 'shipper' | 'mtls';
  sinceMs: number;
  lastSeenMs: number;
}

/** The query the quarantine guardrails use: which workload an address is bound to now, if any. */
export interface AddressBindingLookup {
  boundTo(address: string, nowMs: number): Readonly<AddressBinding> | undefined;
}

/** A learned binding is moved to the recent end of the map at most this often (a Map move per event costs). */
const TOUCH_MS = 60_000;

export class AddressIdentities implements AddressBindingLookup {
  /** Address → binding, least recently seen first. */
  private readonly byAddress = new Map<string, AddressBinding>();
  private readonly meshCidrs = new BlockList();
  private readonly ttlMs: number;
  /** Namespaces are few and every binding names one: one string each, not one per binding. */
  private readonly namespaces = new Interned(1024);
  /** Bindings evicted by the cap or expired: the count the metric exports. */
  dropped = 0;

  constructor(
    private readonly cfg: Pick<
      AddressesConfig,
      'mesh_cidrs' | 'pod_ips_file' | 'binding_ttl_secs' | 'max_bindings'
    > = {
      mesh_cidrs: [],
      pod_ips_file: '',
      binding_ttl_secs: 900,
      max_bindings: 200_000,
    },
  ) {
    this.ttlMs = cfg.binding_ttl_secs * 1000;
    for (const cidr of cfg.mesh_cidrs) addCidr(this.meshCidrs, cidr);
    if (cfg.pod_ips_file !== '') this.loadFile(cfg.pod_ips_file);
  }

  get size(): number {
    return this.byAddress.size;
  }

  /**
   * Whether the mesh's pods are known from an authoritative source (a pod-IP file, or the pod watch has
   * bound at least one address): then an address bound to no pod now names nobody meshguard can vouch for.
   */
  get podsKnown(): boolean {
    return this.cfg.pod_ips_file !== '' || this.fedByKubernetes;
  }

  private fedByKubernetes = false;

  /** Bind an address to a workload, replacing whoever had it (the latest owner wins). */
  bind(address: string, b: Omit<AddressBinding, 'sinceMs' | 'lastSeenMs'>, nowMs: number): void {
    if (b.source === 'kubernetes') this.fedByKubernetes = true;
    const current = this.byAddress.get(address);
    if (current !== undefined && sameWorkload(current, b)) {
      if (nowMs - current.lastSeenMs >= TOUCH_MS || current.source !== b.source) {
        this.byAddress.delete(address);
        this.byAddress.set(address, current);
      }
      if (nowMs > current.lastSeenMs) current.lastSeenMs = nowMs;
      if (authoritative(b.source)) current.source = b.source;
      if (b.labels !== undefined) current.labels = b.labels;
      return;
    }
    // A learned binding never overrides an authoritative one that is still fresh.
    if (
      current !== undefined &&
      authoritative(current.source) &&
      !authoritative(b.source) &&
      this.fresh(current, nowMs)
    )
      return;
    if (current !== undefined) this.byAddress.delete(address);
    else if (this.byAddress.size >= this.cfg.max_bindings) this.evictOldest();
    this.byAddress.set(
      address,
      new Binding(
        this.namespaces.intern(b.namespace),
        b.workload,
        b.serviceAccount,
        b.source,
        nowMs,
        b.labels,
      ),
    );
  }

  unbind(address: string): void {
    this.byAddress.delete(address);
  }

  boundTo(address: string, nowMs: number): Readonly<AddressBinding> | undefined {
    const b = this.byAddress.get(address);
    if (b === undefined) return undefined;
    if (this.fresh(b, nowMs)) return b;
    this.byAddress.delete(address);
    this.dropped++;
    return undefined;
  }

  /** An address of the mesh: bound to a workload now, or inside the configured mesh CIDRs. */
  isMeshAddress(address: string, nowMs: number): boolean {
    if (this.boundTo(address, nowMs) !== undefined) return true;
    const family = isIP(address);
    return family !== 0 && this.meshCidrs.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }

  /** Learn from an event that proves who its caller is; describe and redirect the ones that carry only addresses. */
  enrich(ev: MeshEvent): void {
    const now = ev.timeMs;
    if (ev.srcAddress !== '' && ev.srcAddressDirect === true) {
      if (ev.srcPrincipal !== '' && ev.srcNamespace !== '') {
        // The caller's own sidecar wrote the line (shipper metadata), or it proved itself with mTLS.
        this.bind(
          ev.srcAddress,
          {
            namespace: ev.srcNamespace,
            serviceAccount: ev.srcServiceAccount,
            workload: ev.srcWorkload,
            source: ev.direction === 'outbound' ? 'shipper' : 'mtls',
          },
          now,
        );
      } else if (ev.srcPrincipal === '') {
        const b = this.boundTo(ev.srcAddress, now);
        if (b !== undefined) {
          if (ev.srcNamespace === '') ev.srcNamespace = b.namespace;
          if (ev.srcServiceAccount === '') ev.srcServiceAccount = b.serviceAccount;
          if (ev.srcWorkload === '') ev.srcWorkload = b.workload;
        }
      }
    }
    if (ev.egress) this.internalize(ev, now);
  }

  /** PassthroughCluster or address-only traffic to an in-mesh address is internal: a call to that workload. */
  private internalize(ev: MeshEvent, now: number): void {
    const host =
      ev.externalHost !== '' ? ev.externalHost : ev.dst.startsWith('ip:') ? ev.dst.slice(3) : ev.dst;
    if (isIP(host) === 0 || !this.isMeshAddress(host, now)) return;
    ev.egress = false;
    ev.externalHost = '';
    ev.dst = `ip:${host}`;
    const b = this.boundTo(host, now);
    if (b !== undefined) {
      if (ev.dstNamespace === '') ev.dstNamespace = b.namespace;
      if (ev.dstServiceAccount === '') ev.dstServiceAccount = b.serviceAccount;
    }
  }

  private fresh(b: AddressBinding, nowMs: number): boolean {
    return authoritative(b.source) || nowMs - b.lastSeenMs <= this.ttlMs;
  }

  private evictOldest(): void {
    const oldest = this.byAddress.keys().next();
    if (oldest.done !== true) {
      this.byAddress.delete(oldest.value);
      this.dropped++;
    }
  }

  /** A pod-IP map file: `{ "10.8.0.15": { namespace, workload, service_account } }` or a list with `ip`. */
  private loadFile(path: string): void {
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`addresses.pod_ips_file: cannot read ${path}: ${(error as Error).message}`);
    }
    const entries: Array<[string, unknown]> = Array.isArray(doc)
      ? doc.map((e) => [String((e as { ip?: unknown }).ip ?? ''), e])
      : Object.entries((doc ?? {}) as Record<string, unknown>);
    for (const [ip, raw] of entries) {
      const e = (raw ?? {}) as Record<string, unknown>;
      if (isIP(ip) === 0 || typeof e.namespace !== 'string' || e.namespace === '')
        throw new Error(`addresses.pod_ips_file: entry "${ip}" needs an IP address and a namespace`);
      const str = (v: unknown): string => (typeof v === 'string' ? v : '');
      this.bind(
        ip,
        {
          namespace: e.namespace,
          workload: str(e.workload) || str(e.pod),
          serviceAccount: str(e.service_account) || str(e.serviceAccount),
          source: 'file',
        },
        0,
      );
    }
  }
}

/**
 * One binding, a fixed-shape object (a spread literal keeps its fields out of line, twice the size): the
 * map holds up to `max_bindings` of these, and a flood of identities fills it.
 */
class Binding implements AddressBinding {
  lastSeenMs: number;
  constructor(
    readonly namespace: string,
    readonly workload: string,
    readonly serviceAccount: string,
    public source: AddressBinding['source'],
    readonly sinceMs: number,
    // Always assigned (undefined for learned bindings) so every binding keeps one shape.
    public labels: Readonly<Record<string, string>> | undefined,
  ) {
    this.lastSeenMs = sinceMs;
  }
}

/** Shares equal strings up to `max` distinct ones (past that, strings are kept as they come). */
class Interned {
  private readonly strings = new Map<string, string>();
  constructor(private readonly max: number) {}
  intern(s: string): string {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    if (this.strings.size < this.max) this.strings.set(s, s);
    return s;
  }
}

function authoritative(source: AddressBinding['source']): boolean {
  return source === 'file' || source === 'kubernetes';
}

function sameWorkload(
  a: Omit<AddressBinding, 'sinceMs' | 'lastSeenMs'>,
  b: Omit<AddressBinding, 'sinceMs' | 'lastSeenMs'>,
): boolean {
  return a.namespace === b.namespace && a.serviceAccount === b.serviceAccount && a.workload === b.workload;
}

function addCidr(list: BlockList, cidr: string): void {
  const [address = '', bits = ''] = cidr.split('/');
  const family = isIP(address);
  const prefix = Number(bits);
  const max = family === 6 ? 128 : 32;
  if (family === 0 || bits === '' || !Number.isInteger(prefix) || prefix < 0 || prefix > max)
    throw new Error(`addresses.mesh_cidrs: "${cidr}" is not a CIDR (e.g. 10.8.0.0/14)`);
  list.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
}
