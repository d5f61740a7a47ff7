/** The `none` sink: policies are built, validated and audited but go nowhere (alerting-only deployments). */
import type { Delivery } from '../../../core/delivery.js';
import type { AuthorizationPolicyManifest } from '../policy.js';
import type { PolicySink } from './sink.js';

export class NoneSink implements PolicySink {
  readonly name = 'none' as const;
  async apply(_policy: AuthorizationPolicyManifest): Promise<Delivery> {
    return { code: 'ok' };
  }
  async delete(_namespace: string, _name: string): Promise<Delivery> {
    return { code: 'ok' };
  }
  async list(): Promise<AuthorizationPolicyManifest[]> {
    return [];
  }
}
