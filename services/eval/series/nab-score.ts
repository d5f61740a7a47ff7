/**
 * The scoring of the Numenta Anomaly Benchmark (NAB), re-implemented from its published rules so that a
 * detector can be scored on any labeled corpus, ours or NAB's own.
 *
 * Per series: the first min(15% of rows, 750) rows are a probation period and are not scored. Every
 * labeled anomaly has a window around it (10% of the series' length shared among its anomalies). In a
 * window only the first detection counts, rewarded by a scaled sigmoid of how early it came (about 1 at
 * the window's start, 0 at its end); a window without a detection costs the miss weight; every
 * detection outside windows costs the false-positive weight, less just after a window (the anomaly may
 * still be fading) and in full far from one. Corpus score: 100 · (raw − null) / (perfect − null), where
 * null detects nothing and perfect detects every window at its first row.
 */

export interface Profile {
  readonly name: 'standard' | 'reward_low_fp' | 'reward_low_fn';
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
}

/** NAB's three application profiles. */
export const PROFILES: readonly Profile[] = [
  { name: 'standard', tp: 1, fp: 0.11, fn: 1 },
  { name: 'reward_low_fp', tp: 1, fp: 0.22, fn: 1 },
  { name: 'reward_low_fn', tp: 1, fp: 0.11, fn: 2 },
];

/** A window as inclusive row indices. */
export type Window = readonly [start: number, end: number];

export interface SeriesOutcome {
  raw: number;
  perfect: number;
  nullScore: number;
  windows: number;
  detectedWindows: number;
  /** Detections outside windows (rows at or above the threshold after probation). */
  falsePositives: number;
}

export function probationRows(length: number): number {
  return Math.min(Math.floor(0.15 * length), 750);
}

/** NAB's scaled sigmoid: 2·σ(−5y) − 1, and −1 beyond y = 3. */
export function scaledSigmoid(y: number): number {
  return y > 3 ? -1 : 2 / (1 + Math.exp(5 * y)) - 1;
}

const MAX_TP = scaledSigmoid(-1);

/**
 * NAB's windows for one series (its labeler): each floor(10% · length / anomalies) rows long, from
 * half that before the anomaly's row to half that after it, clipped to the series; overlapping
 * windows are merged into one.
 */
export function windowsAround(anomalyRows: readonly number[], length: number): Window[] {
  if (anomalyRows.length === 0) return [];
  const half = Math.floor(Math.floor((0.1 * length) / anomalyRows.length) / 2);
  const windows = [...anomalyRows]
    .sort((a, b) => a - b)
    .map((at) => [Math.max(0, at - half), Math.min(length - 1, at + half)] as [number, number]);
  const merged: Array<[number, number]> = [];
  for (const w of windows) {
    const last = merged[merged.length - 1];
    if (last && w[0] <= last[1]) last[1] = Math.max(last[1], w[1]);
    else merged.push(w);
  }
  return merged;
}

/** Scores one series; `detections[i]` is true where the detector's score reached the threshold. */
export function scoreSeries(
  detections: ArrayLike<boolean>,
  windows: readonly Window[],
  profile: Profile,
): SeriesOutcome {
  const n = detections.length;
  const sorted = [...windows].sort((a, b) => a[0] - b[0]);
  const hit = new Array<boolean>(sorted.length).fill(false);
  let raw = 0;
  let falsePositives = 0;
  let w = 0; // first window whose end is at or after i
  for (let i = probationRows(n); i < n; i++) {
    while (w < sorted.length && sorted[w]![1] < i) w++;
    if (!detections[i]) continue;
    const current = w < sorted.length && sorted[w]![0] <= i ? sorted[w] : undefined;
    if (current) {
      if (hit[w]) continue;
      hit[w] = true;
      const width = current[1] - current[0] + 1;
      raw += (profile.tp * scaledSigmoid(-(current[1] - i + 1) / width)) / MAX_TP;
      continue;
    }
    falsePositives++;
    const previous = w > 0 ? sorted[w - 1] : undefined;
    if (!previous) raw -= profile.fp;
    else {
      const width = previous[1] - previous[0] + 1;
      raw += profile.fp * scaledSigmoid(Math.abs(i - previous[1]) / Math.max(width - 1, 1));
    }
  }
  const detectedWindows = hit.filter(Boolean).length;
  raw -= profile.fn * (sorted.length - detectedWindows);
  return {
    raw,
    perfect: profile.tp * sorted.length,
    nullScore: -profile.fn * sorted.length,
    windows: sorted.length,
    detectedWindows,
    falsePositives,
  };
}

/** Corpus score: 100 is perfect, 0 is as good as detecting nothing. */
export function normalizedScore(outcomes: readonly SeriesOutcome[]): number {
  let raw = 0;
  let perfect = 0;
  let nul = 0;
  for (const o of outcomes) {
    raw += o.raw;
    perfect += o.perfect;
    nul += o.nullScore;
  }
  return perfect === nul ? 0 : (100 * (raw - nul)) / (perfect - nul);
}

export interface LabeledScores {
  readonly name: string;
  readonly scores: ArrayLike<number>;
  readonly windows: readonly Window[];
}

export interface CorpusResult {
  profile: Profile['name'];
  threshold: number;
  score: number;
  windows: number;
  detectedWindows: number;
  falsePositives: number;
}

/** Scores a corpus at one threshold (one for the whole corpus, never per series). */
export function scoreCorpus(
  corpus: readonly LabeledScores[],
  profile: Profile,
  threshold: number,
): CorpusResult {
  const outcomes = corpus.map((s) =>
    scoreSeries(
      Array.from(s.scores, (x) => x >= threshold),
      s.windows,
      profile,
    ),
  );
  return {
    profile: profile.name,
    threshold,
    score: normalizedScore(outcomes),
    windows: outcomes.reduce((t, o) => t + o.windows, 0),
    detectedWindows: outcomes.reduce((t, o) => t + o.detectedWindows, 0),
    falsePositives: outcomes.reduce((t, o) => t + o.falsePositives, 0),
  };
}

/** NAB's own way of setting a detector's threshold: the best one per profile over a sweep. */
export function bestThreshold(
  corpus: readonly LabeledScores[],
  profile: Profile,
  candidates: readonly number[] = THRESHOLD_SWEEP,
): CorpusResult {
  let best: CorpusResult | undefined;
  for (const t of candidates) {
    const r = scoreCorpus(corpus, profile, t);
    if (!best || r.score > best.score) best = r;
  }
  return best!;
}

export const THRESHOLD_SWEEP: readonly number[] = Array.from({ length: 100 }, (_, i) =>
  Number((0.01 * (i + 1)).toFixed(2)),
);
