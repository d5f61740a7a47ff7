/**
 * A small radix-2 FFT of real signals, in place on typed arrays, for one fixed power-of-two length N.
 *
 * The N real values are packed as N/2 complex ones (even samples real, odd samples imaginary), one
 * complex FFT of N/2 points transforms them, and a split step separates the spectra of the even and the
 * odd samples into the N/2 + 1 bins of the real signal (the others are their conjugates). The inverse
 * runs the same steps backwards for a Hermitian spectrum, whose signal is real. Twiddles and the
 * bit-reversal permutation are computed once; a transform allocates nothing.
 */
export class RealFft {
  readonly size: number;
  private readonly half: number;
  /** Packed complex work arrays of N/2 points. */
  private readonly zr: Float64Array;
  private readonly zi: Float64Array;
  /** exp(-2πik/(N/2)) for k < N/4 (the complex FFT's twiddles) and exp(-2πik/N) for k ≤ N/2 (the split). */
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly splitCos: Float64Array;
  private readonly splitSin: Float64Array;
  private readonly reversed: Uint16Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 4 || (size & (size - 1)) !== 0 || size > 65536)
      throw new RangeError(`FFT size must be a power of two from 4 to 65536, got ${size}`);
    this.size = size;
    const h = size / 2;
    this.half = h;
    this.zr = new Float64Array(h);
    this.zi = new Float64Array(h);
    this.cos = new Float64Array(Math.max(1, h / 2));
    this.sin = new Float64Array(Math.max(1, h / 2));
    for (let k = 0; k < h / 2; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / h);
      this.sin[k] = -Math.sin((2 * Math.PI * k) / h);
    }
    this.splitCos = new Float64Array(h + 1);
    this.splitSin = new Float64Array(h + 1);
    for (let k = 0; k <= h; k++) {
      this.splitCos[k] = Math.cos((2 * Math.PI * k) / size);
      this.splitSin[k] = -Math.sin((2 * Math.PI * k) / size);
    }
    this.reversed = new Uint16Array(h);
    const bits = Math.log2(h);
    for (let i = 0; i < h; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.reversed[i] = r;
    }
  }

  /**
   * Spectrum of the N real values `x`: bins 0..N/2 into re/im (each at least N/2 + 1 long). Bin k for
   * k > N/2 is the conjugate of bin N − k.
   */
  forward(x: ArrayLike<number>, re: Float64Array, im: Float64Array): void {
    const h = this.half;
    const zr = this.zr;
    const zi = this.zi;
    for (let i = 0; i < h; i++) {
      zr[i] = x[2 * i]!;
      zi[i] = x[2 * i + 1]!;
    }
    this.complex(zr, zi, false);
    // Even spectrum E_k = (Z_k + conj Z_{h−k}) / 2, odd O_k = (Z_k − conj Z_{h−k}) / 2i; X_k = E_k + w^k O_k.
    for (let k = 0; k <= h; k++) {
      const a = k === h ? 0 : k;
      const b = k === 0 ? 0 : h - k;
      const er = (zr[a]! + zr[b]!) / 2;
      const ei = (zi[a]! - zi[b]!) / 2;
      const or = (zi[a]! + zi[b]!) / 2;
      const oi = -(zr[a]! - zr[b]!) / 2;
      const c = this.splitCos[k]!;
      const s = this.splitSin[k]!;
      re[k] = er + c * or - s * oi;
      im[k] = ei + c * oi + s * or;
    }
  }

  /**
   * The real signal (N values into `x`) of a Hermitian spectrum given by its bins 0..N/2 (the imaginary
   * parts of bins 0 and N/2 are ignored, as a real signal's are 0). Inverse of forward(): x = IDFT.
   */
  inverse(re: Float64Array, im: Float64Array, x: Float64Array): void {
    const h = this.half;
    const zr = this.zr;
    const zi = this.zi;
    // E_k = (X_k + conj X_{h−k}) / 2, O_k = (X_k − conj X_{h−k}) / 2 · conj(w^k); Z_k = E_k + i O_k.
    for (let k = 0; k < h; k++) {
      const j = h - k;
      const xr = re[k]!;
      const xi = k === 0 ? 0 : im[k]!;
      const yr = re[j]!;
      const yi = j === h ? 0 : -im[j]!;
      const er = (xr + yr) / 2;
      const ei = (xi + yi) / 2;
      const dr = (xr - yr) / 2;
      const di = (xi - yi) / 2;
      const c = this.splitCos[k]!;
      const s = -this.splitSin[k]!;
      const or = dr * c - di * s;
      const oi = dr * s + di * c;
      zr[k] = er - oi;
      zi[k] = ei + or;
    }
    this.complex(zr, zi, true);
    for (let i = 0; i < h; i++) {
      x[2 * i] = zr[i]! / h;
      x[2 * i + 1] = zi[i]! / h;
    }
  }

  /** In-place iterative radix-2 complex FFT of N/2 points (inverse: conjugate twiddles, unscaled). */
  private complex(re: Float64Array, im: Float64Array, inverse: boolean): void {
    const n = this.half;
    const rev = this.reversed;
    for (let i = 0; i < n; i++) {
      const j = rev[i]!;
      if (j > i) {
        const tr = re[i]!;
        re[i] = re[j]!;
        re[j] = tr;
        const ti = im[i]!;
        im[i] = im[j]!;
        im[j] = ti;
      }
    }
    const sign = inverse ? -1 : 1;
    for (let len = 2; len <= n; len <<= 1) {
      const step = n / len;
      const m = len >> 1;
      for (let start = 0; start < n; start += len) {
        for (let k = 0; k < m; k++) {
          const c = this.cos[k * step]!;
          const s = sign * this.sin[k * step]!;
          const a = start + k;
          const b = a + m;
          const br = re[b]! * c - im[b]! * s;
          const bi = re[b]! * s + im[b]! * c;
          re[b] = re[a]! - br;
          im[b] = im[a]! - bi;
          re[a] = re[a]! + br;
          im[a] = im[a]! + bi;
        }
      }
    }
  }
}
