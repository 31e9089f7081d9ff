import { readFile } from 'node:fs/promises';
import { BarbicanClient } from './barbican.js';
import { parseCloudsYaml } from './clouds-yaml.js';
import { OpenStackConfigError } from './errors.js';
import { GlanceClient } from './glance.js';
import { HttpClient } from './http.js';
import type { OpenStackLogger, OpenStackRequestObserver } from './logger.js';
import { KeystoneSession } from './session.js';
import { createTransport } from './transport.js';

export {
  BarbicanClient,
  secretIdFromRef,
  type BarbicanSecret,
  type StoredSecret,
} from './barbican.js';
export { parseCloudsYaml, type CloudConfig } from './clouds-yaml.js';
export { OpenStackConfigError, OpenStackError } from './errors.js';
export {
  GlanceClient,
  type GlanceImage,
  type ImageDownload,
  type ImagePatchOperation,
} from './glance.js';
export type {
  OpenStackLogger,
  OpenStackRequestObservation,
  OpenStackRequestObserver,
} from './logger.js';
export { KeystoneSession } from './session.js';

export interface ConnectOptions {
  /** PEM CA bundle for https endpoints. Overrides the cloud's `cacert` file. */
  readonly caBundle?: string;
  readonly logger?: OpenStackLogger;
  /** Receives the status and duration of every HTTP attempt, for metrics. */
  readonly observer?: OpenStackRequestObserver;
  /** Per-attempt request timeout in milliseconds (30 000). */
  readonly timeoutMs?: number;
  /** Retries after a retryable failure (4). */
  readonly retries?: number;
}

export interface OpenStackClients {
  readonly session: KeystoneSession;
  readonly glance: GlanceClient;
  readonly barbican: BarbicanClient;
}

/**
 * Creates Glance and Barbican clients for one cloud of a clouds.yaml
 * document. Nothing is sent until the first call, which authenticates.
 */
export async function connect(
  cloudsYaml: string,
  cloudName: string,
  options: ConnectOptions = {},
): Promise<OpenStackClients> {
  const cloud = parseCloudsYaml(cloudsYaml, cloudName);
  let caBundle = options.caBundle;
  if (caBundle === undefined && cloud.caCertFile !== undefined) {
    try {
      caBundle = await readFile(cloud.caCertFile, 'utf8');
    } catch (cause) {
      throw new OpenStackConfigError(
        `clouds.${cloudName}.cacert ${cloud.caCertFile} cannot be read; fix the path or pass caBundle`,
        { cause },
      );
    }
  }

  const http = new HttpClient({
    transport: createTransport(caBundle === undefined ? {} : { caBundle }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.observer === undefined ? {} : { observer: options.observer }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.retries === undefined ? {} : { retries: options.retries }),
  });
  const session = new KeystoneSession(
    cloud,
    http,
    options.logger === undefined ? {} : { logger: options.logger },
  );
  return {
    session,
    glance: new GlanceClient(http, session, () => session.endpoint('image')),
    barbican: new BarbicanClient(http, session, () => session.endpoint('key-manager')),
  };
}
