/**
 * What every script in scripts/ does with its command line, on node:util's
 * parseArgs:
 * - `--help` or `-h` prints the usage on stdout and exits 0 before anything
 *   else happens (no emulator started, no file written, no request sent);
 * - an unknown option, an option without its value, or the wrong number of
 *   arguments is one line on stderr and exit code 2;
 * - a failure of the work itself is one line on stderr and exit code 1.
 * Long work reports its phases on stderr, so stdout stays the result.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** The value's placeholder in the usage, e.g. `URL` for `--url URL`. */
  readonly value?: string;
  readonly description: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

export interface CommandSpec<O extends OptionSpecs> {
  /** The npm script, e.g. `send` for `npm run send`. */
  readonly name: string;
  /** What follows `npm run <name> --`, one line per form; `[options]` when absent and the command has options. */
  readonly synopsis?: readonly string[];
  /** What the command does, in a sentence or two. */
  readonly summary: string;
  readonly options: O;
  /** How many positional arguments it takes; none when absent. */
  readonly positionals?: { readonly min: number; readonly max: number };
  /** Environment variables and other notes printed after the options. */
  readonly notes?: readonly string[];
}

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean' ? boolean : string;
export type Values<O extends OptionSpecs> = { -readonly [K in keyof O]?: ValueOf<O[K]> };

export interface Args<O extends OptionSpecs> {
  readonly values: Values<O>;
  readonly positionals: readonly string[];
}

export type Interpretation<O extends OptionSpecs> =
  ({ readonly kind: 'run' } & Args<O>) | { readonly kind: 'help'; readonly text: string } | { readonly kind: 'usage-error'; readonly message: string };

/** A mistake on the command line: reported in one line with exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const HELP: OptionSpec = { type: 'boolean', short: 'h', description: 'print this help and exit' };

/** Declares a command; `const` keeps the option names and types for `Values`. */
export function command<const O extends OptionSpecs>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

/** The usage text `--help` prints. */
export function usage(spec: CommandSpec<OptionSpecs>): string {
  const forms = spec.synopsis ?? [Object.keys(spec.options).length === 0 ? '' : '[options]'];
  const lines = forms.map((form, i) => `${i === 0 ? 'usage:' : '      '} npm run ${spec.name}${form === '' ? '' : ` -- ${form}`}`);
  lines.push('', ...wrap(spec.summary, 100), '', 'options:');
  const entries = Object.entries({ ...spec.options, help: HELP }).map(([name, option]) => {
    const flag = `${option.short === undefined ? '    ' : `-${option.short}, `}--${name}${option.type === 'string' ? ` ${option.value ?? 'VALUE'}` : ''}`;
    return [flag, option.description] as const;
  });
  const width = Math.max(...entries.map(([flag]) => flag.length)) + 2;
  for (const [flag, description] of entries) lines.push(`  ${flag.padEnd(width)}${description}`.trimEnd());
  if (spec.notes !== undefined && spec.notes.length > 0) lines.push('', ...spec.notes);
  return `${lines.join('\n')}\n`;
}

/** Words of a paragraph in lines of at most `width` characters (a longer word stands alone). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return line === '' ? lines : [...lines, line];
}

/** What a command line asks for; never exits, never prints. */
export function interpret<O extends OptionSpecs>(spec: CommandSpec<O>, argv: readonly string[]): Interpretation<O> {
  const options = Object.fromEntries(
    Object.entries({ ...spec.options, help: HELP }).map(([name, option]) => [
      name,
      option.short === undefined ? { type: option.type } : { type: option.type, short: option.short },
    ]),
  );
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    // An asked-for help wins over any other mistake on the same line.
    if (argv.includes('--help') || argv.includes('-h')) return { kind: 'help', text: usage(spec) };
    return { kind: 'usage-error', message: firstSentence(error) };
  }
  if (parsed.values.help === true) return { kind: 'help', text: usage(spec) };
  const { min, max } = spec.positionals ?? { min: 0, max: 0 };
  const count = parsed.positionals.length;
  if (count > max) {
    return { kind: 'usage-error', message: `unexpected argument '${String(parsed.positionals[max])}'` };
  }
  if (count < min) return { kind: 'usage-error', message: `missing argument (${min === max ? `takes ${min}` : `takes ${min} to ${max}`})` };
  const values = { ...parsed.values };
  delete values.help;
  return { kind: 'run', values: values as Values<O>, positionals: parsed.positionals };
}

