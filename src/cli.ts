#!/usr/bin/env node
import { runDemo } from './cli/demo.js';
import { runRedactCommand } from './cli/redact.js';

const USAGE = `usage: otel-logkit <command>

commands:
  demo            run a small simulated service through the full pipeline and summarise what happened
  redact [file]   redact newline-delimited JSON (a file, or stdin) to stdout with the configured rules
  view <id> ...   one request's records across services, from the file output, Loki or Elasticsearch
  doctor          check the configuration and probe every configured destination
  dead-letter     list | show <file> | replay [--destination <name>]: the batches backends refused
  audit verify    check an audit stream read back from the file output, Loki or Elasticsearch/OpenSearch
  archive get     fetch an archived payload by its reference and check its hash
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
    // Every command but demo and redact is loaded when asked for (their own chunks): the other commands start without them.
    case 'view':
      return (await import('./cli/view/command.js')).runViewCommand(args, { stdout: process.stdout, stderr: process.stderr, env: process.env });
    case 'doctor':
      return (await import('./cli/doctor/command.js')).runDoctorCommand(args, { stdout: process.stdout, stderr: process.stderr, env: process.env });
    case 'dead-letter':
      return (await import('./cli/dead-letter.js')).runDeadLetterCommand(args, { stdout: process.stdout, stderr: process.stderr, env: process.env });
    case 'audit':
      return (await import('./cli/audit.js')).runAuditCommand(args, { stdout: process.stdout, stderr: process.stderr });
    case 'archive':
      return (await import('./cli/archive.js')).runArchiveCommand(args, { stdout: process.stdout, stderr: process.stderr, env: process.env });
    case 'collector':
      return (await import('./cli/collector.js')).runCollectorCommand({ stdout: process.stdout, stderr: process.stderr, env: process.env });
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
