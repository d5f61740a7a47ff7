export { AnomalyLikelihood, normalUpperTail, type Likelihood } from './likelihood.js';
export { LikelihoodConfig, defaultLikelihoodConfig, validateLikelihoodConfig } from './config.js';