/** The parsed command line; on `--help` or a usage error, prints and exits (0 or 2) instead. */
export function parseCommandLine<O extends OptionSpecs>(spec: CommandSpec<O>, argv: readonly string[] = process.argv.slice(2)): Args<O> {
  const interpretation = interpret(spec, argv);
  switch (interpretation.kind) {
    case 'help':
      process.stdout.write(interpretation.text);
      return process.exit(0);
    case 'usage-error':
      return exitWithUsageError(spec.name, interpretation.message);
    case 'run':
      return interpretation;
  }
}

/**
 * Runs a script by the conventions above: parses `argv`, then runs `main` with
 * the parsed arguments and exits with the code it returns (0 when none).
 */
export async function runCommand<O extends OptionSpecs>(
  spec: CommandSpec<O>,
  main: (args: Args<O>) => Promise<number | undefined> | number | undefined,
  argv: readonly string[] = process.argv.slice(2),
): Promise<never> {
  const args = parseCommandLine(spec, argv);
  try {
    return process.exit((await main(args)) ?? 0);
  } catch (error) {
    if (error instanceof UsageError) return exitWithUsageError(spec.name, error.message);
    process.stderr.write(`${spec.name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return process.exit(1);
  }
}

function exitWithUsageError(name: string, message: string): never {
  process.stderr.write(`${name}: ${message} (npm run ${name} -- --help for usage)\n`);
  return process.exit(2);
}

/** parseArgs explains how to pass a value that starts with '-' in a second sentence; the first says what is wrong. */
function firstSentence(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const first = /^(.*?[^.])\.(\s|$)/s.exec(message)?.[1] ?? message;
  return first.replace(/\s+/g, ' ').replace(/^[A-Z]/, (c) => c.toLowerCase());
}

/** A whole number from an option's text, or a usage error naming the option. */
export function integerOption(text: string | undefined, name: string, fallback: number, range: { min: number; max: number }): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw new UsageError(`--${name} takes a whole number from ${range.min} to ${range.max}, not '${text}'`);
  }
  return value;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/**
 * A time from an option's text, a date (midnight UTC) or an RFC 3339 time with its offset, in milliseconds;
 * a usage error naming the option otherwise. A time without an offset is refused: it would be read in this
 * machine's zone.
 */
export function timeOption(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  if (!DATE.test(text) && !RFC3339.test(text)) {
    const noOffset = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}/.test(text);
    throw new UsageError(
      noOffset
        ? `--${name} '${text}' has no offset: add Z for UTC (${text}Z) or the offset it is in (+01:00)`
        : `--${name} '${text}' is not a date or an RFC 3339 time`,
    );
  }
  const millis = Date.parse(DATE.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(millis)) throw new UsageError(`--${name} '${text}' is not a date or an RFC 3339 time`);
  return millis;
}

/**
 * Progress on stderr: `phase` prints a line, `status` rewrites the current
 * line on a terminal and prints nothing otherwise (logs keep the phases only).
 */
export function progress(name: string, stream: NodeJS.WriteStream = process.stderr): { phase(text: string): void; status(text: string): void; done(): void } {
  let open = false;
  const close = (): void => {
    if (open) stream.write('\n');
    open = false;
  };
  return {
    phase(text) {
      close();
      stream.write(`${name}: ${text}\n`);
    },
    status(text) {
      if (!stream.isTTY) return;
      stream.write(`\r${name}: ${text}\u001b[K`);
      open = true;
    },
    done: close,
  };
}

/** The repository root, from a script's own URL (`import.meta.url`). */
export function repositoryRoot(scriptUrl: string): string {
  return path.resolve(path.dirname(fileURLToPath(scriptUrl)), '..');
}
