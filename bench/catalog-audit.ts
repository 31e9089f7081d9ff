// Measures one audit pass of published images over a large Glance catalog: the operator's
// listPublishedImages and auditImages, against the same paginated GET sequence sent by curl
// from a bash loop, and against `openstack image list --public --long`. 3 rounds each, median
// reported. Run with `node --import tsx bench/catalog-audit.ts [--images 10000] [--rounds 3]`.
// It prints a markdown section to stdout and progress to stderr.
//
// Needs bash, curl, jq, /usr/bin/openstack and the OpenStack lab's packages
// (hack/openstack-lab/install.sh). The seeded images would disturb the tests that share the
// default lab, so the benchmark uses its own lab in OSLAB_STATE_DIR, by default
// ~/.cache/image-security-operator/openstack-lab-auditbench. It starts that lab, seeds the
// missing images (records only, status queued), leaves them in place so that a rerun skips the
// seeding, and stops the lab at the end. Seeding 10,000 images through the Glance API took
// 12 minutes (about 13 images/s) on a loaded 2-core machine, and a seeded run takes about 2.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, homedir, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { load } from 'js-yaml';
import type { PublishedImages } from '../src/api/published-images.js';
import { auditImages } from '../src/catalog/audit.js';
import { listPublishedImages } from '../src/catalog/list.js';
import { connect, type GlanceClient } from '../src/openstack/index.js';
import { ensureLab, stopLab, type LabEnv } from '../test/harness/openstack.js';

const MIB = 1024 * 1024;
const SEED_PROPERTY = 'bench_seed';
const SEED_VALUE = 'catalog-audit';
const NAME_PREFIX = 'catalog-audit-bench-';
const SEED_CONCURRENCY = 16;
const RSS_SAMPLE_INTERVAL_MS = 50;
/** Target: the operator's pass takes at most this multiple of the curl sequence's time. */
const TARGET_RATIO = 1.5;
const DEFAULT_STATE_DIR = path.join(
  homedir(),
  '.cache',
  'image-security-operator',
  'openstack-lab-auditbench',
);
/** Distribution names cycled through the image names, so that name globs match some of them. */
const DISTROS = ['ubuntu-24.04', 'debian-12', 'rocky-9', 'fedora-41', 'custom-app'] as const;
/** Positions within each 100 images that are os_hidden: 3 public and 1 community of 85. */
const HIDDEN_POSITIONS = new Set([3, 23, 43, 63]);

type Visibility = 'public' | 'community' | 'private' | 'shared';

/** Fields of seeded image `index`. The same index always gives the same image. */
interface SeedImage {
  readonly name: string;
  readonly visibility: Visibility;
  readonly hidden: boolean;
  readonly ownerIndex: number;
  readonly tags: readonly string[];
}

/** Result that the auditing child process writes to stdout as one JSON line. */
interface ChildReport {
  readonly seconds: number;
  readonly listed: number;
  readonly audited: number;
  readonly compliant: number;
  /** Highest process.memoryUsage().rss of the 50 ms samples, in bytes. */
  readonly sampledPeakRss: number;
  /** Kernel peak RSS (VmHWM) of the whole child process, in bytes. */
  readonly kernelPeakRss?: number;
}

/** Input of the auditing child process. It contains no secret, because the child reads clouds.yaml. */
interface ChildJob {
  readonly cloudsYamlPath: string;
  readonly cloud: string;
  readonly config: PublishedImages;
}

interface Timing {
  readonly seconds: number;
  readonly listed: number;
}

