/** Admission for the simulated API server: apps/v1 defaulting and validation. (Stub: filled in by the validation work.) */
import type { Admission } from './store.js';

export const kubernetesAdmission: Admission = {};
