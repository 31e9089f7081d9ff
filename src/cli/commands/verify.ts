import { Command, Option } from 'commander';
import { withFileRole } from '../file-errors.js';
import { readFile, stat } from 'node:fs/promises';
import { HASH_METHODS, KEY_TYPES } from '../../api/signed-image.js';
import type { VerificationResult } from '../../signature/result.js';
import { verifyImageFile } from '../../signature/verify-file.js';
import { EXIT } from '../output.js';

interface VerifyCliOptions {
  certificate: string;
  signature: string;
  hashMethod: string;
  keyType: string;
  trustedCa?: string[];
  output: 'text' | 'json';
}

/** Files at least this large get a progress line on a terminal. */
const PROGRESS_MIN_BYTES = 64 * 1024 * 1024;

/** `verify`: checks a local image file against Glance signature properties, as cursive would. */
export function verifyCommand(): Command {
  return new Command('verify')
    .description(
      'Verify an image file against its img_signature properties the way Glance and Nova ' +
        '(cursive) do. With --trusted-ca, also validate the certificate chain as Nova does ' +
        'with certificate validation enabled. Exits 0 when verified, 1 when not (the reason ' +
        'is printed), 2 on a usage error or unreadable file.',
    )
    .argument('<file>', 'image data file')
    .requiredOption('--certificate <path>', 'signing certificate (PEM), as stored in Barbican')
    .requiredOption('--signature <base64>', 'img_signature value')
    .addOption(
      new Option(
        '--hash-method <method>',
        'img_signature_hash_method, one of ' + HASH_METHODS.join(', '),
      ).makeOptionMandatory(),
    )
    .addOption(
      new Option(
        '--key-type <type>',
        'img_signature_key_type, one of ' + KEY_TYPES.join(', '),
      ).makeOptionMandatory(),
    )
    .option(
      '--trusted-ca <path>',
      'trusted CA certificate (PEM); repeat the option for each CA, root included',
      (path: string, previous: string[] | undefined) => [...(previous ?? []), path],
    )
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['text', 'json'])
        .default('text'),
    )
    .exitOverride((error) => process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.usage))
    .action(async (file: string, options: VerifyCliOptions) => {
      let result: VerificationResult;
      try {
        result = await verifyFile(file, options);
      } catch (error) {
        process.stderr.write(`error: ${(error as Error).message}\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      if (options.output === 'json') {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        process.stdout.write(formatResult(result));
      }
      process.exitCode = result.verified ? EXIT.ok : EXIT.invalid;
    });
}

async function verifyFile(file: string, options: VerifyCliOptions): Promise<VerificationResult> {
  const size = (await withFileRole('image file', () => stat(file))).size;
  const certificatePem = await withFileRole('certificate', () => readFile(options.certificate));
  const trusted = options.trustedCa
    ? await Promise.all(
        options.trustedCa.map((path) => withFileRole('trusted CA file', () => readFile(path))),
      )
    : undefined;
  const showProgress = process.stderr.isTTY && size >= PROGRESS_MIN_BYTES;

  let lastReport = 0;
  const onProgress = (bytesRead: number): void => {
    const now = Date.now();
    if (now - lastReport >= 500 || bytesRead === size) {
      lastReport = now;
      process.stderr.write(
        `\rverifying ${file}: ${Math.floor((bytesRead / size) * 100)}% of ${size} bytes`,
      );
    }
  };

  const result = await verifyImageFile(
    file,
    {
      signature: options.signature,
      hashMethod: options.hashMethod,
      keyType: options.keyType,
      certificatePem,
      ...(trusted ? { trustedCertificatesPem: trusted } : {}),
    },
    showProgress ? { onProgress } : {},
  );
  if (showProgress && result.bytesRead > 0) {
    process.stderr.write('\n');
  }
  return result;
}

function formatResult(result: VerificationResult): string {
  const lines = [
    result.verified
      ? `verified: ${result.message}`
      : `not verified (${result.reason}): ${result.message}`,
  ];
  if (result.certificateFingerprint) {
    lines.push(`certificate SHA-256 fingerprint: ${result.certificateFingerprint}`);
  }
  for (const warning of result.warnings) {
    lines.push(`warning: ${warning}`);
  }
  return `${lines.join('\n')}\n`;
}
