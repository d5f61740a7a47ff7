import type { ScenarioDefinition } from '../scenario.js';
import { arrivals, edgeRate, normalRequest } from '../traffic.js';
import { isWorkload } from '../topology.js';
import { MINUTE } from './helpers.js';

/**
 * A flash sale opens at a set minute: shop traffic jumps to ~10× at once, stays for five minutes, and
 * product lookups return more 404s as items sell out. Same callers, same endpoints.
 */
export const flashSale: ScenarioDefinition = {
  name: 'flash_sale',
  description: 'Sudden 10× on shop paths with more 404s for sold-out items, otherwise the usual mix.',
  attack: false,
  acceptableKinds: [],
  durationMs: 5 * MINUTE,
  candidates: (t) => {
    const shop = t.workloads.filter(
      (w) => w.namespace === 'shop' && t.incoming(w).some((e) => e.src.kind === 'gateway'),
    );
    return shop.length > 0
      ? shop
      : t.workloads.filter((w) => t.incoming(w).some((e) => e.src.kind === 'gateway'));
  },
  plan(ctx) {
    const t = ctx.topology;
    // Shop paths only: what visitors hit from the gateway, and the shop/catalog calls it makes.
    const edges = [
      ...t.incoming(ctx.actor).filter((e) => e.src.kind === 'gateway'),
      ...t
        .outgoing(ctx.actor)
        .filter((e) => isWorkload(e.dst) && (e.dst.namespace === 'shop' || e.dst.namespace === 'catalog')),
    ];
    const endMs = ctx.startMs + this.durationMs;
    return {
      endMs,
      tick(tickMs, rng, emit) {
        if (tickMs < ctx.startMs || tickMs >= endMs) return;
        for (const edge of edges) {
          const catalogLookup =
            isWorkload(edge.dst) && (edge.dst.namespace === 'catalog' || edge.dst.name === 'frontend');
          arrivals(edgeRate(ctx.seed, edge, tickMs) * 9, tickMs, rng, (time) => {
            const req = normalRequest(edge, time, rng, ctx.label);
            if (catalogLookup && req.method === 'GET' && rng.chance(0.06)) {
              // Sold out: the product page answers 404 with a small body.
              req.status = 404;
              req.bytesDown = rng.int(60, 140);
            }
            emit(req);
          });
        }
      },
    };
  },
};
