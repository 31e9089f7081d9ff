// Writes crds/*.yaml from the TypeBox schemas in src/api.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dump } from 'js-yaml';
import { customResourceDefinitions } from '../src/api/crd.js';

mkdirSync('crds', { recursive: true });
for (const crd of customResourceDefinitions) {
  const name = (crd.metadata as { name: string }).name;
  const path = `crds/${name}.yaml`;
  writeFileSync(path, dump(crd, { noRefs: true, lineWidth: 100, sortKeys: false }));
  console.log(`wrote ${path}`);
}
