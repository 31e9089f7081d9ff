/** Condition types the policy controller owns, and the reasons it sets on them. */
export const CONDITION = {
  /** The spec rendered without errors. */
  rendered: 'Rendered',
  /** The ConfigMaps match the rendered files. */
  configMapsWritten: 'ConfigMapsWritten',
  /** The workloads run with, or have reloaded, the current content. */
  redeployed: 'Redeployed',
  /** Every step above succeeded for the current generation. */
  ready: 'Ready',
} as const;

/**
 * Reasons, shared by conditions and Events. The error reasons ConfigMapConflict
 * and WorkloadNotFound come from src/kube, where those failures are detected.
 */
export const REASON = {
  rendered: 'Rendered',
  invalidSpec: 'InvalidSpec',
  written: 'Written',
  writeFailed: 'WriteFailed',
  restarted: 'Restarted',
  liveReloaded: 'LiveReloaded',
  upToDate: 'UpToDate',
  redeployFailed: 'RedeployFailed',
  reconciled: 'Reconciled',
} as const;
