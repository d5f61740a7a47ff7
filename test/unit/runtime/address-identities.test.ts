import { describe, expect, it } from 'vitest';
import { AddressIdentities } from '../../../pipelines/runtime/address-identities.js';
import { ev, principalOf } from '../../helpers/events.js';

const FRONTEND = principalOf('shop', 'frontend');

describe('AddressIdentities', () => {
  it('gives a caller known only by its address the identity learned from a record carrying both', () => {
    const ids = new AddressIdentities();
    ids.enrich(ev({ timeMs: 0, src: FRONTEND, srcAddress: '10.0.0.7', srcWorkload: 'frontend-abc' }));
    const anonymous = ev({ timeMs: 1, src: '10.0.0.7', srcAddress: '10.0.0.7' });
    ids.enrich(anonymous);
    expect(anonymous).toMatchObject({
      src: FRONTEND,
      srcPrincipal: FRONTEND,
      srcNamespace: 'shop',
      srcServiceAccount: 'frontend',
      srcWorkload: 'frontend-abc',
    });
  });

  it('keeps the first identity of an address and leaves unknown addresses alone', () => {
    const ids = new AddressIdentities();
    ids.enrich(ev({ timeMs: 0, src: FRONTEND, srcAddress: '10.0.0.7' }));
    ids.enrich(ev({ timeMs: 1, src: principalOf('shop', 'cart'), srcAddress: '10.0.0.7' }));
    const known = ev({ timeMs: 2, src: '10.0.0.7', srcAddress: '10.0.0.7' });
    const unknown = ev({ timeMs: 2, src: '10.0.0.8', srcAddress: '10.0.0.8' });
    ids.enrich(known);
    ids.enrich(unknown);
    expect(known.src).toBe(FRONTEND);
    expect(unknown).toMatchObject({ src: '10.0.0.8', srcPrincipal: '' });
  });
});
