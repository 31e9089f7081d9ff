// Measures the operator's memory while it verifies a large image streamed from Glance.
// Run with `node --import tsx bench/verify-memory.ts [--size-gib 4]`. It prints a markdown
// section to stdout and progress to stderr.
//
// Needs curl, the OpenStack lab's packages (hack/openstack-lab/install.sh) and free space for one
// copy of the image in Glance's file store. The lab in OSLAB_STATE_DIR (or the default folder) is
// started when it is not running. Tests that stop or restart that lab break a run, so a separate
// OSLAB_STATE_DIR keeps the benchmark apart from them.
//
// The image data is an AES-128-CTR keystream under a random key, generated twice (once to sign,
// once to upload), so no copy of it is held in memory or written to a temporary file. A fresh
// child process, with the NODE_OPTIONS of deploy/base/deployment.yaml, then verifies the image
// the way the SignedImage controller does (ImageVerifier, which streams
// GET /v2/images/{id}/file into verifyImageStream) and samples process.memoryUsage() every
// 100 ms. curl downloads the same URL before and after as the
// bare-download baseline. The image and the Barbican secret are deleted at the end, also after a
// failure.
import { spawn, spawnSync } from 'node:child_process';
import { createCipheriv, createPrivateKey, randomBytes } from 'node:crypto';
import { readFileSync, statfsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { load } from 'js-yaml';
import { ImageVerifier } from '../src/controllers/signed-image/verification.js';
import { connect, type OpenStackClients } from '../src/openstack/index.js';
import { parseCertificatePem } from '../src/signature/certificate.js';
import { generateSigningKey } from '../src/signature/keygen.js';
import { signStream, type SignedProperties } from '../src/signature/sign.js';
import { ensureLab, type LabEnv } from '../test/harness/openstack.js';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
/** Chunk size of the generated data. GlanceClient splits it into 64 KiB upload chunks. */
const GENERATOR_CHUNK_BYTES = MIB;
const SAMPLE_INTERVAL_MS = 100;
/**
 * Growth target for verifying one image, whatever its size.
 * Two 4 GiB runs with Node's default heap limit grew by 91 and 105 MiB, almost all of it
 * dropped read buffers that V8 had not yet collected (see the gc() column in the output). With
 * the Deployment's `--max-old-space-size=64`, V8 collects sooner and a run grew by 46 MiB.
 */
const GROWTH_TARGET_BYTES = 64 * MIB;
/** Free space kept beyond Glance's copy of the image, for logs and anything else on the disk. */
const DISK_MARGIN_BYTES = 2 * GIB;
/** Time allowed for the whole upload, which is slow because Glance hashes and checks the data. */
const UPLOAD_TIMEOUT_MS = 60 * 60 * 1000;
const HASH_METHOD = 'SHA-256';

/** Input of the verifying child process, passed as an argument because none of it is secret. */
interface ChildJob {
  readonly cloudsYamlPath: string;
  readonly cloud: string;
  readonly imageId: string;
  readonly secretId: string;
  readonly signature: SignedProperties;
}

/** One `process.memoryUsage()` reading, in bytes. */
interface MemorySample {
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

/** Result that the child process writes to stdout as one JSON line. */
interface ChildReport {
  readonly baseline: MemorySample;
  readonly peak: MemorySample;
  readonly samples: number;
  /** Kernel peak RSS (VmHWM) over the download, when /proc/self/clear_refs could reset it. */
  readonly kernelPeakRss?: number;
  /** Reading after the download and a full garbage collection, to tell garbage from live data. */
  readonly afterGc?: MemorySample;
  readonly seconds: number;
  readonly bytesRead: number;
  readonly verified: boolean;
  readonly message: string;
}

function log(message: string): void {
  process.stderr.write(`[verify-memory ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Yields `size` bytes of AES-128-CTR keystream, the same bytes for the same key and iv. */
function* keystream(size: number, key: Buffer, iv: Buffer): Generator<Buffer> {
  const cipher = createCipheriv('aes-128-ctr', key, iv);
  const zeros = Buffer.alloc(GENERATOR_CHUNK_BYTES);
  let remaining = size;
  while (remaining > 0) {
    const length = Math.min(remaining, GENERATOR_CHUNK_BYTES);
    remaining -= length;
    yield cipher.update(length === zeros.length ? zeros : zeros.subarray(0, length));
  }
}

/** Logs progress every 512 MiB of the chunks passing through, with the average rate so far. */
function* withProgress(source: Iterable<Buffer>, step: string, size: number): Generator<Buffer> {
  const start = process.hrtime.bigint();
  let done = 0;
  let next = 512 * MIB;
  for (const chunk of source) {
    done += chunk.length;
    if (done >= next || done === size) {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      log(`${step}: ${(done / GIB).toFixed(2)} GiB, ${(done / 1e6 / seconds).toFixed(0)} MB/s`);
      next += 512 * MIB;
    }
    yield chunk;
  }
}

function readMemory(): MemorySample {
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, external, arrayBuffers };
}

/**
 * Resets the kernel's peak RSS of this process to its current RSS (Linux 4.0 and later).
 * Returns false where /proc/self/clear_refs is missing or not writable.
 */
function resetKernelPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

function readKernelPeakRss(): number | undefined {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
}

/**
 * Verifies the image as the SignedImage controller does and reports memory. Connecting,
 * reading the image record and fetching the certificate happen before the baseline, so the
 * baseline is a process ready to download and the growth comes from the download alone.
 */
async function runChild(job: ChildJob): Promise<ChildReport> {
  const { glance, barbican } = await connect(readFileSync(job.cloudsYamlPath, 'utf8'), job.cloud);
  const image = await glance.getImage(job.imageId);
  const pem = (await barbican.getPayload(job.secretId)).toString('utf8');
  const parsed = parseCertificatePem(pem, `Barbican secret ${job.secretId}`);
  if (!parsed.ok) {
    throw new Error(parsed.message);
  }

  const verifier = new ImageVerifier();
  const kernelPeakReset = resetKernelPeakRss();
  const baseline = readMemory();
  const peak: Record<keyof MemorySample, number> = { ...baseline };
  let samples = 0;
  const sample = (): void => {
    const current = readMemory();
    samples++;
    peak.rss = Math.max(peak.rss, current.rss);
    peak.heapUsed = Math.max(peak.heapUsed, current.heapUsed);
    peak.external = Math.max(peak.external, current.external);
    peak.arrayBuffers = Math.max(peak.arrayBuffers, current.arrayBuffers);
  };
  const timer = setInterval(sample, SAMPLE_INTERVAL_MS);

  const start = process.hrtime.bigint();
  const output = await verifier
    .verify({
      glance,
      image,
      signature: {
        value: job.signature.img_signature,
        hashMethod: job.signature.img_signature_hash_method,
        keyType: job.signature.img_signature_key_type,
      },
      certificate: { secretId: job.secretId, certificate: parsed.certificate, pem, stored: false },
      trusted: undefined,
    })
    .finally(() => clearInterval(timer));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  sample();
  const kernelPeakRss = kernelPeakReset ? readKernelPeakRss() : undefined;
  globalThis.gc?.();
  const afterGc = globalThis.gc === undefined ? undefined : readMemory();

  return {
    baseline,
    peak,
    samples,
    ...(kernelPeakRss === undefined ? {} : { kernelPeakRss }),
    ...(afterGc === undefined ? {} : { afterGc }),
    seconds,
    bytesRead: output.result.bytesRead,
    verified: output.result.verified,
    message: output.result.message,
  };
}

/**
 * Reads the operator container's NODE_OPTIONS from the Deployment manifest, so the child runs
 * with the same V8 flags as the deployed operator.
 */
function deployedNodeOptions(): string {
  const manifest = new URL('../deploy/base/deployment.yaml', import.meta.url);
  const deployment = load(readFileSync(manifest, 'utf8')) as {
    spec?: {
      template?: {
        spec?: { containers?: { name?: string; env?: { name?: string; value?: string }[] }[] };
      };
    };
  };
  const containers = deployment.spec?.template?.spec?.containers ?? [];
  const operator = containers.find((container) => container.name === 'operator');
  const value = operator?.env?.find((variable) => variable.name === 'NODE_OPTIONS')?.value;
  if (value === undefined) {
    throw new Error(
      `${fileURLToPath(manifest)} sets no NODE_OPTIONS value for the operator container; ` +
        'restore it or update this benchmark',
    );
  }
  return value;
}

/**
 * Starts this script again in a fresh Node process, with the same loader flags and the deployed
 * NODE_OPTIONS, in child mode. --expose-gc only makes gc() callable, and the child calls it
 * once, after the download.
 */
async function verifyInChild(job: ChildJob, nodeOptions: string): Promise<ChildReport> {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(
    process.execPath,
    [...process.execArgv, '--expose-gc', script, '--child', JSON.stringify(job)],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: nodeOptions } },
  );
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text: string) => {
    stdout += text;
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) {
    throw new Error(`the verifying child process exited with code ${code}; its stderr is above`);
  }
  const line = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as ChildReport;
}

/**
 * Downloads the image with curl into /dev/null and returns the wall time in seconds, process
 * start included. The token goes to curl on stdin, so it never shows in the process list.
 */
function curlDownload(url: string, token: string, size: number): number {
  const config = `url = "${url}"\nheader = "X-Auth-Token: ${token}"\n`;
  const start = process.hrtime.bigint();
  const result = spawnSync(
    'curl',
    ['-sS', '--fail', '-o', '/dev/null', '-w', '%{size_download}', '--config', '-'],
    { input: config, encoding: 'utf8' },
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.error !== undefined) {
    throw new Error(`curl could not be started (${result.error.message}); install curl`);
  }
  if (result.status !== 0 || Number(result.stdout) !== size) {
    throw new Error(
      `curl ${url} exited with ${result.status} after ${result.stdout} of ${size} bytes: ${result.stderr}`,
    );
  }
  return seconds;
}

/** Throws unless Glance's file store has room for the image and a margin. */
function checkDiskSpace(lab: LabEnv, size: number): void {
  const storeDir = `${lab.glanceConfigDir}/images`;
  const stats = statfsSync(storeDir);
  const free = stats.bavail * stats.bsize;
  if (free < size + DISK_MARGIN_BYTES) {
    throw new Error(
      `${storeDir} has ${(free / GIB).toFixed(1)} GiB free, but the image needs ` +
        `${(size / GIB).toFixed(1)} GiB plus ${DISK_MARGIN_BYTES / GIB} GiB to spare; ` +
        'free disk space or pass a smaller --size-gib',
    );
  }
  log(`${storeDir}: ${(free / GIB).toFixed(1)} GiB free`);
}

function parseSize(text: string): number {
  const gib = Number(text);
  if (!Number.isFinite(gib) || gib <= 0) {
    throw new Error(
      `--size-gib ${JSON.stringify(text)} is invalid; pass a positive number, e.g. 4`,
    );
  }
  return Math.round(gib * GIB);
}

const mib = (bytes: number): string => (bytes / MIB).toFixed(1);
const mbps = (bytes: number, seconds: number): string => (bytes / 1e6 / seconds).toFixed(0);

function renderMarkdown(
  size: number,
  sizeText: string,
  nodeOptions: string,
  report: ChildReport,
  curlSeconds: readonly number[],
  load: { before: number; after: number },
  elapsedSeconds: number,
): string {
  const { baseline, peak } = report;
  const growth = peak.rss - baseline.rss;
  const curlMean = curlSeconds.reduce((sum, value) => sum + value, 0) / curlSeconds.length;
  const afterGc = report.afterGc;
  const memoryRow = (name: keyof MemorySample): string =>
    `| ${name} | ${mib(baseline[name])} | ${mib(peak[name])} | ` +
    `${mib(peak[name] - baseline[name])} | ${afterGc === undefined ? 'n/a' : mib(afterGc[name])} |`;
  const kernelRow =
    report.kernelPeakRss === undefined
      ? []
      : [
          `| rss, kernel peak (VmHWM) | ${mib(baseline.rss)} | ${mib(report.kernelPeakRss)} | ` +
            `${mib(report.kernelPeakRss - baseline.rss)} | n/a |`,
        ];
  const verdict = growth < GROWTH_TARGET_BYTES ? 'under' : 'over';

  return [
    '## Memory while verifying an image streamed from Glance',
    '',
    `${(size / GIB).toFixed(2)} GiB of pseudo-random data (AES-128-CTR keystream) in the ` +
      "OpenStack lab's Glance (file store, uwsgi with one worker, on 127.0.0.1), RSA-3072 " +
      `RSA-PSS with ${HASH_METHOD}. A fresh Node process connects as admin, reads the image ` +
      'record and the certificate from Barbican, then verifies with the SignedImage ' +
      "controller's ImageVerifier (GET /v2/images/{id}/file streamed into verifyImageStream), " +
      `with the Deployment's NODE_OPTIONS (\`${nodeOptions}\`). ` +
      `process.memoryUsage() sampled every ${SAMPLE_INTERVAL_MS} ms (${report.samples} samples); ` +
      'baseline is the reading just before the download. Made by ' +
      `\`node --import tsx bench/verify-memory.ts --size-gib ${sizeText}\` on ` +
      `${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores, ` +
      `${(totalmem() / GIB).toFixed(0)} GiB RAM, 1-minute load average ${load.before.toFixed(1)} ` +
      `before and ${load.after.toFixed(1)} after), Node ${process.versions.node}. The whole run, ` +
      `upload included, took ${(elapsedSeconds / 60).toFixed(1)} minutes.`,
    '',
    '| memory | baseline, MiB | peak, MiB | growth, MiB | after the download and gc(), MiB |',
    '|---|---|---|---|---|',
    memoryRow('rss'),
    ...kernelRow,
    memoryRow('heapUsed'),
    memoryRow('external'),
    memoryRow('arrayBuffers'),
    '',
    `RSS growth ${mib(growth)} MiB is ${verdict} the ${mib(GROWTH_TARGET_BYTES)} MiB target. ` +
      'Buffers that were read and dropped still count in external and arrayBuffers until V8 ' +
      'collects them, so the last column, read after one gc() call, shows how much of the peak ' +
      'was such garbage.',
    '',
    '| download | seconds | MB/s | time vs curl (mean) |',
    '|---|---|---|---|',
    `| operator: ImageVerifier, verified=${report.verified} | ${report.seconds.toFixed(2)} | ` +
      `${mbps(report.bytesRead, report.seconds)} | ${(report.seconds / curlMean).toFixed(2)}x |`,
    ...curlSeconds.map(
      (seconds, index) =>
        `| curl -s -o /dev/null, ${index === 0 ? 'before' : 'after'} | ${seconds.toFixed(2)} | ` +
        `${mbps(size, seconds)} | ${(seconds / curlMean).toFixed(2)}x |`,
    ),
    '',
    "curl's time includes process start. Both read the same Glance URL with the same token.",
    '',
  ].join('\n');
}

/** Signs and uploads the image, runs curl and the child, and returns the markdown section. */
async function runBenchmark(
  clients: OpenStackClients,
  lab: LabEnv,
  size: number,
  sizeText: string,
  created: { imageId?: string; secretId?: string },
): Promise<string> {
  const started = process.hrtime.bigint();
  const nodeOptions = deployedNodeOptions();
  const generated = generateSigningKey({
    keyType: 'RSA-PSS',
    rsaBits: 3072,
    subject: 'CN=verify-memory benchmark',
    days: 1,
  });
  const privateKey = createPrivateKey(generated.privateKeyPem);
  const key = randomBytes(16);
  const iv = randomBytes(16);

  // Signing before the upload lets Glance check the signature with cursive as it reads the data.
  const signature = await signStream(
    Readable.from(withProgress(keystream(size, key, iv), 'sign', size)),
    privateKey,
    HASH_METHOD,
  );
  const secret = await clients.barbican.storeCertificate(
    'verify-memory-benchmark',
    generated.certificatePem,
  );
  created.secretId = secret.id;
  const image = await clients.glance.createImage({
    name: 'verify-memory-benchmark',
    disk_format: 'raw',
    container_format: 'bare',
    visibility: 'private',
    ...signature,
    img_signature_certificate_uuid: secret.id,
  });
  created.imageId = image.id;
  log(`created image ${image.id} and Barbican secret ${secret.id}; uploading`);
  await clients.glance.uploadData(
    image.id,
    Readable.from(withProgress(keystream(size, key, iv), 'upload', size)),
    { size, timeoutMs: UPLOAD_TIMEOUT_MS },
  );
  const uploaded = await clients.glance.getImage(image.id);
  if (uploaded.status !== 'active' || uploaded.size !== size) {
    throw new Error(
      `image ${image.id} is ${uploaded.status} with ${uploaded.size} bytes after the upload, ` +
        `expected active with ${size}; read the Glance log under ${lab.stateDir}/logs`,
    );
  }

  const imageEndpoint = (await clients.session.endpoint('image')).replace(/\/v2(\.\d+)?\/?$/, '');
  const url = `${imageEndpoint}/v2/images/${image.id}/file`;
  // In a trial 4 GiB run the first download after the upload took 4 times as long as a later one,
  // probably because the kernel was still writing the new file back. So one untimed run goes first.
  log('curl download, untimed');
  curlDownload(url, await clients.session.token(), size);
  const loadBefore = loadavg()[0] ?? 0;
  log('curl download 1 of 2');
  const curlBefore = curlDownload(url, await clients.session.token(), size);
  log('operator verification in a child process');
  const report = await verifyInChild(
    {
      cloudsYamlPath: lab.cloudsYamlPath,
      cloud: lab.admin.cloud,
      imageId: image.id,
      secretId: secret.id,
      signature,
    },
    nodeOptions,
  );
  if (!report.verified || report.bytesRead !== size) {
    throw new Error(`verification failed after ${report.bytesRead} bytes: ${report.message}`);
  }
  log('curl download 2 of 2');
  const curlAfter = curlDownload(url, await clients.session.token(), size);
  const loadAfter = loadavg()[0] ?? 0;

  const elapsedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  return renderMarkdown(
    size,
    sizeText,
    nodeOptions,
    report,
    [curlBefore, curlAfter],
    { before: loadBefore, after: loadAfter },
    elapsedSeconds,
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'size-gib': { type: 'string', default: '4' }, child: { type: 'string' } },
  });
  if (values.child !== undefined) {
    const report = await runChild(JSON.parse(values.child) as ChildJob);
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }

  const size = parseSize(values['size-gib']);
  log('starting the OpenStack lab unless it is running');
  const lab = await ensureLab();
  checkDiskSpace(lab, size);
  const clients = await connect(readFileSync(lab.cloudsYamlPath, 'utf8'), lab.admin.cloud);
  const created: { imageId?: string; secretId?: string } = {};
  try {
    process.stdout.write(await runBenchmark(clients, lab, size, values['size-gib'], created));
  } finally {
    if (created.imageId !== undefined) {
      await clients.glance.deleteImage(created.imageId);
      log(`deleted image ${created.imageId}`);
    }
    if (created.secretId !== undefined) {
      await clients.barbican.deleteSecret(created.secretId);
      log(`deleted Barbican secret ${created.secretId}`);
    }
  }
}

await main();