function log(message: string): void {
  process.stderr.write(`[catalog-audit ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/**
 * Returns the fields of seeded image `index`: per 100 images 60 public, 25 community, 8 private
 * and 7 shared, with 4 of the 85 published ones os_hidden.
 */
function seedImage(index: number): SeedImage {
  const position = index % 100;
  let visibility: Visibility = 'shared';
  if (position < 60) {
    visibility = 'public';
  } else if (position < 85) {
    visibility = 'community';
  } else if (position < 93) {
    visibility = 'private';
  }
  const distro = DISTROS[index % DISTROS.length] ?? 'custom-app';
  return {
    name: `${NAME_PREFIX}${distro}-${String(index).padStart(6, '0')}`,
    visibility,
    hidden: HIDDEN_POSITIONS.has(position),
    ownerIndex: index % 3,
    tags: index % 10 === 0 ? ['golden'] : [],
  };
}

/** Project ids that own the seeded images, cycled by index. */
function ownerProjects(lab: LabEnv): readonly string[] {
  return [lab.admin.projectId, lab.member.projectId, lab.otherMember.projectId];
}

/** Allow-lists that cover part of the seeded images, as an operator's policy would. */
function allowList(lab: LabEnv): PublishedImages {
  return {
    public: [
      { owners: [lab.admin.projectId], namePatterns: [`${NAME_PREFIX}ubuntu-*`] },
      { owners: [lab.admin.projectId], namePatterns: [`${NAME_PREFIX}debian-*`] },
      { owners: [lab.member.projectId], tags: ['golden'] },
    ],
    community: [{ namePatterns: [`${NAME_PREFIX}rocky-?-*`, `${NAME_PREFIX}fedora-*`] }],
  };
}

/** Returns the names of the seeded images already in Glance, hidden ones included. */
async function existingSeedNames(glance: GlanceClient): Promise<Set<string>> {
  const names = new Set<string>();
  for (const hidden of [false, true]) {
    const filters = {
      visibility: 'all',
      [SEED_PROPERTY]: SEED_VALUE,
      ...(hidden ? { os_hidden: true } : {}),
    };
    for await (const image of glance.listImages(filters)) {
      if (image.name !== null) {
        names.add(image.name);
      }
    }
  }
  return names;
}

/** Creates the seeded images that are missing, SEED_CONCURRENCY at a time, as admin. */
async function seedImages(glance: GlanceClient, lab: LabEnv, count: number): Promise<void> {
  const existing = await existingSeedNames(glance);
  const missing: number[] = [];
  for (let index = 0; index < count; index++) {
    if (!existing.has(seedImage(index).name)) {
      missing.push(index);
    }
  }
  log(`${existing.size} seeded images found, ${missing.length} to create`);
  if (missing.length === 0) {
    return;
  }

  const owners = ownerProjects(lab);
  const started = performance.now();
  let created = 0;
  let cursor = 0;
  const worker = async (): Promise<void> => {
    while (cursor < missing.length) {
      const index = missing[cursor++] as number;
      const image = seedImage(index);
      await glance.createImage({
        name: image.name,
        visibility: image.visibility,
        os_hidden: image.hidden,
        owner: owners[image.ownerIndex],
        tags: image.tags,
        disk_format: 'raw',
        container_format: 'bare',
        [SEED_PROPERTY]: SEED_VALUE,
      });
      created += 1;
      if (created % 500 === 0 || created === missing.length) {
        const rate = created / ((performance.now() - started) / 1000);
        log(`seeded ${created} of ${missing.length} (${rate.toFixed(0)} images/s)`);
      }
    }
  };
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, worker));
}

/** Number of seeded images that are public or community, the ones an audit pass must list. */
function expectedPublished(count: number): number {
  let published = 0;
  for (let index = 0; index < count; index++) {
    const { visibility } = seedImage(index);
    published += visibility === 'public' || visibility === 'community' ? 1 : 0;
  }
  return published;
}

/**
 * The baseline: the four listings of listPublishedImages as a bash loop of curl and jq calls.
 * The token is read from a header file, so it never shows in a process list.
 */
const CURL_SCRIPT = String.raw`
set -euo pipefail
glance=$1
header_file=$2
total=0
for filter in 'visibility=public' 'visibility=public&os_hidden=true' \
  'visibility=community' 'visibility=community&os_hidden=true'; do
  next="/v2/images?$filter&limit=1000"
  while [ -n "$next" ]; do
    page=$(curl -sS --fail -H "@$header_file" -H 'Accept: application/json' "$glance$next")
    total=$((total + $(jq '.images | length' <<<"$page")))
    next=$(jq -r '.next // empty' <<<"$page")
  done
done
echo "$total"
`;

function runCurlSequence(glanceUrl: string, headerFile: string): Timing {
  const start = process.hrtime.bigint();
  const result = spawnSync('bash', ['-c', CURL_SCRIPT, 'curl-sequence', glanceUrl, headerFile], {
    encoding: 'utf8',
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) {
    throw new Error(
      `the curl sequence exited with ${result.status ?? result.signal}: ${result.stderr.trim()}`,
    );
  }
  return { seconds, listed: Number(result.stdout.trim()) };
}

/**
 * Runs the vendor's listing command. It lists public images only, without the community ones,
 * and without the os_hidden ones, because Glance leaves those out unless the query sets
 * os_hidden=true, which the command does not.
 */
function runOpenStackCli(lab: LabEnv): Timing {
  const start = process.hrtime.bigint();
  const result = spawnSync(
    '/usr/bin/openstack',
    ['image', 'list', '--public', '--long', '-f', 'value', '-c', 'ID'],
    {
      encoding: 'utf8',
      maxBuffer: 64 * MIB,
      env: { ...process.env, OS_CLIENT_CONFIG_FILE: lab.cloudsYamlPath, OS_CLOUD: lab.admin.cloud },
    },
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.error !== undefined) {
    throw new Error(`/usr/bin/openstack could not be started (${result.error.message})`);
  }
  if (result.status !== 0) {
    throw new Error(`openstack image list exited with ${result.status}: ${result.stderr.trim()}`);
  }
  return { seconds, listed: result.stdout.split('\n').filter((line) => line !== '').length };
}

/** Reads the kernel's peak RSS (VmHWM) of this process, in bytes. */
function readKernelPeakRss(): number | undefined {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
}

/**
 * Runs one audit pass in this process, the child. Authentication and the catalog lookup
 * happen before the clock starts, as the curl sequence also starts with a token.
 */
async function runChild(job: ChildJob): Promise<ChildReport> {
  const { session, glance } = await connect(readFileSync(job.cloudsYamlPath, 'utf8'), job.cloud);
  await session.token();
  await session.endpoint('image');

  let sampledPeakRss = process.memoryUsage().rss;
  const timer = setInterval(() => {
    sampledPeakRss = Math.max(sampledPeakRss, process.memoryUsage().rss);
  }, RSS_SAMPLE_INTERVAL_MS);
  const start = process.hrtime.bigint();
  let images;
  let audits;
  try {
    images = await listPublishedImages(glance);
    audits = auditImages(job.config, images);
  } finally {
    clearInterval(timer);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  sampledPeakRss = Math.max(sampledPeakRss, process.memoryUsage().rss);
  const kernelPeakRss = readKernelPeakRss();
  return {
    seconds,
    listed: images.length,
    audited: audits.length,
    compliant: audits.filter((audit) => audit.compliant).length,
    sampledPeakRss,
    ...(kernelPeakRss === undefined ? {} : { kernelPeakRss }),
  };
}

/** Reads the operator container's NODE_OPTIONS, so the child runs with the deployed V8 flags. */
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

/** Starts this script again in a fresh Node process in child mode and returns its report. */
async function auditInChild(job: ChildJob, nodeOptions: string): Promise<ChildReport> {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(
    process.execPath,
    [...process.execArgv, script, '--child', JSON.stringify(job)],
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
    throw new Error(`the auditing child process exited with code ${code}; its stderr is above`);
  }
  const line = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as ChildReport;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function parsePositiveInteger(option: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${option} ${JSON.stringify(text)} is invalid; pass a positive integer`);
  }
  return value;
}

