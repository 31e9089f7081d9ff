#!/usr/bin/env node
// Entry point of the image-security-operator executable: one subcommand per task.
import { Command } from 'commander';
import { registerCommands } from './commands/index.js';

const program = new Command('image-security-operator')
  .description('Keeps an OpenStack image service (Glance) secure as declared Kubernetes state.')
  .showHelpAfterError();

registerCommands(program);

await program.parseAsync(process.argv);
