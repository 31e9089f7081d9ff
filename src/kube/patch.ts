import {
  PatchStrategy,
  setHeaderOptions,
  type ConfigurationOptions,
  type ObservableMiddleware,
} from '@kubernetes/client-node';

/**
 * Request options that send a patch body as a JSON merge patch (RFC 7386).
 * client-node 2.0.1 sends patches as JSON patch unless the content type is set per call.
 */
export function mergePatchOptions(): ConfigurationOptions<ObservableMiddleware> {
  return setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
}
