// Runs the sign, verify and keygen commands alone, so tests can check output and exit codes.
import { Command } from 'commander';
import { keygenCommand } from '../../../src/cli/commands/keygen.js';
import { signCommand } from '../../../src/cli/commands/sign.js';
import { verifyCommand } from '../../../src/cli/commands/verify.js';

const program = new Command('image-security-operator');
program.addCommand(signCommand()).addCommand(verifyCommand()).addCommand(keygenCommand());
await program.parseAsync(process.argv);
