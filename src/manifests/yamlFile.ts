/**
 * Reading a YAML (or JSON) file the way Kubernetes tools do, while keeping every node's position
 * so that a problem found later, in the data, can still be reported at its line and column.
 */
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
  type Tags,
} from 'yaml';
import { readBoundedText, TooLargeError } from './boundedRead.js';
import { InputError, type SourceLocation, startOf } from './inputError.js';

/** Limits on what dsconform reads from a YAML file (docs/limits.md). */
export const YAML_LIMITS = {
  /** Bigger files are refused before they are parsed. */
  maxBytes: 16 * 1024 * 1024,
  /** How many times one alias may be expanded (yaml's `maxAliasCount`): an alias bomb is refused. */
  maxAliasCount: 100,
} as const;

/** One step of a path into parsed data: a mapping key or a sequence index. */
export type PathSegment = string | number;

/** Where a path points to, and how many of its segments were found in the file. */
export interface Located {
  readonly location: SourceLocation;
  /** Equal to the path's length when the whole path exists; less when it ran out partway. */
  readonly matched: number;
}

/** One document of a multi-document file, with its source positions. */
export class YamlDocument {
  readonly file: string;
  /** 0-based position of the document in its file. */
  readonly index: number;
  readonly #document: Document.Parsed;
  readonly #lineCounter: LineCounter;

  constructor(file: string, index: number, document: Document.Parsed, lineCounter: LineCounter) {
    this.file = file;
    this.index = index;
    this.#document = document;
    this.#lineCounter = lineCounter;
  }

  /** The content as plain data; null for an empty document. */
  toJS(): unknown {
    try {
      return this.#document.toJS({ maxAliasCount: YAML_LIMITS.maxAliasCount });
    } catch (e) {
      // yaml's guard against "billion laughs": aliases that expand to far more than was written.
      if (e instanceof ReferenceError && /alias/i.test(e.message))
        throw new InputError(
          this.start,
          `the YAML aliases (*name) expand too much (more than ${YAML_LIMITS.maxAliasCount} copies of one anchor): an alias bomb?`,
        );
      throw e;
    }
  }

  /** Where the document's content starts. */
  get start(): SourceLocation {
    const contents = this.#document.contents;
    return this.#at(contents?.range?.[0] ?? this.#document.range[0]);
  }

  /**
   * Where the value at `path` is written: the key's position for a mapping entry (the line a
   * reader looks for), the item's position for a sequence entry. When the path does not exist to
   * the end, the deepest part that does.
   */
  locate(path: readonly PathSegment[]): Located {
    let node: unknown = this.#document.contents;
    let offset = this.#document.contents?.range?.[0] ?? this.#document.range[0];
    let matched = 0;
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(this.#document);
      let next: { at: number | undefined; value: unknown } | undefined;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (pair !== undefined) next = { at: (pair.key as Node).range?.[0], value: pair.value };
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment] as Node | undefined;
        if (item !== undefined) next = { at: item.range?.[0], value: item };
      }
      if (next === undefined) break;
      if (next.at !== undefined) offset = next.at;
      node = next.value;
      matched++;
    }
    return { location: this.#at(offset), matched };
  }

  #at(offset: number): SourceLocation {
    const { line, col } = this.#lineCounter.linePos(offset);
    return { file: this.file, line, column: col };
  }
}

/** Why a file could not be read, in a few words. */
function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory, not a file';
  if (code === 'EACCES') return 'permission denied';
  return `cannot read the file: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * YAML 1.1 as Kubernetes' reader has it (sigs.k8s.io/yaml, go.yaml.in/yaml/v2 resolve.go and
 * decode.go): no base-60 numbers (`1:20` is a string), and a timestamp-like value read into an
 * untyped field stays the string it was (`2025-01-01`), not a date.
 */
const asKubernetesReads = (tags: Tags): Tags =>
  tags.filter((t) => !(typeof t === 'object' && (t.format === 'TIME' || t.tag === 'tag:yaml.org,2002:timestamp')));

/**
 * Parses every document of a YAML file. YAML 1.1 scalars, because that is what Kubernetes'
 * decoder reads (`defaultMode: 0644` is octal 420, `yes` is true); JSON files parse too. Any
 * syntax error, in any document, fails the whole file, as it does for kubectl.
 */
export function readYamlFile(file: string): YamlDocument[] {
  let text: string;
  try {
    text = readBoundedText(file, YAML_LIMITS.maxBytes);
  } catch (error) {
    if (error instanceof TooLargeError)
      throw new InputError(startOf(file), `the file is ${error.message}; dsconform reads YAML files of at most that`);
    throw new InputError(startOf(file), readFailure(error));
  }
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, {
    lineCounter,
    version: '1.1',
    prettyErrors: false,
    customTags: asKubernetesReads,
  });
  const documents = Array.isArray(parsed) ? parsed : [];
  for (const document of documents) {
    const error = document.errors[0];
    if (error !== undefined) {
      // yaml reports some errors at the start of the line's indentation; the token is what matters.
      let offset = error.pos[0];
      while (text[offset] === ' ') offset++;
      const { line, col } = lineCounter.linePos(offset);
      throw new InputError({ file, line, column: col }, `invalid YAML: ${error.message.replace(/\s+/g, ' ')}`);
    }
  }
  return documents.map((document, index) => new YamlDocument(file, index, document, lineCounter));
}
