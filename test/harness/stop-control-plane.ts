import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CONTROL_PLANE_SCRIPT, CONTROL_PLANE_STATE } from './paths.js';

const run = promisify(execFile);

/** Stops the test control plane unless ISO_KEEP_CONTROL_PLANE=1 asks to keep it for debugging. */
export async function stopControlPlane(): Promise<void> {
  if (process.env.ISO_KEEP_CONTROL_PLANE === '1') {
    return;
  }
  await run(CONTROL_PLANE_SCRIPT, ['down', CONTROL_PLANE_STATE]);
}
