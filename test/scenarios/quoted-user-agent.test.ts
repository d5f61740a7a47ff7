/**
 * A benign client whose User-Agent holds '" "' (quote, space, quote), sending ordinary requests all
 * along: the lines are Envoy's own, not forged. Through replay, in both ways such a line reaches
 * meshguard: as Envoy writes it (quotes inside values unescaped, so the client's span is ambiguous and
 * is kept whole) and as a format that escapes them (\"). Neither raises anything against the client.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../config/validate.js';
import type { Incident } from '../../pipelines/core/incident.js';
import { replay } from '../../services/cli/replay.js';
import { BENIGN, T0, istioTextLine } from '../helpers/field-shifting.js';

const dir = mkdtempSync(join(tmpdir(), 'meshguard-quoted-ua-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const QUOTED = '10.44.1.31';
const UAS = {
  raw: 'Mozilla/5.0 (X11; Linux x86_64) "Widget" "Build 7.2" Safari/537.36',
  escaped: 'Mozilla/5.0 (X11; Linux x86_64) \\"Widget\\" \\"Build 7.2\\" Safari/537.36',
};

/** Ten minutes: the benign callers every 2 s, and the quoted client as often, on the same routes. */
function traffic(ua: string): string[] {
  const lines: string[] = [];
  for (let t = T0; t < T0 + 10 * 60_000; t += 2_000) {
    const path = `/api/v1/orders/${(t / 2000) % 50}`;
    BENIGN.forEach((ip, i) => lines.push(istioTextLine(t + i * 10, `${ip}:${40_000 + i}`, 'curl/8.5', path)));
    lines.push(istioTextLine(t + 500, `${QUOTED}:41000`, ua, path));
  }
  return lines;
}

describe('a benign User-Agent holding quotes', () => {
  for (const [form, ua] of Object.entries(UAS)) {
    it(`raises nothing against a client sending normally (${form})`, async () => {
      const input = join(dir, `${form}.log`);
      writeFileSync(input, `${traffic(ua).join('\n')}\n`);
      const cfg = resolveConfig({
        log_level: 'silent',
        neural: { enabled: false },
        alerts: { channels: [] },
      });
      cfg.quarantine.sink = 'none';
      const incidentsPath = join(dir, `${form}.jsonl`);
      const result = await replay(cfg, { input, format: 'envoy-text', incidentsPath });
      expect(result.rejected).toBe(0);
      expect(result.events).toBe(traffic(ua).length);
      const incidents = readFileSync(incidentsPath, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Incident);
      expect(incidents.map((i) => `${i.kind}/${i.detectors.join('+')}`)).toEqual([]);
    });
  }
});
