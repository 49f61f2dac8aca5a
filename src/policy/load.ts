import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { type Document, isMap, LineCounter, parseDocument, type YAMLError } from 'yaml';
import { PolicyError, type PolicyIssue } from '../errors.js';
import { type PolicyDocument, validatePolicyDocument } from './schema.js';
import { lineOfPath, locateKeyAt } from './yaml-location.js';
import { flattenSchemaIssues } from './zod-issues.js';

export interface LoadedPolicy {
  file: string;
  /** Hex SHA-256 of the file's raw bytes: ties a run, its audit log and a saved plan to one policy. */
  sha256: string;
  document: PolicyDocument;
  /** The line where a dotted path (`contacts.security.email`) is written, for findings made later (lint). */
  lineOf(path: string): number | undefined;
}

function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'the policy file does not exist';
  if (code === 'EISDIR') return 'the policy file is a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'the policy file cannot be read: permission denied';
  return `the policy file cannot be read: ${(error as Error).message}`;
}

/**
 * A policy is a reviewed file of a few kilobytes; parsing YAML costs tens of times its size in memory,
 * so a file beyond this is refused before it is read.
 */
export const MAX_POLICY_BYTES = 1024 * 1024;

function tooLarge(file: string, size: number): PolicyIssue {
  return {
    file,
    path: '',
    message: `the policy file is ${size} bytes; the limit is ${MAX_POLICY_BYTES} bytes (1 MiB)`,
  };
}

/** Reads and validates a policy file; throws one PolicyError listing every problem. */
export async function readPolicy(file: string): Promise<LoadedPolicy> {
  let bytes: Uint8Array;
  try {
    const { size, isFile } = await stat(file).then((st) => ({ size: st.size, isFile: st.isFile() }));
    if (isFile && size > MAX_POLICY_BYTES) throw new PolicyError([tooLarge(file, size)]);
    bytes = await readFile(file);
  } catch (error) {
    if (error instanceof PolicyError) throw error;
    throw new PolicyError([{ file, path: '', message: describeReadError(error) }], { cause: error });
  }
  return parsePolicy(bytes, file);
}

/**
 * Parses and validates policy text. Pass the raw bytes when you have them: the hash is of the bytes, and
 * a string is hashed as its UTF-8 encoding.
 */
export function parsePolicy(source: string | Uint8Array, file: string): LoadedPolicy {
  const bytes = typeof source === 'string' ? Buffer.from(source, 'utf8') : source;
  if (bytes.length > MAX_POLICY_BYTES) throw new PolicyError([tooLarge(file, bytes.length)]);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const { document, lineOf } = validate(decodeText(source, file), file);
  return { file, sha256, document, lineOf };
}

function decodeText(source: string | Uint8Array, file: string): string {
  if (typeof source === 'string') return source;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(source);
  } catch (error) {
    throw new PolicyError([{ file, path: '', message: 'the policy file is not UTF-8 text' }], {
      cause: error,
    });
  }
}

function byLine(a: PolicyIssue, b: PolicyIssue): number {
  return (a.line ?? 0) - (b.line ?? 0);
}

function fail(issues: PolicyIssue[]): never {
  throw new PolicyError(issues.sort(byLine));
}

