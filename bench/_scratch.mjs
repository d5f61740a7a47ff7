import { readFileSync } from 'node:fs';
import pino from 'pino';
const D='/work/main/dist/';
const { parseLine, defaultParseOptions } = await import(D+'pipelines/parse/index.js');
const { createPipeline } = await import(D+'pipelines/runtime/pipeline.js');
const { resolveConfig } = await import(D+'config/load.js');
const { EventClock } = await import(D+'pipelines/runtime/clock.js');
const { Metrics } = await import(D+'pipelines/runtime/metrics.js');
const { MemoryStateStore } = await import(D+'pipelines/runtime/state-store.js');
const text = readFileSync(process.argv[2], 'utf8');
const lines = text.split('\n').filter(Boolean);
const cfg = resolveConfig({ log_level: 'silent' });
function bare(){ let n=0; for (const l of lines){ const o=JSON.parse(l); if(o.start_time) n++; } return n; }
function parseOnly(){ let n=0; const emit=(r)=>{ if(r.ok) n++; }; for (const l of lines) parseLine(l,'auto',defaultParseOptions,emit); return n; }
function full(){ const clock=new EventClock(); const p=createPipeline(cfg,{logger:pino({level:'silent'}),clock,metrics:new Metrics(),state:new MemoryStateStore(()=>clock.nowMs())}, async i=>i); let n=0; const emit=(r)=>{ if(r.ok){n++; clock.advance(r.event.timeMs); p.push(r.event);} }; for (const l of lines) parseLine(l,'auto',defaultParseOptions,emit); p.finish(); return n; }
const fns=process.env.ONLY?{[process.env.ONLY]:{bare,parseOnly,full}[process.env.ONLY]}:{bare,parseOnly,full}; const res={bare:[],parseOnly:[],full:[]};
for (let r=0;r<5;r++) for (const [k,f] of Object.entries(fns)){ const t=performance.now(); const n=f(); const ms=performance.now()-t; res[k].push(n/ms*1000); }
const med=a=>a.slice().sort((x,y)=>x-y)[a.length>>1];
for (const k in fns) console.log(k, Math.round(med(res[k])), 'ev/s', (med(res[k])/med(res.bare)).toFixed(2));
