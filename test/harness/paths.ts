import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Repository root, whatever folder the tests start from. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Where the test control plane keeps its certificates, logs and etcd data. */
export const CONTROL_PLANE_STATE =
  process.env.ISO_CONTROL_PLANE_STATE ?? path.join(REPO_ROOT, '.test-output', 'control-plane');

export const CONTROL_PLANE_SCRIPT = path.join(REPO_ROOT, 'hack', 'control-plane.sh');
