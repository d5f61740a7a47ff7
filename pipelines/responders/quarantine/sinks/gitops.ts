/**
 * The `gitops` sink: one YAML file per resource, for Argo CD / Flux to sync or a person to
 * `kubectl apply -f`: `<policies_dir>/<namespace>/<name>.yaml` for Istio AuthorizationPolicies,
 * `<namespace>/<name>.<kind>.yaml` for every other kind (Linkerd's four kinds share names), and
 * `_cluster/<name>.<kind>.yaml` for cluster-scoped ones. Files are written to a temp file and renamed,
 * so a syncing tool never reads half a resource. The directory is the source of truth the sync tool
 * applies, so merges read it: a Server or ServiceIntentions already in it is merged into, not replaced,
 * and a conditional write checks the file's content hash. Suggestions are written as
 * `<name>.<kind>.yaml.suggested`: an extension no sync tool picks up, because a suggestion must be
 * reviewed by a person before it is applied.
 */
import type * as Yaml from 'yaml';
import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { Delivery } from '../../../core/delivery.js';
import { refOf, type MeshResource, type ResourceRef, type VersionedResource } from '../mesh/resource.js';
import { MANAGED_BY, MANAGED_BY_LABEL, UNDO_ANNOTATION } from '../policy.js';
import { errorOf, type PolicySink } from './sink.js';

const SAFE_SEGMENT = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** The folder of cluster-scoped resources: not a valid namespace name, so it never collides with one. */
const CLUSTER_DIR = '_cluster';
const ISTIO_GROUP = 'security.istio.io/';

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
/** File-system errors that retrying cannot fix. */
const PERMANENT_FS_ERRORS = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EISDIR', 'ENAMETOOLONG']);

function classify(error: unknown): Delivery {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return PERMANENT_FS_ERRORS.has(code)
    ? { code: 'permanent', error: errorOf(error) }
    : { code: 'retryable', error: errorOf(error) };
}

/** The YAML library is loaded on first use: replays without a policies directory never need it. */
let yamlModule: Promise<typeof Yaml> | undefined;
function loadYaml(): Promise<typeof Yaml> {
  yamlModule ??= import('yaml');
  return yamlModule;
}

export class GitOpsSink implements PolicySink {
  readonly name = 'gitops' as const;
  constructor(private readonly dir: string) {}

  private fileName(ref: Pick<ResourceRef, 'apiVersion' | 'kind' | 'name'>): string {
    // Istio's AuthorizationPolicies keep the plain name they always had.
    return ref.kind === 'AuthorizationPolicy' && ref.apiVersion.startsWith(ISTIO_GROUP)
      ? `${ref.name}.yaml`
      : `${ref.name}.${ref.kind.toLowerCase()}.yaml`;
  }

  /** Path of a resource's file; undefined when a segment could climb out of policies_dir. */
  pathOf(ref: ResourceRef, suffix = ''): string | undefined {
    const folder = ref.namespace ?? CLUSTER_DIR;
    if ((ref.namespace !== undefined && !SAFE_SEGMENT.test(ref.namespace)) || !SAFE_SEGMENT.test(ref.name))
      return undefined;
    if (!/^[A-Za-z]+$/.test(ref.kind)) return undefined;
    return join(this.dir, folder, this.fileName(ref) + suffix);
  }

