// Writes docs/crd-reference.md from the schemas in src/api.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CRD_REFERENCE_PATH, formattedCrdReference } from './crd-reference.js';

mkdirSync(path.dirname(CRD_REFERENCE_PATH), { recursive: true });
writeFileSync(CRD_REFERENCE_PATH, await formattedCrdReference());
console.log(`wrote ${path.relative(process.cwd(), CRD_REFERENCE_PATH)}`);
