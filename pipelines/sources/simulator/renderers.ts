/**
 * Which mesh's records the simulator writes (`--mesh`): Istio's sidecars (records.ts) or one of the
 * other meshes' formats, each rendered beside it, and the parser format that reads them.
 */
import type { InputFormat } from '../../core/event.js';
import { renderAmbient } from './records-ambient.js';
import { renderCilium } from './records-cilium.js';
import { renderConsul } from './records-consul.js';
import { renderLinkerd } from './records-linkerd.js';
import { renderRequest, type AccessRecord, type RenderOptions } from './records.js';
import type { SimRequest } from './traffic.js';

export const SIM_MESHES = ['istio', 'linkerd', 'consul', 'ambient', 'cilium'] as const;
export type SimMesh = (typeof SIM_MESHES)[number];

/** The format the records of each mesh are read with (what `replay --format` names). */
export const FORMAT_OF_MESH: Readonly<Record<SimMesh, InputFormat>> = {
  istio: 'istio-json',
  linkerd: 'linkerd-json',
  consul: 'consul-json',
  ambient: 'ztunnel',
  cilium: 'hubble-json',
};

export type Renderer = (req: SimRequest, emit: (record: AccessRecord) => void) => void;

export function rendererFor(mesh: SimMesh, opts: RenderOptions): Renderer {
  switch (mesh) {
    case 'linkerd':
      return renderLinkerd;
    case 'consul':
      return renderConsul;
    case 'ambient':
      return renderAmbient;
    case 'cilium':
      return renderCilium;
    default:
      return (req, emit) => renderRequest(req, opts, emit);
  }
}
