import type * as z from 'zod';

/**
 * Peer (b): lib/payload-types.ts is kept as it is (declarations, subject, attributes, registry) and
 * validates through the two valibot functions it calls, `safeParse` and `getDotPath`. The bench build
 * points that file's `valibot` import here, where they run zod: `schema.safeParse`, and zod's issues
 * in the shape payload-types reads (message, path, and a missing field told apart).
 */

interface Issue {
  readonly kind: 'schema' | 'validation';
  readonly received: string;
  readonly message: string;
  readonly path: readonly PropertyKey[];
}

type Result = { readonly success: true; readonly output: unknown } | { readonly success: false; readonly issues: Issue[] };

export function safeParse(schema: z.ZodType, input: unknown): Result {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return { success: true, output: result.data };
  return {
    success: false,
    issues: result.error.issues.map((issue) => ({
      kind: issue.code === 'invalid_type' ? 'schema' : 'validation',
      received: issue.code === 'invalid_type' && issue.input === undefined ? 'undefined' : typeof issue.input,
      message: issue.message,
      path: issue.path,
    })),
  };
}

export function getDotPath(issue: Issue): string | null {
  return issue.path.length === 0 ? null : issue.path.map(String).join('.');
}
