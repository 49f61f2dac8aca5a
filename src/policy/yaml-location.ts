import { type Document, isAlias, isMap, isScalar, isSeq, type LineCounter, type Node, type Pair } from 'yaml';

/**
 * Finds where a path of the parsed document is written, so that each issue can name its line.
 */

function keyText(pair: Pair): string | undefined {
  return isScalar(pair.key) ? String(pair.key.value) : undefined;
}

function resolveAlias(document: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(document) : node;
}

/**
 * The line of the node at `path`: for a mapping entry the line of its key (where a reader looks, and
 * where an unknown key is), for a list item the item's line. A path that does not exist (a missing key)
 * is placed at its deepest existing ancestor; undefined when that is the document itself.
 */
export function lineOfPath(
  document: Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
): number | undefined {
  let node: unknown = document.contents;
  let offset: number | undefined;
  for (const segment of path) {
    node = resolveAlias(document, node);
    let located: Node | undefined;
    let child: unknown;
    if (isMap(node)) {
      const pair = node.items.find((item) => keyText(item) === String(segment));
      located = pair?.key as Node | undefined;
      child = pair?.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      child = node.items[segment];
      located = child as Node | undefined;
    }
    if (!located?.range) break;
    offset = located.range[0];
    node = child;
  }
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}

export interface KeyLocation {
  path: (string | number)[];
  /** Where the same key first appears in its mapping, for a duplicate key. */
  firstOffset: number | undefined;
}

/** The path of the mapping key that starts at `offset`: how `yaml` reports a duplicate key. */
export function locateKeyAt(document: Document, offset: number): KeyLocation | undefined {
  const search = (node: unknown, path: (string | number)[]): KeyLocation | undefined => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = keyText(pair);
        if (key === undefined) continue;
        if ((pair.key as Node).range?.[0] === offset) {
          const first = node.items.find((other) => keyText(other) === key);
          return { path: [...path, key], firstOffset: (first?.key as Node | undefined)?.range?.[0] };
        }
        const found = search(pair.value, [...path, key]);
        if (found) return found;
      }
    } else if (isSeq(node)) {
      for (const [index, item] of node.items.entries()) {
        const found = search(item, [...path, index]);
        if (found) return found;
      }
    }
    return undefined;
  };
  return search(document.contents, []);
}
