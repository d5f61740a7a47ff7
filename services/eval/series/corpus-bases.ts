/**
 * The ordinary behaviour of each base of the development corpus (corpus.ts): diurnal request rates,
 * heavy-tailed latency, counters with resets, bursty batch jobs and the rest, before any anomaly.
 */
import type { Rng } from '../../../pipelines/sources/simulator/prng.js';

export const BASES = [
  'diurnal_rate',
  'latency',
  'cpu',
  'batch_job',
  'sawtooth',
  'error_count',
  'random_walk',
  'spiky_rate',
  'memory_gc',
  'autoscaled',
  'sensor_temperature',
  'cloud_cpu',
  'tweet_volume',
  'traffic_sensor',
] as const;
export type BaseKind = (typeof BASES)[number];

export const DAY = 86_400_000;
export const START = Date.UTC(2026, 0, 5); // a Monday

export interface Base {
  /** The ordinary value at row i (with its noise). */
  value(i: number, ms: number): number;
  /** Typical size of ordinary noise, for sizing anomalies. */
  noise: number;
  level: number;
  /** Values never go below this (counts, utilization). */
  floor: number;
  ceiling: number;
  /** The daily shape's contribution at ms (for seasonal_change). */
  daily(ms: number): number;
  /** Readings that never arrive (a sensor or exporter that skips a report, or is down for a while). */
  gaps?: Gaps;
}

export interface Gaps {
  /** Chance that one reading is missing. */
  single: number;
  /** Chance per row that an outage starts, and its length in rows. */
  outage: number;
  outageRows: [number, number];
}

/** Daily shape: quiet night, morning ramp, afternoon peak; in [-1, 1]. */
function dailyShape(ms: number, phaseHours = 0): number {
  const h = (((ms % DAY) / DAY) * 24 - phaseHours + 24) % 24;
  return Math.sin(((h - 9) / 24) * 2 * Math.PI) * 0.8 + Math.sin(((h - 6) / 12) * 2 * Math.PI) * 0.25;
}

function weekend(ms: number): number {
  const dow = Math.floor((ms - START) / DAY) % 7;
  return dow >= 5 ? 0.75 : 1;
}