interface Results {
  readonly images: number;
  readonly rounds: number;
  readonly published: number;
  readonly nodeOptions: string;
  readonly curl: readonly Timing[];
  readonly operator: readonly ChildReport[];
  readonly cli: readonly Timing[];
  readonly load: { readonly before: number; readonly after: number };
}

const mib = (bytes: number): string => (bytes / MIB).toFixed(1);
const secondsText = (values: readonly number[]): string =>
  values.map((value) => value.toFixed(2)).join(', ');

function renderMarkdown(results: Results): string {
  const curlMedian = median(results.curl.map((run) => run.seconds));
  const operatorMedian = median(results.operator.map((run) => run.seconds));
  const cliMedian = median(results.cli.map((run) => run.seconds));
  const ratio = operatorMedian / curlMedian;
  const sampledPeak = Math.max(...results.operator.map((run) => run.sampledPeakRss));
  const kernelPeaks = results.operator.flatMap((run) =>
    run.kernelPeakRss === undefined ? [] : [run.kernelPeakRss],
  );
  const kernelPeak = kernelPeaks.length === 0 ? undefined : Math.max(...kernelPeaks);
  const first = results.operator[0];
  const listedText = (runs: readonly { listed: number }[]): string =>
    [...new Set(runs.map((run) => run.listed))].join(' / ');
  const peakText =
    `${mib(sampledPeak)} MiB sampled` +
    (kernelPeak === undefined ? '' : `, ${mib(kernelPeak)} MiB VmHWM`);

  return [
    '## One audit pass of published images over a large catalog',
    '',
    `${results.images} image records (no data, status queued) in the OpenStack lab's Glance ` +
      '(Debian 12 packages, sqlite, uwsgi with one worker and one thread, on 127.0.0.1), ' +
      `owned by 3 projects: per 100, 60 public, 25 community, 8 private and 7 shared, with 4 of ` +
      `the 85 published ones os_hidden. ${results.published} images are public or community. ` +
      `Made by \`node --import tsx bench/catalog-audit.ts --images ${results.images}\` on ` +
      `${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores, ` +
      `${(totalmem() / (1024 * MIB)).toFixed(0)} GiB RAM, shared with other work, 1-minute ` +
      `load average ${results.load.before.toFixed(1)} before and ${results.load.after.toFixed(1)} ` +
      `after), Node ${process.versions.node}. Median of ${results.rounds} rounds, each running ` +
      'the three in turn.',
    '',
    '| listing | median s | rounds, s | images listed | time vs curl | peak RSS |',
    '|---|---|---|---|---|---|',
    `| curl + jq in a bash loop: 4 listings, pages of 1000 | ${curlMedian.toFixed(2)} | ` +
      `${secondsText(results.curl.map((run) => run.seconds))} | ${listedText(results.curl)} | ` +
      '1.00x | n/a |',
    `| operator: listPublishedImages + auditImages | ${operatorMedian.toFixed(2)} | ` +
      `${secondsText(results.operator.map((run) => run.seconds))} | ` +
      `${listedText(results.operator)} | ${ratio.toFixed(2)}x | ${peakText} |`,
    `| \`openstack image list --public --long\` | ${cliMedian.toFixed(2)} | ` +
      `${secondsText(results.cli.map((run) => run.seconds))} | ${listedText(results.cli)} | ` +
      `${(cliMedian / curlMedian).toFixed(2)}x | n/a |`,
    '',
    `The operator's pass took ${ratio.toFixed(2)}x the curl sequence's time, ` +
      `${ratio <= TARGET_RATIO ? 'within' : 'over'} the target of ${TARGET_RATIO.toFixed(1)}x. ` +
      `It audited ${first?.audited ?? 0} images, of which the allow-lists allowed ` +
      `${first?.compliant ?? 0}.`,
    '',
    'All three read the same Glance as admin. curl and the operator send the same four ' +
      'listings (public and community, each with and without os_hidden=true, limit=1000, ' +
      "following `next`). curl's time includes starting bash, curl and jq for each page, but " +
      'not getting the token. The operator runs in a fresh Node process with the ' +
      `Deployment's NODE_OPTIONS (\`${results.nodeOptions}\`), which authenticates before the ` +
      'clock starts. Its time covers listing, sorting and auditing. Its peak RSS is shown ' +
      `twice: the highest process.memoryUsage().rss sampled every ${RSS_SAMPLE_INTERVAL_MS} ms ` +
      "during the pass, and the kernel's VmHWM of the whole child process, start-up included. " +
      '`openstack image list --public --long` lists public images only, so it misses the ' +
      'community and os_hidden ones that an audit must see, and its time includes Python ' +
      'start-up and authentication.',
    '',
  ].join('\n');
}

