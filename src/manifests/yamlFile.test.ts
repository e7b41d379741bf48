import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from './inputError.js';
import { readYamlFile } from './yamlFile.js';

const dir = mkdtempSync(join(tmpdir(), 'dsconform-yaml-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function inputError(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('readYamlFile', () => {
  it('reads every document of a multi-document file, with positions', () => {
    const path = file('multi.yaml', 'kind: A\n---\nkind: B\nspec:\n  items:\n    - name: x\n      image: busybox\n');
    const [a, b] = readYamlFile(path);
    expect(a?.toJS()).toEqual({ kind: 'A' });
    expect(b?.toJS()).toEqual({ kind: 'B', spec: { items: [{ name: 'x', image: 'busybox' }] } });
    expect(b?.start).toEqual({ file: path, line: 3, column: 1 });
    expect(b?.locate(['spec', 'items', 0, 'image'])).toEqual({
      location: { file: path, line: 7, column: 7 },
      matched: 4,
    });
  });

  it('points at the deepest part of a path that exists', () => {
    const [doc] = readYamlFile(file('partial.yaml', 'spec:\n  template:\n    spec: {}\n'));
    expect(doc?.locate(['spec', 'template', 'spec', 'containers', 0])).toMatchObject({
      location: { line: 3, column: 5 },
      matched: 3,
    });
  });

  it('reads scalars as Kubernetes does (YAML 1.1: octal modes, yes/no booleans)', () => {
    const [doc] = readYamlFile(file('scalars.yaml', 'mode: 0644\nenabled: yes\nversion: "1.0"\n'));
    expect(doc?.toJS()).toEqual({ mode: 420, enabled: true, version: '1.0' });
  });

  it('keeps what Kubernetes keeps as strings: dates, and no base-60 numbers', () => {
    const text = 'since: 2025-01-01\nat: 2025-01-01T10:00:00Z\nratio: 1:20\nenabled: n\nhex: 0x1F\n';
    const [doc] = readYamlFile(file('strings.yaml', text));
    expect(doc?.toJS()).toEqual({
      since: '2025-01-01',
      at: '2025-01-01T10:00:00Z',
      ratio: '1:20',
      enabled: false,
      hex: 31,
    });
  });

  it('reads JSON', () => {
    const [doc] = readYamlFile(file('data.json', '{\n  "nodes": [\n    {"name": "a"}\n  ]\n}\n'));
    expect(doc?.toJS()).toEqual({ nodes: [{ name: 'a' }] });
    expect(doc?.locate(['nodes', 0, 'name']).location).toMatchObject({ line: 3, column: 6 });
  });

  it('reports a syntax error at its line and column, in any document', () => {
    const path = file('bad.yaml', 'kind: A\n---\nspec:\n  a: 1\n  a: 2\n');
    const error = inputError(() => readYamlFile(path));
    expect(error.location).toEqual({ file: path, line: 5, column: 3 });
    expect(error.problem).toBe('invalid YAML: Map keys must be unique');
  });

  it('reports a mis-indented line at its first token', () => {
    const path = file('indent.yaml', 'items:\n  - name: a\n    image: b\n   command: c\n');
    const error = inputError(() => readYamlFile(path));
    expect(error.location).toMatchObject({ line: 4, column: 4 });
    expect(error.problem).toMatch(/^invalid YAML: /);
  });

  it('reports a missing file at its start', () => {
    const error = inputError(() => readYamlFile(join(dir, 'missing.yaml')));
    expect(error.message).toBe(`${join(dir, 'missing.yaml')}:1:1: no such file`);
  });

  it('gives no documents for an empty file', () => {
    expect(readYamlFile(file('empty.yaml', ''))).toEqual([]);
  });
});
