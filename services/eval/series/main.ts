/** Entry point of `npm run eval:series` (see evaluate-series.ts). */
import { main } from './evaluate-series.js';

process.exitCode = main(process.argv.slice(2));
