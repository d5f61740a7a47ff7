/**
 * The request_content family, under `detectors.request_content`: injection, traversal and XSS in request
 * lines, found from their content whatever the service answered (a 200 included), and however slowly
 * they come. Every request goes through the grammar checks (observe); requests with a hit are scored by
 * the destination service's request model in one batch when their window is judged (evaluate); evidence
 * accumulates per source and service across windows.
 */
import type { Logger } from 'pino';
import type { Factory } from '../../core/component.js';
import type { MeshEvent } from '../../core/event.js';
import type { Finding } from '../../core/finding.js';
import { RequestModels } from '../../../models/neural/request-model/service-models.js';
import { hash32 } from '../../../models/neural/request-model/network.js';
import type { WindowContext, WindowDetector } from '../detector.js';
import { RequestContentConfig } from './config.js';
import { EvidenceBook } from './evidence.js';
import { forgesFields } from './field-shift.js';
import { contentFinding, NAMES } from './finding.js';
import { hitLabel } from './grammar.js';
import { inspectRequest } from './request.js';

/** Request ids remembered to read a request logged by both sidecars once. */
const MAX_RECENT_IDS = 8192;
const PRUNE_EVERY_MS = 60_000;

interface PendingHit {
  src: string;
  dst: string;
  timeMs: number;
  strong: boolean;
  label: string;
  sample: string;
  shape: string;
  tokens: string[];
  routeHash: number;
  status: number;
  /** Evidence it adds when not the grammar's usual 1 (a line with shifted header fields). */
  weight?: number;
}

/** The label of a text line whose quoted header values shift Envoy's fields (evidence.ts counts it). */
export const FIELD_SHIFT_LABEL = 'header:field_shift';

export class RequestContentDetector implements WindowDetector {
  readonly names = NAMES;
  readonly kind = 'unauthorized_access' as const;
  private readonly book: EvidenceBook;
  private readonly models: RequestModels | undefined;
  private pending: PendingHit[] = [];
  private readonly recentIds = new Set<string>();
  private readonly recentOrder: string[] = [];
  private recentNext = 0;
  private prunedMs = 0;

  constructor(
    private readonly config: RequestContentConfig,
    logger: Logger,
  ) {
    this.book = new EvidenceBook(config.half_life_secs * 1000);
    const m = config.model;
    this.models = m.enabled
      ? new RequestModels(
          {
            minRequests: m.min_requests,
            refitEvery: m.refit_every,
            maxShapes: m.max_shapes,
            maxServices: m.max_services,
            steps: m.steps,
          },
          logger,
        )
      : undefined;
  }

  /** Services with a fitted request model (for tests and the README's numbers). */
  get modelledServices(): number {
    return this.models?.trainedServices ?? 0;
  }

  observe(ev: MeshEvent): void {
    if (!this.config.enabled || ev.dst === '' || !(ev.timeMs >= 0)) return;
    // A span that only holds quotes (a User-Agent quoting its parts) is read for content like any line.
    if (ev.clientFieldsAmbiguous && forgesFields(ev.userAgent)) return this.noteFieldShift(ev);
    if (ev.egress || (ev.path === '' && ev.query === '') || this.seenBefore(ev.requestId)) return;
    const r = inspectRequest(ev.method, ev.path, ev.query);
    if (r.hit === undefined) {
      // The service's usual requests: what it accepted, from callers not under suspicion.
      if (ev.status > 0 && ev.status < 400 && !this.book.suspects(ev.src, ev.dst, ev.timeMs))
        this.models?.learn(ev.dst, r.shape, r.tokens);
    } else {
      this.pending.push({
        src: ev.src,
        dst: ev.dst,
        timeMs: ev.timeMs,
        strong: r.hit.strong,
        label: hitLabel(r.hit),
        sample: r.sample,
        shape: r.shape,
        tokens: r.tokens,
        routeHash: hash32(r.template),
        status: ev.status,
      });
    }
    if (ev.timeMs - this.prunedMs >= PRUNE_EVERY_MS) {
      this.prunedMs = ev.timeMs;
      this.book.prune(ev.timeMs);
    }
  }