function validate(
  text: string,
  file: string,
): { document: PolicyDocument; lineOf: (path: string) => number | undefined } {
  const lineCounter = new LineCounter();
  // `uniqueKeys` is on by default: a duplicate key is a DUPLICATE_KEY error, not a silent last-wins.
  const yamlDocument = parseDocument(text, { lineCounter, prettyErrors: false });
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;

  // After a YAML problem the data is a guess (a duplicate key keeps only its last value): schema issues
  // about it would only add noise, so these are reported alone.
  const yamlProblems = [...yamlDocument.errors, ...yamlDocument.warnings];
  if (yamlProblems.length > 0) {
    fail(yamlProblems.map((problem) => describeYamlProblem(problem, yamlDocument, file, lineAt)));
  }

  const contents = yamlDocument.contents;
  if (contents === null) fail([{ file, path: '', message: 'the policy is empty' }]);
  if (!isMap(contents)) {
    const line = contents.range ? lineAt(contents.range[0]) : undefined;
    fail([
      {
        file,
        path: '',
        line,
        message: 'the policy must be a mapping with keys such as version and contacts',
      },
    ]);
  }

  const data = toData(yamlDocument, file);
  const result = validatePolicyDocument(data);
  if (result.success) {
    return {
      document: withTagsAsData(result.data, data, file, (path) =>
        lineOfPath(yamlDocument, lineCounter, path),
      ),
      lineOf: (path) =>
        lineOfPath(yamlDocument, lineCounter, path === '' ? [] : path.split('.').map(segmentOf)),
    };
  }
  fail(
    flattenSchemaIssues(result.error.issues).map(({ path, message }) => ({
      file,
      path: path.map(String).join('.'),
      line: lineOfPath(yamlDocument, lineCounter, path),
      message,
    })),
  );
}

/** List indexes in a dotted path are numbers in the YAML tree. */
function segmentOf(segment: string): string | number {
  return /^\d+$/.test(segment) ? Number(segment) : segment;
}

function toData(yamlDocument: Document, file: string): unknown {
  try {
    return yamlDocument.toJS();
  } catch (error) {
    // e.g. an alias whose anchor does not exist
    fail([{ file, path: '', message: `invalid YAML: ${(error as Error).message}` }]);
  }
}

function describeYamlProblem(
  problem: YAMLError,
  document: Document,
  file: string,
  lineAt: (offset: number) => number,
): PolicyIssue {
  const line = lineAt(problem.pos[0]);
  if (problem.code === 'DUPLICATE_KEY') {
    const key = locateKeyAt(document, problem.pos[0]);
    if (key) {
      const first = key.firstOffset === undefined ? '' : ` (first on line ${lineAt(key.firstOffset)})`;
      return { file, path: key.path.join('.'), line, message: `duplicate key${first}` };
    }
  }
  return { file, path: '', line, message: `invalid YAML: ${problem.message}` };
}

type TagRecord = Record<string, string>;

/**
 * Tag keys are data: `__proto__` is a valid Organizations tag key, and a plain object (or zod's record
 * parser) would take it as the object's prototype and drop it. Every selector's tags are rebuilt from the
 * YAML data into null-prototype objects.
 */
function withTagsAsData(
  document: PolicyDocument,
  data: unknown,
  file: string,
  lineOf: (path: (string | number)[]) => number | undefined,
): PolicyDocument {
  const raw = data as {
    scope?: { include?: { tags?: unknown }; exclude?: { tags?: unknown } };
    overrides?: { match?: { tags?: unknown } }[];
  };
  const issues: PolicyIssue[] = [];
  const rebuild = (tags: unknown, path: (string | number)[]): TagRecord | undefined => {
    if (tags === undefined || tags === null || typeof tags !== 'object') return undefined;
    const out: TagRecord = Object.create(null);
    for (const [key, value] of Object.entries(tags)) {
      if (typeof value !== 'string' || value.length > 256) {
        issues.push({
          file,
          path: [...path, key].join('.'),
          line: lineOf([...path, key]),
          message: 'must be a tag value: a string of at most 256 characters',
        });
        continue;
      }
      out[key] = value;
    }
    return out;
  };
  const scope = document.scope;
  if (scope?.include?.tags !== undefined)
    scope.include.tags = rebuild(raw.scope?.include?.tags, ['scope', 'include', 'tags']);
  if (scope?.exclude?.tags !== undefined)
    scope.exclude.tags = rebuild(raw.scope?.exclude?.tags, ['scope', 'exclude', 'tags']);
  document.overrides?.forEach((override, index) => {
    if (override.match.tags !== undefined)
      override.match.tags = rebuild(raw.overrides?.[index]?.match?.tags, [
        'overrides',
        index,
        'match',
        'tags',
      ]);
  });
  if (issues.length > 0) fail(issues);
  return document;
}
