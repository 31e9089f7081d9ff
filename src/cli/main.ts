#!/usr/bin/env node
// Entry point of the image-security-operator executable: one subcommand per task.
import { Command } from 'commander';
import { ManifestError } from '../manifests/load.js';
import { registerCommands } from './commands/index.js';
import { EXIT } from './output.js';

const program = new Command('image-security-operator')
  .description('Keeps an OpenStack image service (Glance) secure as declared Kubernetes state.')
  .showHelpAfterError();

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof ManifestError)) {
    throw error;
  }
  process.stderr.write(`error: ${error.message}\n`);
  process.exitCode = EXIT.usage;
}
