import { appWorkloads, craft, during, externalHost, type ScenarioDefinition } from '../scenario.js';
import { MINUTE } from './helpers.js';

const IMDS = externalHost('169.254.169.254', '169.254.169.254', 80);

/**
 * Stealing node credentials from the cloud instance metadata service: IMDSv2 token, then the IAM role and
 * its temporary keys, re-read a few times over three minutes. Plain HTTP on port 80 through
 * PassthroughCluster, so the paths are visible.
 */
export const cloudMetadataAccess: ScenarioDefinition = {
  name: 'cloud_metadata_access',
  description: 'Egress via PassthroughCluster to 169.254.169.254 /latest/meta-data/iam/... from a workload.',
  attack: true,
  acceptableKinds: ['lateral_movement', 'unauthorized_access', 'exfiltration'],
  durationMs: 3 * MINUTE,
  candidates: (t) => appWorkloads(t),
  plan(ctx) {
    const role = ctx.rng.pick([
      'eks-node-role-prod',
      'nodegroup-workers-NodeInstanceRole-1X2Y3Z',
      'k8s-worker-role',
    ]);
    const steps: { method: string; path: string; status: number; bytes: number }[] = [
      { method: 'PUT', path: '/latest/api/token', status: 200, bytes: 56 },
      { method: 'GET', path: '/latest/meta-data/', status: 200, bytes: 320 },
      { method: 'GET', path: '/latest/meta-data/iam/', status: 200, bytes: 38 },
      { method: 'GET', path: '/latest/meta-data/iam/security-credentials/', status: 200, bytes: role.length },
      {
        method: 'GET',
        path: `/latest/meta-data/iam/security-credentials/${role}`,
        status: 200,
        bytes: 1_320,
      },
      { method: 'GET', path: '/latest/user-data', status: 200, bytes: 4_800 },
      { method: 'GET', path: '/latest/meta-data/iam/info', status: 200, bytes: 210 },
      { method: 'GET', path: '/latest/dynamic/instance-identity/document', status: 200, bytes: 470 },
      { method: 'GET', path: '/latest/meta-data/public-keys/', status: 404, bytes: 0 },
    ];
    const endMs = ctx.startMs + this.durationMs;
    const ua = ctx.rng.pick([
      'curl/7.88.1',
      'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10 lang/python#3.11.8',
      'aws-sdk-go/1.51.6 (go1.21.8; linux; amd64)',
    ]);
    return {
      endMs,
      tick(tickMs, rng, emit) {
        during(tickMs, ctx.startMs, endMs, 0.15, rng, (time) => {
          // The first requests follow the recon order; later ones mostly re-read the keys.
          const k = Math.floor(((time - ctx.startMs) / 1000) * 0.15);
          const step =
            k < steps.length
              ? (steps[k] as (typeof steps)[number])
              : (steps[rng.chance(0.7) ? 4 : rng.int(0, steps.length - 1)] as (typeof steps)[number]);
          emit(
            craft(ctx, rng, time, IMDS, {
              method: step.method,
              path: step.path,
              status: step.status,
              bytesUp: 0,
              bytesDown: step.bytes,
              durationMs: rng.int(0, 3),
              userAgent: ua,
            }),
          );
        });
      },
    };
  },
};
