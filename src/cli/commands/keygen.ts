import { Command, Option } from 'commander';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { KEY_TYPES, type KeyType } from '../../api/signed-image.js';
import { generateSigningKey, RSA_BITS, type RsaBits } from '../../signature/keygen.js';
import { EXIT } from '../output.js';

interface KeygenCliOptions {
  keyType: KeyType;
  rsaBits: string;
  outKey: string;
  outCert: string;
  caKey?: string;
  caCert?: string;
  ca: boolean;
  pathLength?: string;
  days: string;
  subject: string;
  force: boolean;
}

/** `keygen`: creates an image signing key and certificate, or a CA to issue them. */
export function keygenCommand(): Command {
  return new Command('keygen')
    .description(
      'Generate a private key and an X.509 certificate usable for Glance image signatures: ' +
        'self-signed, or issued by --ca-key/--ca-cert. With --ca, the certificate is a CA ' +
        '(CA:TRUE, keyCertSign, pathlen set) for use as a trusted certificate. The key is ' +
        'written with mode 0600. Exits 0 on success, 2 on a usage error.',
    )
    .addOption(new Option('--key-type <type>', 'key type').choices(KEY_TYPES).default('RSA-PSS'))
    .addOption(
      new Option('--rsa-bits <bits>', 'RSA modulus size in bits')
        .choices(RSA_BITS.map(String))
        .default('3072'),
    )
    .requiredOption('--out-key <path>', 'where to write the private key (PKCS#8 PEM); required')
    .requiredOption('--out-cert <path>', 'where to write the certificate (PEM); required')
    .option('--ca-key <path>', 'private key of the issuing CA (PEM); needs --ca-cert')
    .option('--ca-cert <path>', 'certificate of the issuing CA (PEM); needs --ca-key')
    .option('--ca', 'make a CA certificate instead of a signing certificate', false)
    .option('--path-length <n>', 'with --ca: intermediate CAs allowed below this one (default: 0)')
    .option('--days <n>', 'validity in days from now', '365')
    .option('--subject <dn>', 'subject, such as "CN=image signing,O=Example"', 'CN=image signing')
    .option('--force', 'overwrite existing output files', false)
    .exitOverride((error) => process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.usage))
    .action(async (options: KeygenCliOptions) => {
      try {
        await keygen(options);
      } catch (error) {
        process.stderr.write(`error: ${(error as Error).message}\n`);
        process.exitCode = EXIT.usage;
      }
    });
}

async function keygen(options: KeygenCliOptions): Promise<void> {
  if ((options.caKey === undefined) !== (options.caCert === undefined)) {
    throw new Error(
      '--ca-key and --ca-cert go together; pass both to issue from a CA, or neither for self-signed',
    );
  }
  const days = Number(options.days);
  if (!Number.isInteger(days) || days < 1) {
    throw new Error(`--days ${options.days} must be a whole number, 1 or more`);
  }
  if (options.pathLength !== undefined && options.ca !== true) {
    throw new Error('--path-length applies only to a CA certificate; add --ca or drop it');
  }
  const pathLength = Number(options.pathLength ?? '0');
  if (!Number.isInteger(pathLength) || pathLength < 0) {
    throw new Error(
      `--path-length ${String(options.pathLength)} must be a whole number, 0 or more`,
    );
  }
  const issuer =
    options.caKey !== undefined && options.caCert !== undefined
      ? {
          privateKeyPem: await readFile(options.caKey, 'utf8'),
          certificatePem: await readFile(options.caCert, 'utf8'),
        }
      : undefined;

  const generated = generateSigningKey({
    keyType: options.keyType,
    rsaBits: Number(options.rsaBits) as RsaBits,
    subject: options.subject,
    days,
    ...(options.ca ? { caPathLength: pathLength } : {}),
    ...(issuer ? { issuer } : {}),
  });

  // 'wx' only creates files, so mode 0600 always applies. --force removes old files first.
  if (options.force) {
    await rm(options.outKey, { force: true });
    await rm(options.outCert, { force: true });
  }
  try {
    await writeFile(options.outKey, generated.privateKeyPem, { mode: 0o600, flag: 'wx' });
    await writeFile(options.outCert, generated.certificatePem, { mode: 0o644, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      const path = (error as NodeJS.ErrnoException).path ?? '';
      throw new Error(`${path} already exists; choose another path or pass --force`, {
        cause: error,
      });
    }
    throw error;
  }
  process.stderr.write(`wrote ${options.outKey} (mode 0600) and ${options.outCert}\n`);
}
