import type { Command } from 'commander';
import { auditCommand } from './audit.js';
import { diffCommand } from './diff.js';
import { keygenCommand } from './keygen.js';
import { renderCommand } from './render.js';
import { runCommand } from './run.js';
import { signCommand } from './sign.js';
import { validateCommand } from './validate.js';
import { verifyCommand } from './verify.js';

/** Adds every subcommand to the program. Each command module exports one factory. */
export function registerCommands(program: Command): void {
  program.addCommand(runCommand());
  program.addCommand(renderCommand());
  program.addCommand(validateCommand());
  program.addCommand(diffCommand());
  program.addCommand(signCommand());
  program.addCommand(verifyCommand());
  program.addCommand(keygenCommand());
  program.addCommand(auditCommand());
}
