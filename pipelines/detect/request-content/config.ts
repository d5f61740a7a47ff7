/** Config section `detectors.request_content` (grammar checks on every request, a request model per service). */
import { Type, type Static } from '@sinclair/typebox';
import { detectorBase } from '../base-config.js';

export const RequestModelConfig = Type.Object(
  {
    enabled: Type.Boolean({
      default: true,
      description:
        'Learn a small TensorFlow.js model of each service’s usual requests; weak signals (a quote, markup, an overlong value) count only where it finds the request unusual. Off: strong grammar hits only.',
    }),
    min_requests: Type.Integer({
      default: 300,
      minimum: 20,
      description: 'Clean requests a service must receive before its first model.',
    }),
    refit_every: Type.Integer({
      default: 20_000,
      minimum: 100,
      description:
        'Requests between refits of a service’s model once grown (earlier refits at 8×, 64×… min_requests).',
    }),
    max_shapes: Type.Integer({
      default: 512,
      minimum: 16,
      maximum: 4096,
      description: 'Distinct request shapes remembered per service.',
    }),
    max_services: Type.Integer({
      default: 256,
      minimum: 1,
      description: 'Services with a model (requests to others are checked by the grammar only).',
    }),
    steps: Type.Integer({
      default: 40,
      minimum: 5,
      maximum: 2000,
      description: 'Training steps (full batch, Adam) per fit.',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type RequestModelConfig = Static<typeof RequestModelConfig>;

export const RequestContentConfig = Type.Object(
  {
    ...detectorBase,
    min_evidence: Type.Number({
      default: 1,
      minimum: 0.1,
      description:
        'Evidence one source must gather against one service: a strong grammar hit (tautology, UNION SELECT, ../, script tag, null byte) is 1, a weak one the model finds unusual is weak_weight.',
    }),
    weak_weight: Type.Number({
      default: 0.25,
      minimum: 0,
      maximum: 1,
      description: 'Evidence of a weak signal in a request the service’s model finds unusual.',
    }),
    field_shift_weight: Type.Number({
      default: 0.4,
      minimum: 0,
      maximum: 1,
      description:
        'Evidence of one text access-log line whose quoted header values shift Envoy’s fields (log_field_injection): three from one source within a few minutes are a finding.',
    }),
    half_life_secs: Type.Integer({
      default: 900,
      minimum: 10,
      description:
        'Evidence halves after this long without a new suspicious request (slow attacks accumulate).',
    }),
    scan_min_routes: Type.Integer({
      default: 15,
      minimum: 2,
      description:
        'Distinct routes in one window (mostly failing), or distinct routes with hits, at which a source is a scanner: left to the scanning family.',
    }),
    model: RequestModelConfig,
  },
  { additionalProperties: false, default: {} },
);
export type RequestContentConfig = Static<typeof RequestContentConfig>;