/** Seeds the lab and runs every round; returns the markdown section. */
async function runBenchmark(lab: LabEnv, images: number, rounds: number): Promise<string> {
  const { session, glance } = await connect(readFileSync(lab.cloudsYamlPath, 'utf8'), 'admin');
  await seedImages(glance, lab, images);
  const published = expectedPublished(images);
  const nodeOptions = deployedNodeOptions();
  const job: ChildJob = {
    cloudsYamlPath: lab.cloudsYamlPath,
    cloud: lab.admin.cloud,
    config: allowList(lab),
  };

  const tempDir = mkdtempSync(path.join(tmpdir(), 'catalog-audit-'));
  const headerFile = path.join(tempDir, 'headers');
  const curl: Timing[] = [];
  const operator: ChildReport[] = [];
  const cli: Timing[] = [];
  const loadBefore = loadavg()[0] ?? 0;
  try {
    for (let round = 1; round <= rounds; round++) {
      writeFileSync(headerFile, `X-Auth-Token: ${await session.token()}\n`, { mode: 0o600 });
      log(`round ${round} of ${rounds}: curl sequence`);
      curl.push(runCurlSequence(lab.glanceUrl, headerFile));
      log(`round ${round} of ${rounds}: operator audit pass`);
      operator.push(await auditInChild(job, nodeOptions));
      log(`round ${round} of ${rounds}: openstack image list --public --long`);
      cli.push(runOpenStackCli(lab));
      log(
        `round ${round}: curl ${curl.at(-1)?.seconds.toFixed(2)} s, operator ` +
          `${operator.at(-1)?.seconds.toFixed(2)} s, openstack ${cli.at(-1)?.seconds.toFixed(2)} s`,
      );
    }
  } finally {
    rmSync(tempDir, { recursive: true, force: true });
  }
  const loadAfter = loadavg()[0] ?? 0;

  for (const run of [...curl, ...operator]) {
    if (run.listed < published) {
      throw new Error(
        `a listing returned ${run.listed} images, but ${published} seeded images are public ` +
          'or community; check that the lab lists queued images to admin',
      );
    }
  }
  return renderMarkdown({
    images,
    rounds,
    published,
    nodeOptions,
    curl,
    operator,
    cli,
    load: { before: loadBefore, after: loadAfter },
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      images: { type: 'string', default: '10000' },
      rounds: { type: 'string', default: '3' },
      child: { type: 'string' },
    },
  });
  if (values.child !== undefined) {
    const report = await runChild(JSON.parse(values.child) as ChildJob);
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }

  const images = parsePositiveInteger('--images', values.images);
  const rounds = parsePositiveInteger('--rounds', values.rounds);
  const stateDir = process.env.OSLAB_STATE_DIR ?? DEFAULT_STATE_DIR;
  log(`starting the OpenStack lab in ${stateDir} unless it is running`);
  const lab = await ensureLab(stateDir);
  try {
    process.stdout.write(await runBenchmark(lab, images, rounds));
  } finally {
    log(`stopping the OpenStack lab in ${stateDir}; the seeded images stay for the next run`);
    await stopLab(stateDir);
  }
}

await main();
