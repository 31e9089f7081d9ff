/**
 * Maximum bytes of data (keys plus values, UTF-8) in one rendered ConfigMap.
 * Kubernetes rejects a ConfigMap whose data exceeds 1 MiB (1,048,576 bytes);
 * the remaining 48,576 bytes leave room for metadata, labels and annotations.
 */
export const MAX_CONFIGMAP_DATA_BYTES = 1_000_000;
