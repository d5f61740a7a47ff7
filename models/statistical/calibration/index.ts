export { CalibrationConfig, defaultCalibrationConfig, validateCalibrationConfig } from './config.js';
export { TailCalibrator, type Calibrated } from './tail-calibrator.js';
