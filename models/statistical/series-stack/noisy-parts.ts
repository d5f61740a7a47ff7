/**
 * A part that keeps alarming in one direction on one series is noisy there: its calibration (the last
 * thousand raw scores or so) calls rare what this series produces every few hundred samples (the bursts of
 * a heavy-tailed latency or a crawled endpoint, the wanderings of a random walk, the bumps of a sensor).
 *
 * After `episodes` separate alarms of a part in one direction (its score reaching `alarm` or more, whether
 * reported or not, at least `gap` samples after the part's previous alarming sample there: a score that
 * wobbles about `alarm` through one change is one alarm), that part's scores in that direction are lowered
 * so that only `score` or more reaches `alarm`: the series' own alarm record raises the bar for that part
 * and direction alone, a self-adjusting threshold. Rises and drops are counted apart, as they are
 * calibrated apart: a series whose bursts all go up still alarms on its first drop. The mapping is
 * continuous and monotone (s ↦ s·alarm/score below `score`, linear from (score, alarm) to (1, 1) above),
 * so a corpus-wide threshold sweep still orders the scores. A few numbers of state per series.
 */
export class NoisyParts {
  /** Alarms per part and direction (rises at i, drops at parts + i); the sample of the last alarming score. */
  private readonly counts: Int32Array;
  private readonly last: Float64Array;

  constructor(
    private readonly parts: number,
    private readonly episodes: number,
    private readonly alarm: number,
    private readonly score: number,
    private readonly gap: number,
  ) {
    this.counts = new Int32Array(2 * parts);
    this.last = new Float64Array(2 * parts).fill(-Infinity);
  }

  /** Part i's score in one direction, judged after the part's alarm record there; the record learns `raw`. */
  judge(i: number, falling: boolean, raw: number, sample: number): number {
    if (this.episodes <= 0 || this.score <= this.alarm || this.score >= 1) return raw;
    const slot = falling ? this.parts + i : i;
    const noisy = this.counts[slot]! >= this.episodes;
    if (raw >= this.alarm) {
      if (sample - this.last[slot]! > this.gap) this.counts[slot]!++;
      this.last[slot] = sample;
    }
    if (!noisy) return raw;
    if (raw < this.score) return (raw * this.alarm) / this.score;
    return this.alarm + ((raw - this.score) * (1 - this.alarm)) / (1 - this.score);
  }
}
