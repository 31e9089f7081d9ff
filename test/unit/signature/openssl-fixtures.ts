import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Extension sections that certificates in the tests are issued with. */
const CONFIG = `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[leaf]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
[ca_pathlen0]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
[ca_pathlen1]
basicConstraints = critical, CA:TRUE, pathlen:1
keyUsage = critical, keyCertSign, cRLSign
[ca_no_pathlen]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
[ca_no_certsign]
basicConstraints = critical, CA:TRUE, pathlen:1
keyUsage = critical, digitalSignature, cRLSign
`;

export type KeySpec = 'rsa:2048' | 'rsa:3072' | 'dsa:2048' | `ec:${string}`;
export type Extensions =
  'leaf' | 'ca_pathlen0' | 'ca_pathlen1' | 'ca_no_pathlen' | 'ca_no_certsign';

export interface Issued {
  readonly key: string;
  readonly cert: string;
}

/** Keys, certificates and signatures made with the `openssl` command in a temporary folder. */
export class OpensslFixtures {
  readonly dir = mkdtempSync(join(tmpdir(), 'signature-test-'));
  private readonly config = join(this.dir, 'openssl.cnf');
  private serial = 1;

  constructor() {
    writeFileSync(this.config, CONFIG);
  }

  openssl(args: readonly string[]): Buffer {
    return execFileSync('openssl', args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  write(name: string, data: string | Buffer): string {
    writeFileSync(this.path(name), data);
    return this.path(name);
  }

  read(name: string): Buffer {
    return readFileSync(this.path(name));
  }

  key(name: string, spec: KeySpec): string {
    const out = this.path(`${name}.key`);
    const [algorithm, parameter = ''] = spec.split(':');
    if (algorithm === 'rsa') {
      this.openssl([
        'genpkey',
        '-algorithm',
        'RSA',
        '-pkeyopt',
        `rsa_keygen_bits:${parameter}`,
        '-out',
        out,
      ]);
    } else if (algorithm === 'dsa') {
      const params = this.path(`${name}.params`);
      this.openssl([
        'genpkey',
        '-genparam',
        '-algorithm',
        'DSA',
        '-pkeyopt',
        `dsa_paramgen_bits:${parameter}`,
        '-out',
        params,
      ]);
      this.openssl(['genpkey', '-paramfile', params, '-out', out]);
    } else {
      this.openssl([
        'genpkey',
        '-algorithm',
        'EC',
        '-pkeyopt',
        `ec_paramgen_curve:${parameter}`,
        '-out',
        out,
      ]);
    }
    return out;
  }

  /** Creates a self-signed certificate, valid from now for `days`. */
  selfSigned(name: string, spec: KeySpec, extensions: Extensions, days = 30): Issued {
    const key = this.key(name, spec);
    const cert = this.path(`${name}.pem`);
    this.openssl([
      'req',
      '-x509',
      '-new',
      '-config',
      this.config,
      '-extensions',
      extensions,
      '-key',
      key,
      '-subj',
      `/CN=${name}`,
      '-days',
      String(days),
      '-out',
      cert,
    ]);
    return { key, cert };
  }

  /** Issues a certificate for a new key from `issuer`, valid from now for `days`. */
  issued(name: string, spec: KeySpec, issuer: Issued, extensions: Extensions, days = 30): Issued {
    const key = this.key(name, spec);
    const csr = this.path(`${name}.csr`);
    const cert = this.path(`${name}.pem`);
    this.openssl([
      'req',
      '-new',
      '-config',
      this.config,
      '-key',
      key,
      '-subj',
      `/CN=${name}`,
      '-out',
      csr,
    ]);
    this.openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      issuer.cert,
      '-CAkey',
      issuer.key,
      '-set_serial',
      String(this.serial++),
      '-days',
      String(days),
      '-extfile',
      this.config,
      '-extensions',
      extensions,
      '-out',
      cert,
    ]);
    return { key, cert };
  }

  /** Signs `data` as `openssl dgst` does. `pss` picks RSA-PSS and its salt length. */
  sign(key: string, hash: string, data: string, pss?: 'max' | 'digest'): Buffer {
    const sigopt = pss
      ? ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', `rsa_pss_saltlen:${pss}`]
      : [];
    return this.openssl(['dgst', `-${hash}`, '-sign', key, ...sigopt, data]);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