export function makeBase(kind: BaseKind, r: Rng, stepMs: number): Base {
  let ar = 0;
  const arStep = (): number => (ar = 0.7 * ar + r.normal() * 0.71);
  switch (kind) {
    case 'diurnal_rate': {
      const level = r.lognormal(800, 1.2);
      const amp = r.uniform(0.25, 0.6);
      const daily = (ms: number): number => level * amp * dailyShape(ms);
      return {
        level,
        noise: Math.sqrt(level) * 1.5 + level * 0.03,
        floor: 0,
        ceiling: Infinity,
        daily,
        value: (_i, ms) =>
          Math.max(0, (level + daily(ms)) * weekend(ms) + (Math.sqrt(level) * 1.5 + level * 0.03) * arStep()),
      };
    }
    case 'latency': {
      const level = r.lognormal(80, 0.8);
      return {
        level,
        noise: level * 0.12,
        floor: 0,
        ceiling: Infinity,
        daily: (ms) => level * 0.1 * dailyShape(ms),
        value: (_i, ms) => {
          const tail = r.chance(0.01) ? level * r.uniform(0.3, 1.2) : 0; // benign slow requests
          return level * Math.exp(0.1 * arStep()) + level * 0.1 * dailyShape(ms) + tail;
        },
      };
    }
    case 'cpu': {
      const level = r.uniform(15, 60);
      const amp = r.uniform(5, 15);
      return {
        level,
        noise: 3,
        floor: 0,
        ceiling: 100,
        daily: (ms) => amp * dailyShape(ms),
        value: (_i, ms) => Math.min(100, Math.max(0, level + amp * dailyShape(ms) + 3 * arStep())),
      };
    }
    case 'batch_job': {
      const level = r.uniform(5, 20);
      const runHour = r.int(0, 23);
      const runRows = Math.max(1, Math.round((r.uniform(0.3, 1.5) * 3_600_000) / stepMs));
      const startRow = (runHour * 3_600_000) / stepMs;
      const rowsPerDay = DAY / stepMs;
      const burst = level * r.uniform(4, 10);
      return {
        level,
        noise: level * 0.3,
        floor: 0,
        ceiling: Infinity,
        daily: () => 0,
        value: (i) => {
          const inDay = i % rowsPerDay;
          const running = inDay >= startRow && inDay < startRow + runRows;
          return Math.max(0, (running ? burst : level) + level * 0.3 * arStep());
        },
      };
    }
    case 'sawtooth': {
      const slope = r.uniform(0.5, 3);
      const period = Math.round((r.uniform(4, 30) * 3_600_000) / stepMs);
      return {
        level: (slope * period) / 2,
        noise: slope * 2,
        floor: 0,
        ceiling: Infinity,
        daily: () => 0,
        value: (i) => Math.max(0, slope * (i % Math.max(period, 2)) + slope * 2 * arStep()),
      };
    }
    case 'error_count': {
      const mean = r.uniform(0.3, 4);
      return {
        level: mean,
        noise: Math.sqrt(mean) + 0.5,
        floor: 0,
        ceiling: Infinity,
        daily: (ms) => mean * 0.3 * dailyShape(ms),
        value: (_i, ms) => r.poisson(Math.max(0.05, mean * (1 + 0.3 * dailyShape(ms)))),
      };
    }
    case 'spiky_rate': {
      // Request rate with a daily cycle and frequent benign bursts (retries, cron fan-out, crawlers):
      // a detector that alarms on every burst is useless here.
      const level = r.lognormal(300, 1);
      const amp = r.uniform(0.2, 0.5);
      const daily = (ms: number): number => level * amp * dailyShape(ms);
      const noise = Math.sqrt(level) + level * 0.02;
      return {
        level,
        noise,
        floor: 0,
        ceiling: Infinity,
        daily,
        value: (_i, ms) => {
          const burst = r.chance(0.01) ? level * r.uniform(0.2, 1) : 0;
          return Math.max(0, level + daily(ms) + noise * arStep() + burst);
        },
      };
    }
    case 'memory_gc': {
      // A heap that grows between collections and falls back when one runs, at irregular heights.
      const level = r.lognormal(500, 0.8);
      const slope = level * r.uniform(0.002, 0.02);
      let heap = level;
      let limit = level * r.uniform(1.3, 1.8);
      return {
        level: level * 1.25,
        noise: slope * 2 + level * 0.01,
        floor: 0,
        ceiling: Infinity,
        daily: () => 0,
        value: () => {
          heap += slope * (1 + 0.5 * r.normal());
          if (heap >= limit) {
            heap = level * r.uniform(0.95, 1.05);
            limit = level * r.uniform(1.3, 1.8);
          }
          return heap + level * 0.01 * arStep();
        },
      };
    }
    case 'autoscaled': {
      // Per-replica load under an autoscaler: a daily cycle, and a benign step whenever a replica joins
      // or leaves (the load divides among one more or one fewer).
      const level = r.lognormal(120, 0.6);
      const amp = r.uniform(0.1, 0.3);
      let replicas = r.int(3, 6);
      const noise = level * 0.04;
      return {
        level,
        noise,
        floor: 0,
        ceiling: Infinity,
        daily: (ms) => level * amp * dailyShape(ms),
        value: (_i, ms) => {
          if (r.chance(0.004)) replicas = Math.min(8, Math.max(2, replicas + (r.chance(0.5) ? 1 : -1)));
          const demand = (level + level * amp * dailyShape(ms)) * 4;
          return Math.max(0, demand / replicas + noise * arStep());
        },
      };
    }
    case 'sensor_temperature': {
      // A machine temperature sensor: slow and smooth, a faint daily cycle, readings rounded to 0.1
      // degree (so equal successive readings are ordinary here).
      const level = r.uniform(40, 90);
      const amp = r.uniform(0.5, 3);
      let x = 0;
      return {
        level,
        noise: 0.8,
        floor: 0,
        ceiling: Infinity,
        daily: (ms) => amp * dailyShape(ms),
        value: (_i, ms) => {
          x = 0.97 * x + r.normal() * 0.2;
          return Math.round((level + amp * dailyShape(ms) + x) * 10) / 10;
        },
      };
    }
    case 'cloud_cpu': {
      // A VM's CPU as a cloud monitor reports it: noisy, with a small benign step after a deployment
      // now and then (the new build costs a little more or less) and short busy moments.
      const level = r.uniform(5, 50);
      const noise = level * 0.12 + 1;
      let step = 0;
      return {
        level,
        noise,
        floor: 0,
        ceiling: 100,
        daily: () => 0,
        value: () => {
          if (r.chance(0.002)) step = r.normal() * noise;
          const busy = r.chance(0.02) ? noise * r.uniform(1, 3) : 0;
          return Math.min(100, Math.max(0, level + step + noise * arStep() + busy));
        },
      };
    }
    case 'tweet_volume': {
      // Mentions counted per interval: a daily cycle, Poisson counts, and benign viral bursts that
      // jump several-fold and fade over a few intervals (a retweet wave, a news item).
      const level = r.lognormal(40, 0.8);
      const amp = r.uniform(0.3, 0.7);
      const daily = (ms: number): number => level * amp * dailyShape(ms);
      let wave = 0;
      return {
        level,
        noise: Math.sqrt(level) + 1,
        floor: 0,
        ceiling: Infinity,
        daily,
        value: (_i, ms) => {
          wave *= 0.7;
          if (r.chance(0.002)) wave += level * r.lognormal(0.6, 0.5);
          return r.poisson(Math.max(0.1, level + daily(ms) + wave));
        },
      };
    }
    case 'traffic_sensor': {
      // A road speed sensor: free flow most of the day, slower in the weekday rush hours, whole
      // readings, and gaps: single readings lost and outages of up to a few hours.
      const level = r.uniform(45, 70);
      const rush = r.uniform(0.15, 0.4);
      const slowdown = (ms: number): number => {
        const h = ((ms % DAY) / DAY) * 24;
        const peak = Math.exp(-(((h - 8) / 1.2) ** 2)) + Math.exp(-(((h - 17.5) / 1.5) ** 2));
        return weekend(ms) < 1 ? 0 : level * rush * peak;
      };
      return {
        level,
        noise: 3,
        floor: 0,
        ceiling: 100,
        daily: (ms) => -slowdown(ms),
        gaps: { single: 0.08, outage: 0.002, outageRows: [3, 36] },
        value: (_i, ms) => Math.max(0, Math.round(level - slowdown(ms) + 3 * arStep())),
      };
    }
    case 'random_walk': {
      const level = r.lognormal(200, 1);
      let x = 0;
      return {
        level,
        noise: level * 0.05,
        floor: 0,
        ceiling: Infinity,
        daily: () => 0,
        value: () => {
          x = 0.995 * x + r.normal() * level * 0.02;
          const burst = r.chance(0.003) ? level * r.uniform(0.2, 0.6) : 0;
          return Math.max(0, level + x + burst);
        },
      };
    }
  }
}

/** The anomaly's effect at row i (added to, or replacing, the ordinary value). */
