/**
 * The `labelSelector` and `fieldSelector` query parameters of LIST and WATCH, in their string
 * form (apimachinery's labels.Parse and fields.ParseSelector). A label selector string becomes a
 * metav1.LabelSelector and is matched by the cluster's own compileLabelSelector; field selectors
 * support the fields the API server indexes for each kind.
 */
import type { LabelSelector, LabelSelectorRequirement } from 'kubernetes-types/meta/v1.js';
import { ApiError } from '../cluster/apiError.js';
import { compileLabelSelector } from '../cluster/labels.js';
import type { ServedObject } from './changeLog.js';

export type ObjectFilter = (obj: ServedObject) => boolean;

const everything: ObjectFilter = () => true;

/** Splits at commas that are not inside parentheses (`a in (x,y),b`). */
function requirements(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function badSelector(text: string, why: string): ApiError {
  return new ApiError('BadRequest', `unable to parse requirement: ${why} in label selector "${text}"`);
}

const SET = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/;
const EQUALITY = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(\S*)$/;
const KEY = /^[^=!<>\s(),]+$/;

/** Parses a label selector string into a LabelSelector (`env=prod,tier!=web,app in (a,b),!legacy`). */
export function parseLabelSelector(text: string): LabelSelector {
  const matchExpressions: LabelSelectorRequirement[] = [];
  for (const part of requirements(text)) {
    let m = SET.exec(part);
    if (m) {
      const values = (m[3] as string)
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      if (values.length === 0) throw badSelector(text, `for 'in', 'notin' operators, values set can't be empty`);
      matchExpressions.push({ key: m[1] as string, operator: m[2] === 'in' ? 'In' : 'NotIn', values });
      continue;
    }
    m = EQUALITY.exec(part);
    if (m) {
      const [, key, op, value] = m as unknown as [string, string, string, string];
      if (op === '>' || op === '<') throw badSelector(text, `operator '${op}' is not supported here`);
      matchExpressions.push({ key, operator: op === '!=' ? 'NotIn' : 'In', values: [value] });
      continue;
    }
    if (part.startsWith('!') && KEY.test(part.slice(1).trim())) {
      matchExpressions.push({ key: part.slice(1).trim(), operator: 'DoesNotExist' });
      continue;
    }
    if (KEY.test(part)) {
      matchExpressions.push({ key: part, operator: 'Exists' });
      continue;
    }
    throw badSelector(
      text,
      `found '${part}', expected: key, '!key', 'key=value', 'key!=value', 'key in (...)' or 'key notin (...)'`,
    );
  }
  return { matchExpressions };
}

export function labelFilter(text: string | null): ObjectFilter {
  if (text === null || text.trim() === '') return everything;
  const selector = parseLabelSelector(text);
  const compiled = compileLabelSelector(selector);
  if (!compiled.ok) throw new ApiError('BadRequest', `invalid label selector "${text}": ${compiled.error}`);
  return (obj) => compiled.matches(obj.metadata?.labels);
}

/** The fields each kind can be selected by, besides metadata.name and metadata.namespace. */
const SELECTABLE_FIELDS: Record<string, readonly string[]> = {
  Pod: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  Node: ['spec.unschedulable'],
  Namespace: ['status.phase'],
  Event: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
    'regarding.kind',
    'regarding.namespace',
    'regarding.name',
    'regarding.uid',
  ],
  Secret: ['type'],
};

/** The field's value as the API server's field set renders it (absent is '', booleans as words). */
function fieldValue(obj: ServedObject, path: string): string {
  if (path === 'source') {
    const source = (obj as { source?: { component?: string } }).source;
    return source?.component ?? '';
  }
  let value: unknown = obj;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return '';
    value = (value as Record<string, unknown>)[part];
  }
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Parses a field selector (`metadata.name=x,spec.nodeName!=`) for objects of `kind`. */
export function fieldFilter(text: string | null, kind: string): ObjectFilter {
  if (text === null || text.trim() === '') return everything;
  const tests: ObjectFilter[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    if (part === '') continue;
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) throw new ApiError('BadRequest', `invalid selector: '${text}'; can't understand '${part}'`);
    const [, field, op, value] = m as unknown as [string, string, string, string];
    const allowed =
      field === 'metadata.name' || field === 'metadata.namespace' || SELECTABLE_FIELDS[kind]?.includes(field);
    if (!allowed) throw new ApiError('BadRequest', `field label not supported: ${field}`);
    const expected = value.trim();
    tests.push(
      op === '!=' ? (obj) => fieldValue(obj, field) !== expected : (obj) => fieldValue(obj, field) === expected,
    );
  }
  return (obj) => tests.every((test) => test(obj));
}
