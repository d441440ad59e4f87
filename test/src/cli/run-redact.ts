/**
 * `otel-logkit redact` for the CLI tests: the same call `src/cli.ts` makes, without loading the rest
 * of the CLI (the demo and every exporter), so a test process starts fast.
 */
import { runRedactCommand } from '../../../src/cli/redact.js';

runRedactCommand(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env }).then((code) => {
  process.exitCode = code;
});
