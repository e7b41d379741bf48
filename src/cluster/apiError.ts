/** Errors shaped like the API server's `metav1.Status` failures. */

export type ApiErrorReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'BadRequest'
  | 'Forbidden'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'TooManyRequests'
  | 'Timeout';

const HTTP_CODE: Record<ApiErrorReason, number> = {
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Invalid: 422,
  BadRequest: 400,
  Forbidden: 403,
  InternalError: 500,
  ServiceUnavailable: 503,
  TooManyRequests: 429,
  Timeout: 504,
};

/** One entry of `field.ErrorList`: where the problem is and what it is. */
export interface FieldError {
  /** Dotted path such as `spec.updateStrategy.rollingUpdate.maxSurge`. */
  field: string;
  type: 'Required' | 'Invalid' | 'Forbidden' | 'NotSupported' | 'Duplicate' | 'TooLong';
  value?: unknown;
  /** The detail, e.g. "may not be set when maxUnavailable is non-zero". */
  detail: string;
  /**
   * The value as the API server prints it, when JSON would differ from Go's rendering (an
   * IntOrString prints through its String method: `150%`, unquoted).
   */
  renderedValue?: string;
}

/** Renders a field error the way apimachinery's field.Error.Error() does. */
export function formatFieldError(e: FieldError): string {
  switch (e.type) {
    case 'Required':
      return `${e.field}: Required value${e.detail ? `: ${e.detail}` : ''}`;
    case 'Forbidden':
      return `${e.field}: Forbidden${e.detail ? `: ${e.detail}` : ''}`;
    case 'NotSupported':
      return `${e.field}: Unsupported value: ${e.renderedValue ?? JSON.stringify(e.value)}${e.detail ? `: ${e.detail}` : ''}`;
    case 'Duplicate':
      return `${e.field}: Duplicate value: ${e.renderedValue ?? JSON.stringify(e.value)}${e.detail ? `: ${e.detail}` : ''}`;
    case 'TooLong':
      return `${e.field}: Too long${e.detail ? `: ${e.detail}` : ''}`;
    default:
      return `${e.field}: Invalid value: ${e.renderedValue ?? formatValue(e.value)}${e.detail ? `: ${e.detail}` : ''}`;
  }
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'null';
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

export class ApiError extends Error {
  readonly reason: ApiErrorReason;
  readonly causes: readonly FieldError[];

  constructor(reason: ApiErrorReason, message: string, causes: readonly FieldError[] = []) {
    super(message);
    this.name = 'ApiError';
    this.reason = reason;
    this.causes = causes;
  }

  get code(): number {
    return HTTP_CODE[this.reason];
  }

  static notFound(resource: string, name: string): ApiError {
    return new ApiError('NotFound', `${resource} "${name}" not found`);
  }

  static alreadyExists(resource: string, name: string): ApiError {
    return new ApiError('AlreadyExists', `${resource} "${name}" already exists`);
  }

  static conflict(resource: string, name: string, why: string): ApiError {
    return new ApiError('Conflict', `Operation cannot be fulfilled on ${resource} "${name}": ${why}`);
  }

  /** `DaemonSet.apps "x" is invalid: [a, b]`, as apierrors.NewInvalid formats it. */
  static invalid(kindGroup: string, name: string, causes: readonly FieldError[]): ApiError {
    const parts = causes.map(formatFieldError);
    const list = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
    return new ApiError('Invalid', `${kindGroup} "${name}" is invalid: ${list}`, causes);
  }
}

export function isApiError(e: unknown, reason?: ApiErrorReason): e is ApiError {
  return e instanceof ApiError && (reason === undefined || e.reason === reason);
}
