import type { Command } from 'commander';
import { renderCommand } from './render.js';
import { validateCommand } from './validate.js';

/** Adds every subcommand to the program. Each command module exports one factory. */
export function registerCommands(program: Command): void {
  program.addCommand(renderCommand());
  program.addCommand(validateCommand());
}
