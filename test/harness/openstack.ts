import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './paths.js';

const run = promisify(execFile);

export const OPENSTACK_LAB_SCRIPT = path.join(REPO_ROOT, 'hack', 'openstack-lab', 'lab.sh');

/** Where the OpenStack lab keeps its state; OSLAB_STATE_DIR overrides the default. */
export const OPENSTACK_LAB_STATE =
  process.env.OSLAB_STATE_DIR ??
  path.join(homedir(), '.cache', 'image-security-operator', 'openstack-lab');

/** Credentials of one lab user and the project its token is scoped to. */
export interface LabUser {
  readonly username: string;
  readonly password: string;
  readonly projectName: string;
  readonly projectId: string;
  /** Entry name in the lab's clouds.yaml. */
  readonly cloud: string;
}

/** Endpoints, users and file paths of a running lab, read from its env file. */
export interface LabEnv {
  readonly stateDir: string;
  readonly cloudsYamlPath: string;
  readonly keystoneUrl: string;
  readonly glanceUrl: string;
  readonly barbicanUrl: string;
  readonly region: string;
  readonly admin: LabUser;
  /** Non-admin user with roles member and reader on project `demo`. */
  readonly member: LabUser;
  /** Non-admin user with roles member and reader on project `other`. */
  readonly otherMember: LabUser;
  readonly serviceProjectId: string;
  /** Glance reads these two files; see `restartGlance` for when a change needs a restart. */
  readonly propertyProtectionFile: string;
  readonly glancePolicyFile: string;
  readonly glanceConfigDir: string;
}

/**
 * Starts the lab unless it is already running and healthy, which takes
 * 0.1 s. A first build took about 40 s and a restart about 9 s on a loaded
 * 2-core machine, so callers need a `beforeAll` timeout of a few minutes.
 */
export async function ensureLab(stateDir = OPENSTACK_LAB_STATE): Promise<LabEnv> {
  await run(OPENSTACK_LAB_SCRIPT, ['up', stateDir], { timeout: 5 * 60_000 });
  return labEnv(stateDir);
}

/** Stops the lab services by their recorded PIDs; the state folder stays for a fast restart. */
export async function stopLab(stateDir = OPENSTACK_LAB_STATE): Promise<void> {
  await run(OPENSTACK_LAB_SCRIPT, ['down', stateDir], { timeout: 60_000 });
}

/**
 * Restarts Glance. Needed after adding, removing or reordering sections of the
 * property protections file, because Glance merges a re-read file into the
 * sections it already has. Value edits apply without it, and so do policy.yaml
 * rules added or changed, but a removed policy.yaml rule stays in force until
 * a restart.
 */
export async function restartGlance(stateDir = OPENSTACK_LAB_STATE): Promise<void> {
  await run(OPENSTACK_LAB_SCRIPT, ['restart-glance', stateDir], { timeout: 2 * 60_000 });
}

/** Reads the env file that `lab.sh up` writes into the state folder. */
export async function labEnv(stateDir = OPENSTACK_LAB_STATE): Promise<LabEnv> {
  const file = path.join(stateDir, 'lab.env');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new Error(
      `OpenStack lab env file ${file} cannot be read; run: ${OPENSTACK_LAB_SCRIPT} up ${stateDir}`,
      {
        cause,
      },
    );
  }
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) {
      values.set(match[1], match[2]);
    }
  }
  const get = (key: string): string => {
    const value = values.get(key);
    if (value === undefined) {
      throw new Error(
        `${file} has no ${key}; rebuild the lab: remove ${stateDir} and run lab.sh up`,
      );
    }
    return value;
  };
  const user = (prefix: string, cloud: string): LabUser => ({
    username: get(`OSLAB_${prefix}_USER`),
    password: get(`OSLAB_${prefix}_PASSWORD`),
    projectName: get(`OSLAB_${prefix}_PROJECT`),
    projectId: get(`OSLAB_${prefix}_PROJECT_ID`),
    cloud,
  });

  return {
    stateDir: get('OSLAB_STATE_DIR'),
    cloudsYamlPath: get('OS_CLIENT_CONFIG_FILE'),
    keystoneUrl: get('OSLAB_KEYSTONE_URL'),
    glanceUrl: get('OSLAB_GLANCE_URL'),
    barbicanUrl: get('OSLAB_BARBICAN_URL'),
    region: get('OSLAB_REGION'),
    admin: user('ADMIN', 'admin'),
    member: user('MEMBER', 'member'),
    otherMember: user('OTHER', 'other-member'),
    serviceProjectId: get('OSLAB_SERVICE_PROJECT_ID'),
    propertyProtectionFile: get('OSLAB_PROPERTY_PROTECTION_FILE'),
    glancePolicyFile: get('OSLAB_GLANCE_POLICY_FILE'),
    glanceConfigDir: get('OSLAB_GLANCE_CONFIG_DIR'),
  };
}
