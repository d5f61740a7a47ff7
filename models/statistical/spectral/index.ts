export { SpectralConfig, defaultSpectralConfig, validateSpectralConfig } from './config.js';
export { RealFft } from './fft.js';
export { SpectralResidual } from './spectral-residual.js';
