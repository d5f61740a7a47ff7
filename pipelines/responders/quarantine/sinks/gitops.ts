/**
 * The `gitops` sink: one YAML file per policy at `<policies_dir>/<namespace>/<name>.yaml`, for Argo CD /
 * Flux to sync or a person to `kubectl apply -f`. Files are written to a temp file and renamed, so a
 * syncing tool never reads half a policy. NetworkPolicy suggestions are written as
 * `<name>.networkpolicy.yaml.suggested`: an extension no sync tool picks up, because a suggestion must
 * be reviewed by a person before it is applied.
 */
import type * as Yaml from 'yaml';
import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Delivery } from '../../../core/delivery.js';
import type { AuthorizationPolicyManifest, NetworkPolicyManifest } from '../policy.js';
import { MANAGED_BY, MANAGED_BY_LABEL, UNDO_ANNOTATION } from '../policy.js';
import { errorOf, type PolicySink } from './sink.js';

const SAFE_SEGMENT = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
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

  policyPath(namespace: string, name: string): string {
    return join(this.dir, namespace, `${name}.yaml`);
  }
  suggestionPath(namespace: string, name: string): string {
    return join(this.dir, namespace, `${name}.networkpolicy.yaml.suggested`);
  }

  private async writeAtomically(path: string, dirOf: string, text: string): Promise<void> {
    await mkdir(dirOf, { recursive: true });
    const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await writeFile(tmp, text, { mode: 0o644 });
      await rename(tmp, path);
    } catch (error) {
      await unlink(tmp).catch(() => undefined);
      throw error;
    }
  }

  private async render(
    manifest: AuthorizationPolicyManifest | NetworkPolicyManifest,
    header: string,
  ): Promise<string> {
    const { stringify } = await loadYaml();
    const undo = manifest.metadata.annotations[UNDO_ANNOTATION];
    return `# ${header}\n${undo ? `# Undo: ${undo}\n` : ''}${stringify(manifest, { lineWidth: 0 })}`;
  }

  private checkSegments(namespace: string, name: string): Delivery | undefined {
    // Names reach the file system: refuse anything that could climb out of policies_dir.
    if (!SAFE_SEGMENT.test(namespace) || !SAFE_SEGMENT.test(name))
      return { code: 'permanent', error: new Error(`refusing unsafe policy path ${namespace}/${name}`) };
    return undefined;
  }

  async apply(policy: AuthorizationPolicyManifest): Promise<Delivery> {
    const { namespace, name } = policy.metadata;
    const bad = this.checkSegments(namespace, name);
    if (bad) return bad;
    try {
      await this.writeAtomically(
        this.policyPath(namespace, name),
        join(this.dir, namespace),
        await this.render(policy, 'Written by meshguard (quarantine).'),
      );
      return { code: 'ok' };
    } catch (error) {
      return classify(error);
    }
  }

  async delete(namespace: string, name: string): Promise<Delivery> {
    const bad = this.checkSegments(namespace, name);
    if (bad) return bad;
    try {
      await unlink(this.policyPath(namespace, name));
      return { code: 'ok' };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { code: 'ok' };
      return classify(error);
    }
  }

  async suggest(manifest: NetworkPolicyManifest): Promise<Delivery> {
    const { namespace, name } = manifest.metadata;
    const bad = this.checkSegments(namespace, name);
    if (bad) return bad;
    try {
      await this.writeAtomically(
        this.suggestionPath(namespace, name),
        join(this.dir, namespace),
        await this.render(
          manifest,
          'SUGGESTION from meshguard: review, then apply by hand. meshguard never applies it.',
        ),
      );
      return { code: 'ok' };
    } catch (error) {
      return classify(error);
    }
  }

  async deleteSuggestion(namespace: string, name: string): Promise<Delivery> {
    const bad = this.checkSegments(namespace, name);
    if (bad) return bad;
    try {
      await unlink(this.suggestionPath(namespace, name));
      return { code: 'ok' };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { code: 'ok' };
      return classify(error);
    }
  }

  async list(): Promise<AuthorizationPolicyManifest[]> {
    const out: AuthorizationPolicyManifest[] = [];
    let namespaces: string[];
    try {
      namespaces = await readdir(this.dir);
    } catch {
      return out; // no directory yet: nothing written
    }
    for (const ns of namespaces.sort()) {
      let files: string[];
      try {
        files = await readdir(join(this.dir, ns));
      } catch {
        continue; // a stray file at the top level
      }
      for (const file of files.sort()) {
        if (!file.endsWith('.yaml')) continue;
        try {
          const { parse } = await loadYaml();
          const doc = parse(
            await readFile(join(this.dir, ns, file), 'utf8'),
          ) as AuthorizationPolicyManifest | null;
          if (doc?.kind === 'AuthorizationPolicy' && doc.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY)
            out.push(doc);
        } catch {
          // Someone else's file or a hand edit that broke the YAML: not ours to list.
        }
      }
    }
    return out;
  }
}
