/** The `none` sink: resources are built, validated and audited but go nowhere (alerting-only deployments). */
import type { Delivery } from '../../../core/delivery.js';
import type { MeshResource, VersionedResource } from '../mesh/resource.js';
import type { PolicySink } from './sink.js';

export class NoneSink implements PolicySink {
  readonly name = 'none' as const;
  async apply(_resource: MeshResource): Promise<Delivery> {
    return { code: 'ok' };
  }
  async write(_resource: MeshResource, _version: string | undefined): Promise<Delivery> {
    return { code: 'ok' };
  }
  async delete(): Promise<Delivery> {
    return { code: 'ok' };
  }
  async list(): Promise<MeshResource[]> {
    return [];
  }
  async read(): Promise<VersionedResource | undefined> {
    return undefined;
  }
  async listKind(): Promise<MeshResource[]> {
    return [];
  }
}
