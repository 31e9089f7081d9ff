import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { stopLab } from './openstack.js';
import { CONTROL_PLANE_SCRIPT, CONTROL_PLANE_STATE } from './paths.js';

const run = promisify(execFile);

/**
 * Stops the test control plane and the OpenStack lab, unless
 * ISO_KEEP_CONTROL_PLANE=1 keeps them running for debugging. The lab
 * keeps its state, so the next run starts it again in seconds.
 */
export async function stopControlPlane(): Promise<void> {
  if (process.env.ISO_KEEP_CONTROL_PLANE === '1') {
    return;
  }
  await run(CONTROL_PLANE_SCRIPT, ['down', CONTROL_PLANE_STATE]);
  await stopLab();
}
