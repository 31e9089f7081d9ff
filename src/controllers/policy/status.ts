export { statusPatch } from '../../kube/status-patch.js';

/** Largest number of findings stored in status, matching the CRD's maxItems. */
export const MAX_STATUS_FINDINGS = 50;
