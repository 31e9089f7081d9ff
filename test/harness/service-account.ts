import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { CONTROL_PLANE_STATE } from './paths.js';

/**
 * Mints a one-hour token for a ServiceAccount with the TokenRequest API and
 * returns a KubeConfig that authenticates with it against the test
 * apiserver, trusting the same CA as `admin`.
 */
export async function serviceAccountKubeConfig(
  admin: KubeConfig,
  namespace: string,
  name: string,
): Promise<KubeConfig> {
  const response = await admin.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const token = response.status?.token;
  if (token === undefined || token === '') {
    throw new Error(`TokenRequest for ${namespace}/${name} returned no token`);
  }

  const cluster = admin.getCurrentCluster();
  if (cluster === null) {
    throw new Error('admin kubeconfig has no current cluster');
  }
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      { name: 'test', server: cluster.server, caFile: cluster.caFile, skipTLSVerify: false },
    ],
    users: [{ name, token }],
    contexts: [{ name, cluster: 'test', user: name }],
    currentContext: name,
  });
  return kubeConfig;
}

/** One audit log entry with the API group, which the RBAC proof needs. */
export interface AuditRequest {
  readonly user: string;
  readonly verb: string;
  readonly apiGroup: string;
  /** Resource, with `/subresource` appended when there is one. */
  readonly resource: string;
  readonly namespace?: string;
  readonly code?: number;
  readonly uri: string;
}

interface RawAuditEvent {
  verb: string;
  requestURI: string;
  user?: { username?: string };
  objectRef?: { apiGroup?: string; resource?: string; subresource?: string; namespace?: string };
  responseStatus?: { code?: number };
}

/** Reads every audit log entry made by `user` that names a resource. */
export async function auditRequestsBy(user: string): Promise<AuditRequest[]> {
  const text = await readFile(path.join(CONTROL_PLANE_STATE, 'audit.log'), 'utf8');
  const requests: AuditRequest[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      continue;
    }
    const raw = JSON.parse(line) as RawAuditEvent;
    const ref = raw.objectRef;
    if (raw.user?.username !== user || ref?.resource === undefined) {
      continue;
    }
    requests.push({
      user,
      verb: raw.verb,
      apiGroup: ref.apiGroup ?? '',
      resource: ref.subresource === undefined ? ref.resource : `${ref.resource}/${ref.subresource}`,
      uri: raw.requestURI,
      ...(ref.namespace === undefined ? {} : { namespace: ref.namespace }),
      ...(raw.responseStatus?.code === undefined ? {} : { code: raw.responseStatus.code }),
    });
  }
  return requests;
}
