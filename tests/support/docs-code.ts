/**
 * The code blocks of the documentation that a reader runs or compiles: every fenced block of
 * README.md, docs/ and the events package's README, with its language, where it stands, and its
 * text. TypeScript blocks are type-checked against the packed events package
 * (tests/e2e/events-package.test.ts); shell blocks are checked as far as they can be without AWS
 * (tests/unit/docs-code.test.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');

/** The documents whose code a reader is told to run or compile. */
export const DOCUMENTS: readonly string[] = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
  'packages/events/README.md',
];

export interface CodeBlock {
  /** The document, relative to the repository root. */
  readonly file: string;
  /** The line of the opening fence (1-based). */
  readonly line: number;
  /** The fence's info string: `ts`, `sh`, `json`…; empty for a diagram. */
  readonly lang: string;
  readonly code: string;
}

const FENCE = /^```(\S*)\s*$/;

/** Every fenced block of the documents, in order. */
export function codeBlocks(files: readonly string[] = DOCUMENTS): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  for (const file of files) {
    const lines = readFileSync(path.join(ROOT, file), 'utf8').split('\n');
    for (let at = 0; at < lines.length; at++) {
      const open = FENCE.exec(lines[at]?.trimStart() ?? '');
      if (open === null) continue;
      const close = lines.findIndex((line, index) => index > at && line.trim() === '```');
      if (close === -1) throw new Error(`${file}:${at + 1}: a code block is never closed`);
      blocks.push({ file, line: at + 1, lang: open[1] ?? '', code: lines.slice(at + 1, close).join('\n') });
      at = close;
    }
  }
  return blocks;
}

export const isTypeScript = (block: CodeBlock): boolean => block.lang === 'ts' || block.lang === 'typescript';
export const isShell = (block: CodeBlock): boolean => ['sh', 'bash', 'shell'].includes(block.lang);

/** A file name for a block: `docs-contract-md-276.mts`. */
export const fileNameOf = (block: CodeBlock, extension: string): string => `${block.file.replace(/[^A-Za-z0-9]+/g, '-')}-${block.line}${extension}`;

/**
 * The packages a TypeScript block imports, by package name (`ajv` for `ajv/dist/2020.js`, the scope
 * kept), leaving out Node's own modules.
 */
export function importedPackages(code: string): string[] {
  const names = new Set<string>();
  for (const match of code.matchAll(/^\s*import\s[^'"]*['"]([^'"]+)['"]/gm)) {
    const specifier = match[1] ?? '';
    if (specifier.startsWith('node:') || specifier.startsWith('.')) continue;
    const parts = specifier.split('/');
    names.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier));
  }
  return [...names].sort();
}

/** A command line of a shell block, as the shell would split it into words (quotes removed, `$VAR` kept as written). */
export interface ShellCommand {
  readonly block: CodeBlock;
  readonly words: readonly string[];
}

/**
 * The simple commands of a shell block: continuation lines joined, comments dropped, split at `;`,
 * `&&`, `||`, `|`, `(`, `)` and `$(`, each split into words. Enough for the documentation's
 * command lines, not a shell.
 */
export function shellCommands(block: CodeBlock): ShellCommand[] {
  const text = block.code.replace(/\\\n/g, ' ');
  const commands: ShellCommand[] = [];
  let words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  const endWord = (): void => {
    if (word !== undefined) words.push(word);
    word = undefined;
  };
  const endCommand = (): void => {
    endWord();
    if (words.length > 0) commands.push({ block, words });
    words = [];
  };
  for (let at = 0; at < text.length; at++) {
    const char = text[at] ?? '';
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else word = (word ?? '') + char;
      continue;
    }
    if (char === '"' || char === "'") {
      quote = char;
      word ??= '';
    } else if (char === '#' && word === undefined) {
      while (at < text.length && text[at] !== '\n') at++;
      endCommand();
    } else if (char === '\n' || char === ';' || char === '|' || char === '&' || char === '(' || char === ')') {
      endCommand();
    } else if (char === '$' && text[at + 1] === '(') {
      endCommand();
      at++;
    } else if (/\s/.test(char)) {
      endWord();
    } else {
      word = (word ?? '') + char;
    }
  }
  endCommand();
  return commands;
}
