// Writes crds/*.yaml and crds/kustomization.yaml from the TypeBox schemas in src/api.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dump } from 'js-yaml';
import { customResourceDefinitions } from '../src/api/crd.js';

mkdirSync('crds', { recursive: true });
const files: string[] = [];
for (const crd of customResourceDefinitions) {
  const name = (crd.metadata as { name: string }).name;
  const file = `${name}.yaml`;
  writeFileSync(`crds/${file}`, dump(crd, { noRefs: true, lineWidth: 100, sortKeys: false }));
  files.push(file);
  console.log(`wrote crds/${file}`);
}
const kustomization = {
  apiVersion: 'kustomize.config.k8s.io/v1beta1',
  kind: 'Kustomization',
  resources: files,
};
writeFileSync('crds/kustomization.yaml', dump(kustomization));
console.log('wrote crds/kustomization.yaml');
