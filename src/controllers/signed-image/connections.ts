import { createHash } from 'node:crypto';
import { connect, type ConnectOptions, type OpenStackClients } from '../../openstack/index.js';
import { openStackOutcome } from './openstack-errors.js';

/** Most clouds kept connected at once; the oldest is dropped beyond it. */
const MAX_CONNECTIONS = 64;

/**
 * OpenStack clients shared between reconciles, keyed by a hash of the
 * clouds.yaml text, the cloud name and the CA bundle. Reusing a session keeps
 * its Keystone token, so a periodic check needs no new authentication. A
 * changed Secret yields a new key and new clients.
 */
export class ConnectionCache {
  private readonly clients = new Map<string, OpenStackClients>();

  constructor(private readonly options: Omit<ConnectOptions, 'caBundle'> = {}) {}

  async get(cloudsYaml: string, cloud: string, caBundle?: string): Promise<OpenStackClients> {
    const key = createHash('sha256')
      .update(JSON.stringify([cloudsYaml, cloud, caBundle ?? null]))
      .digest('hex');
    const cached = this.clients.get(key);
    if (cached !== undefined) {
      return cached;
    }

    let clients: OpenStackClients;
    try {
      clients = await connect(cloudsYaml, cloud, {
        ...this.options,
        ...(caBundle === undefined ? {} : { caBundle }),
      });
    } catch (error) {
      throw openStackOutcome(error, `reading cloud "${cloud}" from the clouds.yaml Secret`);
    }
    if (this.clients.size >= MAX_CONNECTIONS) {
      const oldest = this.clients.keys().next().value;
      if (oldest !== undefined) {
        this.clients.delete(oldest);
      }
    }
    this.clients.set(key, clients);
    return clients;
  }
}