  /**
   * A text line whose header values held quotes that shift Envoy's fields (the parser kept the span whole
   * and trusted none of it): someone chose those headers to forge the fields after them. Evidence against
   * the line's source, which the parser read only from fields Envoy wrote (the direct peer or the pod that
   * wrote the line), never from the span; whether that source may be quarantined is the guardrails' call
   * (an address is named only when it is the connection's own peer). Its path is still read for content.
   */
  private noteFieldShift(ev: MeshEvent): void {
    if (ev.src === '') return; // nobody the line can be held against; its channel counts it as ambiguous
    const r = inspectRequest(ev.method || '-', ev.path, ev.query);
    const hit = r.hit?.strong === true ? r.hit : undefined;
    this.pending.push({
      src: ev.src,
      dst: ev.dst,
      timeMs: ev.timeMs,
      strong: true,
      label: hit !== undefined ? hitLabel(hit) : FIELD_SHIFT_LABEL,
      sample: `${r.sample} <${FIELD_SHIFT_LABEL}>`,
      shape: r.shape,
      tokens: r.tokens,
      routeHash: hash32(r.template),
      status: ev.status,
      weight: hit !== undefined ? undefined : this.config.field_shift_weight,
    });
  }

  evaluate(ctx: WindowContext): readonly Finding[] {
    if (!this.config.enabled) return [];
    if (this.pending.length > 0) this.flush();
    const services = this.book.of(ctx.window.src);
    if (services === undefined || this.scanLike(ctx)) return [];
    const findings: Finding[] = [];
    const windowMs = ctx.endMs - ctx.startMs;
    for (const [dst, e] of services) {
      // Reported in the window of its latest suspicious request (and the next, for records arriving late).
      if (e.lastMs < ctx.startMs - windowMs || e.lastMs >= ctx.endMs) continue;
      if (e.routes.size >= this.config.scan_min_routes) continue; // a scanner's many routes: scanning's
      // As of its latest suspicious request: a single strong request is evidence 1, not 0.99 by the window end.
      const f = contentFinding(ctx, dst, e, this.book.value(e, e.lastMs), this.config);
      if (f !== undefined) findings.push(f);
    }
    return findings;
  }

  /** Many distinct, mostly failing routes in one window: a scanner walking a wordlist, not an injection. */
  private scanLike(ctx: WindowContext): boolean {
    const w = ctx.window;
    const routes = w.paths.size + w.pathsOverflow;
    return routes >= this.config.scan_min_routes && w.notFound + w.denied >= 0.3 * w.requests;
  }

  /**
   * The requests with a hit since the last window was judged: scored by their services' models in one
   * batch each, then added to the evidence. A strong hit counts whatever the model says; a weak one only
   * where the model finds the request unusual for that service.
   */
  private flush(): void {
    const hits = this.pending;
    this.pending = [];
    // Only weak signals need the model: a strong hit counts whatever it says (and costs no fit).
    const byService = new Map<string, PendingHit[]>();
    for (const h of hits) {
      if (h.strong) continue;
      const list = byService.get(h.dst);
      if (list === undefined) byService.set(h.dst, [h]);
      else list.push(h);
    }
    const novelty = new Map<PendingHit, number>();
    for (const [dst, weak] of byService) {
      const scores = this.models?.novelty(dst, weak) ?? weak.map(() => Number.NaN);
      weak.forEach((h, i) => novelty.set(h, scores[i]!));
    }
    for (const h of hits) {
      const n = novelty.get(h) ?? Number.NaN;
      const weight =
        h.weight ?? (h.strong ? (h.status >= 500 ? 1.5 : 1) : n > 1 ? this.config.weak_weight : 0);
      if (weight === 0) continue;
      this.book.add(h.src, h.dst, {
        timeMs: h.timeMs,
        weight,
        strong: h.strong,
        label: h.label,
        sample: h.sample,
        routeHash: h.routeHash,
        status: h.status,
        novelty: n,
      });
    }
  }

  private seenBefore(requestId: string): boolean {
    if (requestId === '') return false;
    if (this.recentIds.has(requestId)) return true;
    if (this.recentOrder.length < MAX_RECENT_IDS) this.recentOrder.push(requestId);
    else {
      this.recentIds.delete(this.recentOrder[this.recentNext]!);
      this.recentOrder[this.recentNext] = requestId;
      this.recentNext = (this.recentNext + 1) % MAX_RECENT_IDS;
    }
    this.recentIds.add(requestId);
    return false;
  }
}

export const factory: Factory<'detector', typeof RequestContentConfig, RequestContentDetector> = {
  kind: 'detector',
  type: 'request_content',
  configSchema: RequestContentConfig,
  create: (config, settings) => new RequestContentDetector(config, settings.logger),
};
