#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_USAGE, runDemo } from './cli/demo.js';
import { runRedactCommand } from './cli/redact.js';
import { LogkitError } from './core/errors.js';

const USAGE = `usage: otel-logkit <command> [options]
       otel-logkit <command> --help     what a command does, its options and exit codes
       otel-logkit --version

commands:
  demo            run a small simulated service through the full pipeline and summarise what happened
  redact [file]   redact newline-delimited JSON (a file, or stdin) to stdout with the configured rules
  view <id> ...   one request's records across services, from the file output, Loki or Elasticsearch
  doctor          check the configuration and probe every configured destination
  dead-letter     list | show <file> | replay [--destination <name>]: the batches backends refused
  audit verify    check an audit stream read back from the file output, Loki or Elasticsearch/OpenSearch
  archive get     fetch an archived payload by its reference and check its hash
  collector       receive OTLP logs (HTTP, gRPC, Kafka) and run them through the pipeline to its destinations
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'demo':
      if (args.length > 0) {
        const help = args.length === 1 && (args[0] === '--help' || args[0] === '-h');
        (help ? process.stdout : process.stderr).write(help ? DEMO_USAGE : `otel-logkit demo: unexpected argument ${args[0]}\n${DEMO_USAGE}`);
        return help ? 0 : 2;
      }
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
    case 'collector': {
      // One worker per core it may use (its CPUs, capped by a container's CPU quota) unless OTEL_LOGKIT_COLLECTOR_WORKERS says otherwise.
      const [{ runCollectorCommand }, { coresAvailable }] = await Promise.all([import('./cli/collector.js'), import('./collector/cores.js')]);
      return runCollectorCommand({ stdout: process.stdout, stderr: process.stderr, env: process.env, defaultWorkers: coresAvailable() }, args);
    }
    case '-v':
    case '--version':
      process.stdout.write(`${version()}\n`);
      return 0;
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
    // A configuration error is the user's to fix, like a usage error (2); anything else is ours (1).
    process.exitCode = error instanceof LogkitError && error.code === 'LOGKIT_CONFIG_INVALID' ? 2 : 1;
  },
);

/** The package's version, from the package.json above this file (src/ when run from source, dist/lib/ when installed). */
function version(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'otel-logkit' && manifest.version) return manifest.version;
    } catch {
      // Not here: one level up.
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}