  private async writeAtomically(path: string, text: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await writeFile(tmp, text, { mode: 0o644 });
      await rename(tmp, path);
    } catch (error) {
      await unlink(tmp).catch(() => undefined);
      throw error;
    }
  }

  private async render(resource: MeshResource, header: string): Promise<string> {
    const { stringify } = await loadYaml();
    const undo = resource.metadata.annotations?.[UNDO_ANNOTATION];
    const { resourceVersion: _drop, ...metadata } = resource.metadata;
    return `# ${header}\n${undo ? `# Undo: ${undo}\n` : ''}${stringify({ ...resource, metadata }, { lineWidth: 0 })}`;
  }

  private unsafe(ref: ResourceRef): Delivery {
    return {
      code: 'permanent',
      error: new Error(
        `refusing unsafe policy path ${ref.namespace ?? CLUSTER_DIR}/${ref.name} (${ref.kind})`,
      ),
    };
  }

  private async writeResource(resource: MeshResource, suffix: string, header: string): Promise<Delivery> {
    const path = this.pathOf(refOf(resource), suffix);
    if (!path) return this.unsafe(refOf(resource));
    try {
      await this.writeAtomically(path, await this.render(resource, header));
      return { code: 'ok' };
    } catch (error) {
      return classify(error);
    }
  }

  private async remove(ref: ResourceRef, suffix = ''): Promise<Delivery> {
    const path = this.pathOf(ref, suffix);
    if (!path) return this.unsafe(ref);
    try {
      await unlink(path);
      return { code: 'ok' };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { code: 'ok' };
      return classify(error);
    }
  }

  apply(resource: MeshResource): Promise<Delivery> {
    return this.writeResource(resource, '', 'Written by meshguard (quarantine).');
  }

  async write(resource: MeshResource, version: string | undefined): Promise<Delivery> {
    const current = await this.read(refOf(resource)).catch(() => undefined);
    if (current?.version !== version)
      return {
        code: 'retryable',
        error: new Error(`${resource.kind} ${resource.metadata.name} changed on disk since it was read`),
      };
    return this.writeResource(resource, '', 'Written by meshguard (quarantine), merged into what was there.');
  }

  delete(ref: ResourceRef): Promise<Delivery> {
    return this.remove(ref);
  }

  suggest(resource: MeshResource): Promise<Delivery> {
    return this.writeResource(
      resource,
      '.suggested',
      'SUGGESTION from meshguard: review, then apply by hand. meshguard never applies it.',
    );
  }

  deleteSuggestion(ref: ResourceRef): Promise<Delivery> {
    return this.remove(ref, '.suggested');
  }

  async read(ref: ResourceRef): Promise<VersionedResource | undefined> {
    const path = this.pathOf(ref);
    if (!path) return undefined;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const { parse } = await loadYaml();
    const doc = parse(text) as MeshResource | null;
    if (!doc || doc.kind !== ref.kind || doc.metadata?.name !== ref.name) return undefined;
    return { resource: doc, version: hashOf(text) };
  }

  /** Every YAML document in the directory (or one namespace's folder), whoever wrote it. */
  private async documents(namespace?: string): Promise<MeshResource[]> {
    const out: MeshResource[] = [];
    let folders: string[];
    try {
      folders = namespace ? [namespace] : (await readdir(this.dir)).sort();
    } catch {
      return out; // no directory yet: nothing written
    }
    const { parse } = await loadYaml();
    for (const folder of folders) {
      let files: string[];
      try {
        files = (await readdir(join(this.dir, folder))).sort();
      } catch {
        continue; // a stray file at the top level, or no such namespace yet
      }
      for (const file of files) {
        if (!file.endsWith('.yaml')) continue;
        try {
          const doc = parse(await readFile(join(this.dir, folder, file), 'utf8')) as MeshResource | null;
          if (doc && typeof doc.kind === 'string' && typeof doc.metadata?.name === 'string') out.push(doc);
        } catch {
          // A hand edit that broke the YAML: not a resource to list.
        }
      }
    }
    return out;
  }

  async listKind(apiVersion: string, kind: string, namespace?: string): Promise<MeshResource[]> {
    if (namespace !== undefined && !SAFE_SEGMENT.test(namespace)) return [];
    return (await this.documents(namespace)).filter((d) => d.apiVersion === apiVersion && d.kind === kind);
  }

  async list(): Promise<MeshResource[]> {
    return (await this.documents()).filter((d) => d.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY);
  }
}
