/** Where records come from: HTTP ingest, Kafka, the embedded bus, the simulator. */
import { checked } from './check.js';
import { factory as bus } from '../sources/bus/index.js';
import { factory as http } from '../sources/http/index.js';
import { factory as kafka } from '../sources/kafka/index.js';
import { factory as simulator } from '../sources/simulator/index.js';

export const SOURCES = checked([http, kafka, bus, simulator] as const);
