/** Builds the window detectors from their factories, each with its config section `detectors.<type>`. */
import type { ComponentSettings } from '../core/component.js';
import type { WindowDetector, WindowDetectorFactory } from '../detect/detector.js';

/** A detector name is what incidents list in `detectors`: two families claiming one fail at start-up. */
export function createWindowDetectors(
  factories: readonly WindowDetectorFactory[],
  sections: Readonly<Record<string, unknown>>,
  settings: ComponentSettings,
): WindowDetector[] {
  const names = new Set<string>();
  return factories.map((factory) => {
    if (!(factory.type in sections)) throw new Error(`no config section detectors.${factory.type}`);
    const detector = factory.create(sections[factory.type], settings);
    for (const name of detector.names) {
      if (names.has(name)) throw new Error(`duplicate detector name "${name}"`);
      names.add(name);
    }
    return detector;
  });
}
