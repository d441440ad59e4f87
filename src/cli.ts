#!/usr/bin/env node
import { runArchiveCommand } from './cli/archive.js';
import { runAuditCommand } from './cli/audit.js';
import { runDemo } from './cli/demo.js';
import { runRedactCommand } from './cli/redact.js';

const USAGE = `usage: otel-logkit <command>

commands:
  demo            run a small simulated service through the full pipeline and summarise what happened
  redact [file]   redact newline-delimited JSON (a file, or stdin) to stdout with the configured rules
  audit verify    check an audit stream read back from the file output, Loki or Elasticsearch/OpenSearch
  archive get     fetch an archived payload by its reference and check its hash
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'demo':
      await runDemo({ out: process.stdout });
      return 0;
    case 'redact':
      return runRedactCommand(args, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env });
    case 'audit':
      return runAuditCommand(args, { stdout: process.stdout, stderr: process.stderr });
    case 'archive':
      return runArchiveCommand(args, { stdout: process.stdout, stderr: process.stderr, env: process.env });
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
