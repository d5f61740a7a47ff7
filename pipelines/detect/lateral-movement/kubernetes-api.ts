/** What distinguishes an attacker's Kubernetes API calls from a housekeeping job's. */
import type { SensitiveCall } from '../detector.js';

export function isKubernetesApi(host: string): boolean {
  return host.startsWith('kubernetes');
}

/**
 * What makes a Kubernetes API call an attacker's: reading secrets or tokens, exec, asking what it may
 * do. (Refusals and walking the API count too, in sensitive_destination.) Housekeeping jobs that
 * always called it do none of these.
 */
export function isSuspiciousKubernetesCall(c: SensitiveCall): boolean {
  return (
    c.path.includes('/secrets') ||
    c.path.includes('/token') ||
    c.path.includes('/exec') ||
    c.path.includes('selfsubject') ||
    c.path.includes('clusterrole')
  );
}
