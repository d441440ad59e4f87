#!/usr/bin/env node
import { runCollectorCommand } from './cli/collector.js';
import { runDemo } from './cli/demo.js';
import { runRedactCommand } from './cli/redact.js';

const USAGE = `usage: otel-logkit <command>

commands:
  demo            run a small simulated service through the full pipeline and summarise what happened
  redact [file]   redact newline-delimited JSON (a file, or stdin) to stdout with the configured rules
  collector       receive OTLP/HTTP logs (OTEL_LOGKIT_COLLECTOR_ENDPOINT) and run them through the pipeline
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'demo':
      await runDemo({ out: process.stdout });
      return 0;
    case 'redact':
      return runRedactCommand(args, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env });
    case 'collector':
      return runCollectorCommand({ stdout: process.stdout, stderr: process.stderr, env: process.env });
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`otel-logkit: unknown command ${command}\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`otel-logkit: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
