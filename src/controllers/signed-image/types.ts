import type { KubernetesObject } from '@kubernetes/client-node';
import type { ImageSecurityPolicy } from '../../api/image-security-policy.js';
import type { SignedImage } from '../../api/signed-image.js';
import type { KubeClients } from '../../kube/client.js';
import type { EventRecorder } from '../../kube/events.js';
import type { Logger } from '../../log.js';
import type { OperatorMetrics } from '../../server/metrics.js';
import type { ConnectionCache } from './connections.js';
import type { ImageVerifier } from './verification.js';

/** A SignedImage as client-node returns it. */
export type SignedImageObject = SignedImage & KubernetesObject;

/** An ImageSecurityPolicy as client-node returns it. */
export type PolicyObject = ImageSecurityPolicy & KubernetesObject;

/** Delays of the SignedImage controller, in milliseconds; every field has a default. */
export interface SignedImageTimings {
  /** Interval between `status.progress` writes during a download. Default 5000. */
  readonly progressIntervalMs?: number;
  /** Requeue delay while an image is still uploading. Default 15000. */
  readonly pendingImageRequeueMs?: number;
  /**
   * Requeue delay after a problem nothing watches, such as a missing Secret or
   * image, when the spec sets no reverifyInterval. Default 60000.
   */
  readonly unwatchedRequeueMs?: number;
}

/** Dependencies of one SignedImage reconcile. */
export interface SignedImageDeps extends SignedImageTimings {
  readonly clients: KubeClients;
  /** Returns the policy from the informer cache, or undefined when it does not exist. */
  readonly getPolicy: (namespace: string, name: string) => PolicyObject | undefined;
  readonly events: EventRecorder;
  readonly log: Logger;
  readonly connections: ConnectionCache;
  readonly verifier: ImageVerifier;
  /** Registry whose verification counter counts each download checked, cached results excluded. */
  readonly metrics?: OperatorMetrics;
  readonly now?: () => Date;
}
