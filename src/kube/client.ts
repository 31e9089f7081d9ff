import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  KubeConfig,
} from '@kubernetes/client-node';

/** The typed API clients the controllers use, all built from one KubeConfig. */
export interface KubeClients {
  readonly kubeConfig: KubeConfig;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly batch: BatchV1Api;
  readonly custom: CustomObjectsApi;
  readonly events: EventsV1Api;
}

/**
 * Loads the client configuration: the given kubeconfig file, else the file in
 * `KUBECONFIG`, else the in-cluster service account, else `~/.kube/config`.
 * A cluster entry that disables TLS verification is rejected, because the
 * operator writes configuration that decides who may change image signatures.
 */
export function loadKubeConfig(kubeconfigPath?: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (kubeconfigPath !== undefined && kubeconfigPath !== '') {
    kubeConfig.loadFromFile(kubeconfigPath);
  } else {
    // loadFromDefault reads KUBECONFIG, then the in-cluster service account, then ~/.kube/config.
    kubeConfig.loadFromDefault();
  }
  assertTlsVerified(kubeConfig);
  return kubeConfig;
}

/** Throws when the current cluster skips TLS verification or is reached over plain HTTP. */
export function assertTlsVerified(kubeConfig: KubeConfig): void {
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster === null) {
    throw new Error('kubeconfig has no current cluster; set current-context or pass --kubeconfig');
  }
  if (cluster.skipTLSVerify) {
    throw new Error(
      `kubeconfig cluster ${cluster.name} sets insecure-skip-tls-verify; ` +
        'set certificate-authority or certificate-authority-data instead',
    );
  }
  if (!cluster.server.startsWith('https://')) {
    throw new Error(
      `kubeconfig cluster ${cluster.name} has server ${cluster.server}; an https:// URL is required`,
    );
  }
}

/** Builds every API client from a loaded KubeConfig. */
export function makeClients(kubeConfig: KubeConfig): KubeClients {
  return {
    kubeConfig,
    core: kubeConfig.makeApiClient(CoreV1Api),
    apps: kubeConfig.makeApiClient(AppsV1Api),
    batch: kubeConfig.makeApiClient(BatchV1Api),
    custom: kubeConfig.makeApiClient(CustomObjectsApi),
    events: kubeConfig.makeApiClient(EventsV1Api),
  };
}
