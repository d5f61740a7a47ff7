/**
 * Pods for the Kubernetes API server stand-in: the core v1 list (cluster-wide and per namespace), GET of
 * one pod, and the watch (`?watch=true&resourceVersion=N`: the changes after N as newline-delimited JSON
 * events on a response kept open, or an ERROR event with a 410 Status when N is older than the history
 * kept, as the real server answers). Tests change pods with put/remove, end open watches with
 * closeWatches (a server-side timeout) and drop history with forgetHistory (compaction).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface StandInPod {
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    ownerReferences?: Array<{ kind: string; name: string; apiVersion?: string; uid?: string }>;
    resourceVersion?: string;
    uid?: string;
  };
  spec?: { serviceAccountName?: string; hostNetwork?: boolean; containers?: unknown[] };
  status?: { phase?: string; podIP?: string; podIPs?: Array<{ ip: string }> };
}

interface WatchEvent {
  version: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: StandInPod;
}

interface OpenWatch {
  res: ServerResponse;
  namespace: string | undefined;
}

export class PodStore {
  private readonly pods = new Map<string, StandInPod>();
  private readonly history: WatchEvent[] = [];
  private readonly watches = new Set<OpenWatch>();
  private version = 100;
  /** Watches from a version below this are answered 410 Gone. */
  private oldest = 0;
  /** Watch requests served, for tests that check the informer came back. */
  watchRequests = 0;

  /** Add or replace a pod (ADDED, or MODIFIED when it exists), told to every open watch. */
  put(pod: StandInPod): StandInPod {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const existing = this.pods.get(key);
    const stored: StandInPod = {
      apiVersion: 'v1',
      kind: 'Pod',
      ...pod,
      metadata: {
        ...pod.metadata,
        uid: existing?.metadata.uid ?? `uid-${key}`,
        resourceVersion: String(++this.version),
      },
    } as StandInPod;
    this.pods.set(key, stored);
    this.publish({ version: this.version, type: existing ? 'MODIFIED' : 'ADDED', object: stored });
    return stored;
  }

  remove(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const existing = this.pods.get(key);
    if (!existing) return;
    this.pods.delete(key);
    const object = {
      ...existing,
      metadata: { ...existing.metadata, resourceVersion: String(++this.version) },
    };
    this.publish({ version: this.version, type: 'DELETED', object });
  }

  /** Delete a pod without telling open watches (as if it went while the watch was down). */
  removeQuietly(namespace: string, name: string): void {
    this.pods.delete(`${namespace}/${name}`);
    ++this.version;
  }

  /** End every open watch, as the server does at its watch timeout. */
  closeWatches(): void {
    for (const w of this.watches) w.res.end();
    this.watches.clear();
  }

  /** Forget the history so far: a watch resuming from an older version gets 410 Gone and must relist. */
  forgetHistory(): void {
    this.history.length = 0;
    this.oldest = this.version + 1;
  }

  get openWatches(): number {
    return this.watches.size;
  }

  /** Serve /api/v1/...pods...; false when the path is not a pods path. */
  handle(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    send: (code: number, body: unknown) => void,
  ): boolean {
    const m =
      /^\/api\/v1\/pods$/.exec(url.pathname) ??
      /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m) return false;
    const namespace = m[1] ? decodeURIComponent(m[1]) : undefined;
    const name = m[2] ? decodeURIComponent(m[2]) : undefined;
    if (req.method !== 'GET') {
      send(405, {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        code: 405,
        reason: 'MethodNotAllowed',
      });
      return true;
    }
    if (name) {
      const pod = this.pods.get(`${namespace}/${name}`);
      send(
        pod ? 200 : 404,
        pod ?? { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, reason: 'NotFound' },
      );
      return true;
    }
    if (url.searchParams.get('watch') === 'true') {
      this.watch(res, namespace, url.searchParams.get('resourceVersion') ?? '');
      return true;
    }
    send(200, {
      kind: 'PodList',
      apiVersion: 'v1',
      metadata: { resourceVersion: String(this.version) },
      items: [...this.pods.values()].filter((p) => !namespace || p.metadata.namespace === namespace),
    });
    return true;
  }

  private watch(res: ServerResponse, namespace: string | undefined, from: string): void {
    this.watchRequests++;
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    // The client's watch resolves on the response headers: send them now, not with the first event.
    res.flushHeaders();
    const since = from === '' ? this.version : Number(from);
    if (since < this.oldest - 1) {
      const gone = {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        code: 410,
        reason: 'Expired',
        message: `too old resource version: ${from} (${this.oldest})`,
      };
      res.end(`${JSON.stringify({ type: 'ERROR', object: gone })}\n`);
      return;
    }
    const w: OpenWatch = { res, namespace };
    for (const e of this.history) if (e.version > since) this.write(w, e);
    this.watches.add(w);
    res.on('close', () => this.watches.delete(w));
  }

  private publish(e: WatchEvent): void {
    this.history.push(e);
    for (const w of this.watches) this.write(w, e);
  }

  private write(w: OpenWatch, e: WatchEvent): void {
    if (w.namespace && e.object.metadata.namespace !== w.namespace) return;
    w.res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`);
  }
}
