#!/usr/bin/env python3
"""A Kubernetes DaemonSet controller that speaks dsconform's controller protocol, dsconform/v1.

This is a teaching implementation: Python 3.11, standard library only, one module, read from
top to bottom. It follows upstream `pkg/controller/daemon` (the same algorithm as dsconform's
reference controller in src/controller/), with the upstream names in snake_case so that the two
can be read side by side.

How it talks to dsconform (docs/protocol.md):

  * newline-delimited JSON on stdin/stdout; logs go to stderr only;
  * `init`     -> `init_ok` with our capabilities;
  * `reset`    -> forget everything (a new case, or a controller restart);
  * `sync`     -> apply the watch events to our informer caches, reconcile every DaemonSet that
                  needs it, answer with the API writes we want, in order (`sync_ok`);
                  marked `relist` (our watches broke), the events are a full LIST, and what
                  our caches hold that it lacks was deleted while we were not watching;
  * `shutdown` -> exit.

We never call an API server ourselves: every write is described in the reply and dsconform
performs it. Its watch events come back in a later `sync`, exactly as a real informer sees a
controller's own writes some time after it made them. That is why the controller needs
*expectations* (it must not create a second pod on a node before it has seen its first one).

Time is virtual: we use the `now` of each request and never read the machine clock.

Run it:  node bin/dsconform.mjs check --controller "python3 examples/python/controller.py"
"""

from __future__ import annotations

import copy
import json
import sys
import traceback
from datetime import datetime, timedelta, timezone
from decimal import Decimal

PROTOCOL_VERSION = "dsconform/v1"
IMPLEMENTATION = {"name": "python-example", "version": "1.0.0"}

# Well-known names (k8s.io/api).
HASH_LABEL = "controller-revision-hash"
GENERATION_LABEL = "pod-template-generation"
GENERATION_ANNOTATION = "deprecated.daemonset.template.generation"

# Tuning constants of the upstream controller.
BURST_REPLICAS = 250  # at most this many creates (and deletes) per pass
EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000  # expectations older than this are given up on
FAILED_POD_BACKOFF_INITIAL_MS = 1000  # per-node backoff before a failed pod is replaced...
FAILED_POD_BACKOFF_MAX_MS = 15 * 60 * 1000  # ...doubling up to 15 minutes
RATE_LIMIT_BASE_MS = 5  # a sync that failed is retried after 5 ms, 10 ms, 20 ms, ...
RATE_LIMIT_MAX_MS = 1000 * 1000  # ...up to 1000 s (the default workqueue rate limiter)
DEFAULT_REVISION_HISTORY_LIMIT = 10

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def log(*parts: object) -> None:
    """Logs go to stderr: stdout carries protocol messages only."""
    print("[python-controller]", *parts, file=sys.stderr, flush=True)


class SyncError(Exception):
    """A syncDaemonSet pass that could not finish; the DaemonSet is retried with backoff."""


# =============================================================================================
# Small helpers over wire-format objects (plain dicts, exactly as the JSON arrived)
# =============================================================================================


def meta(obj: dict | None) -> dict:
    return (obj or {}).get("metadata") or {}


def spec(obj: dict | None) -> dict:
    return (obj or {}).get("spec") or {}


def labels_of(obj: dict | None) -> dict:
    return meta(obj).get("labels") or {}


def namespace_of(obj: dict | None) -> str:
    return meta(obj).get("namespace") or "default"


def object_key(m: dict) -> str:
    """`namespace/name` for namespaced objects, `name` for nodes (cache.MetaNamespaceKeyFunc)."""
    ns = m.get("namespace")
    return f"{ns}/{m.get('name') or ''}" if ns else (m.get("name") or "")


def is_deleting(obj: dict | None) -> bool:
    """Has a deletionTimestamp: graceful deletion (or a finalizer) is in progress."""
    return meta(obj).get("deletionTimestamp") is not None


def controller_ref(obj: dict | None) -> dict | None:
    """The ownerReference with controller: true (metav1.GetControllerOf)."""
    for ref in meta(obj).get("ownerReferences") or []:
        if ref.get("controller") is True:
            return ref
    return None


def new_controller_ref(ds: dict) -> dict:
    """What we put on pods and revisions we create or adopt (metav1.NewControllerRef)."""
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "name": meta(ds).get("name") or "",
        "uid": meta(ds).get("uid") or "",
        "controller": True,
        # The garbage collector must not delete the DaemonSet (foreground) before this pod is gone.
        "blockOwnerDeletion": True,
    }


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def parse_time_ms(ts: object) -> int | None:
    """RFC 3339 -> milliseconds since the epoch (None when absent or unparseable)."""
    if not isinstance(ts, str):
        return None
    try:
        t = datetime.fromisoformat(ts[:-1] + "+00:00" if ts.endswith(("Z", "z")) else ts)
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return (t - _EPOCH) // timedelta(milliseconds=1)


# --- canonical JSON and the template hash -----------------------------------------------------


def _js_number(x: int | float) -> str:
    """A number as JavaScript's JSON.stringify writes it (dsconform's hash is over that text)."""
    if isinstance(x, int) and abs(x) < 10**21:
        return str(x)
    x = float(x)
    if x != x or x in (float("inf"), float("-inf")):
        return "null"
    if x == int(x) and abs(x) < 1e21:
        return str(int(x))
    mantissa, _, exponent = repr(x).partition("e")
    if not exponent:
        return mantissa
    e = int(exponent)
    if -7 < e < 21:  # JavaScript writes these without an exponent
        return format(Decimal(repr(x)), "f")
    return f"{mantissa}e{'+' if e > 0 else '-'}{abs(e)}"


def canonical_json(value: object) -> str:
    """JSON with object keys sorted at every level: a byte-stable rendering to hash and compare."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _js_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(canonical_json(v) for v in value) + "]"
    if isinstance(value, dict):
        items = sorted(value.items())
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{canonical_json(v)}" for k, v in items) + "}"
    return "null"


SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # rand.SafeEncodeString: no vowels, no look-alikes


def _fnv32a(data: bytes, h: int = 0x811C9DC5) -> int:
    for byte in data:
        h ^= byte
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def compute_hash(template: dict | None, collision_count: int | None) -> str:
    """controller.ComputeHash: FNV-32a of the template (plus the collision count), safe-encoded.

    Upstream hashes a Go deep dump; like dsconform's reference we hash canonical JSON, so the
    values differ from a real cluster's but have the same properties (and equal dsconform's).
    """
    h = _fnv32a(canonical_json(template or {}).encode("utf-8", "surrogatepass"))
    if collision_count is not None:
        h = _fnv32a((int(collision_count) & 0xFFFFFFFF).to_bytes(4, "little") + bytes(4), h)
    return "".join(SAFE_ALPHABET[ord(ch) % len(SAFE_ALPHABET)] for ch in str(h))


# =============================================================================================
# Label selectors, node affinity, taints and tolerations
# =============================================================================================


class InvalidSelector(Exception):
    pass


def compile_label_selector(selector: dict | None):
    """metav1.LabelSelectorAsSelector: nil selects nothing, {} selects everything."""
    if selector is None:
        return lambda labels: False
    match_labels = selector.get("matchLabels") or {}
    expressions = selector.get("matchExpressions") or []
    if not match_labels and not expressions:
        return lambda labels: True
    tests = [lambda labels, k=k, v=v: labels.get(k) == v for k, v in match_labels.items()]
    for req in expressions:
        key, op, values = req.get("key"), req.get("operator"), req.get("values") or []
        if op in ("In", "NotIn") and not values:
            raise InvalidSelector(f"values must be specified for {op}")
        if op in ("Exists", "DoesNotExist") and values:
            raise InvalidSelector(f"values may not be specified for {op}")
        if op == "In":
            tests.append(lambda labels, k=key, vs=values: k in labels and labels[k] in vs)
        elif op == "NotIn":
            tests.append(lambda labels, k=key, vs=values: k not in labels or labels[k] not in vs)
        elif op == "Exists":
            tests.append(lambda labels, k=key: k in labels)
        elif op == "DoesNotExist":
            tests.append(lambda labels, k=key: k not in labels)
        else:
            raise InvalidSelector(f"unsupported operator {op!r}")
    return lambda labels: all(test(labels or {}) for test in tests)


def is_empty_selector(selector: dict | None) -> bool:
    """`selector: {}` would select every pod in the namespace; the controller refuses it."""
    return selector is not None and not selector.get("matchLabels") and not selector.get("matchExpressions")


def _parse_int64(text: object) -> int | None:
    if not isinstance(text, str):
        return None
    body = text[1:] if text[:1] in "+-" else text
    if not body.isascii() or not body.isdigit():
        return None
    return int(text)


def _node_label_test(req: dict):
    """One matchExpressions requirement of a node selector term; None when it cannot parse."""
    key, op, values = req.get("key"), req.get("operator"), req.get("values") or []
    if op == "In":
        return (lambda labels: key in labels and labels[key] in values) if values else None
    if op == "NotIn":
        return (lambda labels: key not in labels or labels[key] not in values) if values else None
    if op == "Exists":
        return None if values else (lambda labels: key in labels)
    if op == "DoesNotExist":
        return None if values else (lambda labels: key not in labels)
    if op in ("Gt", "Lt"):
        # The label value and the bound are integers compared numerically.
        bound = _parse_int64(values[0]) if len(values) == 1 else None
        if bound is None:
            return None

        def compare(labels: dict) -> bool:
            actual = _parse_int64(labels.get(key))
            if actual is None:
                return False
            return actual > bound if op == "Gt" else actual < bound

        return compare
    return None


def _node_field_test(req: dict):
    """One matchFields requirement: only In/NotIn with one value; nodes expose metadata.name only."""
    op, values = req.get("operator"), req.get("values") or []
    if op not in ("In", "NotIn") or len(values) != 1:
        return None
    wanted = values[0]

    def read(node: dict) -> str:
        return (meta(node).get("name") or "") if req.get("key") == "metadata.name" else ""

    return (lambda node: read(node) == wanted) if op == "In" else (lambda node: read(node) != wanted)


def _term_matches(term: dict, node: dict) -> bool:
    """A node selector term: all of its requirements. Empty or unparseable terms match nothing."""
    expressions = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not expressions and not fields:
        return False
    tests = []
    for req in expressions:
        test = _node_label_test(req)
        if test is None:
            return False
        tests.append(lambda n, t=test: t(labels_of(n)))
    for req in fields:
        test = _node_field_test(req)
        if test is None:
            return False
        tests.append(test)
    return all(t(node) for t in tests)


def matches_node_selector_and_affinity(pod_spec: dict, node: dict) -> bool:
    """nodeSelector AND requiredDuringSchedulingIgnoredDuringExecution (terms are ORed)."""
    node_labels = labels_of(node)
    for key, value in (pod_spec.get("nodeSelector") or {}).items():
        if node_labels.get(key) != value:
            return False
    node_affinity = (pod_spec.get("affinity") or {}).get("nodeAffinity") or {}
    required = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    if required is None:
        return True
    return any(_term_matches(term, node) for term in required.get("nodeSelectorTerms") or [])


def tolerates(toleration: dict, taint: dict) -> bool:
    """Toleration.ToleratesTaint: an empty effect or key matches all; Exists ignores the value."""
    if toleration.get("effect") and toleration.get("effect") != taint.get("effect"):
        return False
    if toleration.get("key") and toleration.get("key") != taint.get("key"):
        return False
    operator = toleration.get("operator") or ""
    if operator in ("", "Equal"):
        return (toleration.get("value") or "") == (taint.get("value") or "")
    return operator == "Exists"


def find_untolerated_taint(taints: list, tolerations: list, effects: tuple) -> dict | None:
    for taint in taints:
        if taint.get("effect") in effects and not any(tolerates(t, taint) for t in tolerations):
            return taint
    return None


def default_daemon_tolerations(host_network: bool) -> list[dict]:
    """Tolerations every daemon pod gets (util.AddOrUpdateDaemonPodTolerations).

    A daemon pod is part of its node: it must survive a node going NotReady/Unreachable (no
    tolerationSeconds: never evicted for that) and start on nodes under pressure or cordoned.
    A hostNetwork pod does not need the pod network, so it also tolerates network-unavailable.
    """
    def exists(key: str, effect: str) -> dict:
        return {"key": key, "operator": "Exists", "effect": effect}

    tolerations = [
        exists("node.kubernetes.io/not-ready", "NoExecute"),
        exists("node.kubernetes.io/unreachable", "NoExecute"),
        exists("node.kubernetes.io/disk-pressure", "NoSchedule"),
        exists("node.kubernetes.io/memory-pressure", "NoSchedule"),
        exists("node.kubernetes.io/pid-pressure", "NoSchedule"),
        exists("node.kubernetes.io/unschedulable", "NoSchedule"),
    ]
    if host_network:
        tolerations.append(exists("node.kubernetes.io/network-unavailable", "NoSchedule"))
    return tolerations


def add_default_tolerations(pod_spec: dict) -> None:
    """Merges the defaults into pod_spec (in place). A user toleration equal to a default in key,
    operator, value and effect is replaced by it, so its tolerationSeconds goes (kubernetes#92960)."""
    tolerations = list(pod_spec.get("tolerations") or [])
    for wanted in default_daemon_tolerations(pod_spec.get("hostNetwork") is True):
        same = [i for i, t in enumerate(tolerations)
                if all((t.get(f) or "") == (wanted.get(f) or "") for f in ("key", "operator", "value", "effect"))]
        for i in same:
            tolerations[i] = dict(wanted)
        if not same:
            tolerations.append(dict(wanted))
    pod_spec["tolerations"] = tolerations


# =============================================================================================
# Eligibility: should a node run the daemon pod?
# =============================================================================================


def should_run(node: dict, ds: dict) -> tuple[bool, bool]:
    """NodeShouldRunDaemonPod -> (should_run, should_continue_running).

    should_run: create a pod here if there is none.
    should_continue_running: an existing pod may stay (False: we delete it).
    They differ only for an untolerated NoSchedule taint: it keeps new pods away, but does not
    evict running ones (only NoExecute does). Node conditions, unschedulable and resources play
    no part: the default tolerations cover the condition taints.
    """
    template = spec(ds).get("template") or {}
    node_name = meta(node).get("name") or ""
    template_node_name = spec(template).get("nodeName")
    if template_node_name and template_node_name != node_name:
        return False, False
    # Judge the pod we would create: the template plus the default tolerations.
    pod_spec = copy.deepcopy(spec(template)) or {"containers": []}
    pod_spec["nodeName"] = node_name
    add_default_tolerations(pod_spec)
    if not matches_node_selector_and_affinity(pod_spec, node):
        return False, False
    taints = spec(node).get("taints") or []
    tolerations = pod_spec["tolerations"]
    if find_untolerated_taint(taints, tolerations, ("NoSchedule", "NoExecute")) is None:
        return True, True
    evicting = find_untolerated_taint(taints, tolerations, ("NoExecute",))
    return False, evicting is None


# =============================================================================================
# Pods: readiness, ordering, which node, which revision
# =============================================================================================


def ready_condition(pod: dict) -> dict | None:
    for condition in (pod.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            return condition
    return None


def is_pod_ready(pod: dict) -> bool:
    condition = ready_condition(pod)
    return condition is not None and condition.get("status") == "True"


def is_pod_available(pod: dict, min_ready_seconds: int, now_ms: int) -> bool:
    """Ready for at least minReadySeconds (podutil.IsPodAvailable)."""
    condition = ready_condition(pod)
    if condition is None or condition.get("status") != "True":
        return False
    if min_ready_seconds <= 0:
        return True
    since = parse_time_ms(condition.get("lastTransitionTime"))
    return since is not None and since + min_ready_seconds * 1000 <= now_ms


def phase_of(pod: dict) -> str | None:
    return (pod.get("status") or {}).get("phase")


def is_terminal(pod: dict) -> bool:
    return phase_of(pod) in ("Failed", "Succeeded")


def oldest_first(pod: dict):
    """Sort key of podByCreationTimestampAndPhase: bound pods first, then older, then by name.
    "Keep the oldest" keeps the pod most likely to be running already."""
    bound = bool(spec(pod).get("nodeName"))
    created = parse_time_ms(meta(pod).get("creationTimestamp")) or 0
    return (not bound, created, meta(pod).get("name") or "")


def target_node_name(pod: dict) -> str | None:
    """Which node a daemon pod belongs to: spec.nodeName once bound, before that the node its
    affinity pins it to (the single value of a `metadata.name In [...]` matchFields requirement)."""
    if spec(pod).get("nodeName"):
        return spec(pod)["nodeName"]
    affinity = (spec(pod).get("affinity") or {}).get("nodeAffinity") or {}
    required = affinity.get("requiredDuringSchedulingIgnoredDuringExecution") or {}
    for term in required.get("nodeSelectorTerms") or []:
        for req in term.get("matchFields") or []:
            if req.get("key") == "metadata.name" and req.get("operator") == "In":
                values = req.get("values") or []
                return values[0] if len(values) == 1 else None
    return None


def template_generation(ds: dict) -> int | None:
    """The legacy `deprecated.daemonset.template.generation` annotation, as a Go int64."""
    value = _parse_int64((meta(ds).get("annotations") or {}).get(GENERATION_ANNOTATION))
    return value if value is not None and INT64_MIN <= value <= INT64_MAX else None


def is_pod_updated(pod: dict, hash_: str, generation: int | None) -> bool:
    """Does the pod run the current template? Its revision hash, or (legacy) generation, says so."""
    labels = labels_of(pod)
    return (hash_ != "" and labels.get(HASH_LABEL) == hash_) or (
        generation is not None and labels.get(GENERATION_LABEL) == str(generation)
    )


def create_pod_template(template: dict, generation: int | None, hash_: str) -> dict:
    """CreatePodTemplate: the DaemonSet's template plus default tolerations and our two labels."""
    result = copy.deepcopy(template)
    result["spec"] = result.get("spec") or {"containers": []}
    add_default_tolerations(result["spec"])
    labels = dict(labels_of(result))
    if generation is not None:
        labels[GENERATION_LABEL] = str(generation)
    if hash_:
        labels[HASH_LABEL] = hash_
    result["metadata"] = {**meta(result), "labels": labels}
    return result


def pin_to_node(affinity: dict | None, node_name: str) -> dict:
    """ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes exactly one term,
    `metadata.name In [node]`; the default scheduler then binds the pod to that node (and only if
    it fits). Preferred terms and pod (anti-)affinity are kept."""
    result = copy.deepcopy(affinity or {})
    result["nodeAffinity"] = {
        **(result.get("nodeAffinity") or {}),
        "requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [
                {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node_name]}]}
            ]
        },
    }
    return result


# =============================================================================================
# Rolling-update budgets
# =============================================================================================


def scaled_value(value: int | str | None, total: int) -> int:
    """intstr.GetScaledValueFromIntOrPercent(roundUp=true): 3 -> 3, "34%" of 3 -> ceil(1.02) = 2."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise SyncError(f"invalid value for IntOrString: {value!r}")
    if isinstance(value, int):
        return value
    digits = value[:-1]
    if not value.endswith("%") or not digits.isascii() or not digits.isdigit():
        raise SyncError(f'invalid value for IntOrString: string is not a percentage: "{value}"')
    return -(-int(digits) * total // 100)  # ceil for non-negative numbers


def rolling_update_params(ds: dict) -> dict | None:
    strategy = spec(ds).get("updateStrategy") or {}
    if (strategy.get("type") or "RollingUpdate") != "RollingUpdate":
        return None
    return strategy.get("rollingUpdate")


def max_unavailable_of(ds: dict, desired: int) -> int:
    params = rolling_update_params(ds)
    return 0 if params is None else scaled_value(params.get("maxUnavailable"), desired)


def max_surge_of(ds: dict, desired: int) -> int:
    params = rolling_update_params(ds)
    return 0 if params is None else scaled_value(params.get("maxSurge"), desired)


def allows_surge(ds: dict) -> bool:
    """util.AllowsSurge: any positive surge, judged for one desired node (a positive percent
    rounds up to 1), so the per-node logic does not depend on the cluster size."""
    try:
        return max_surge_of(ds, 1) > 0
    except SyncError:
        return False


def effective_budgets(ds: dict, desired: int) -> tuple[int, int]:
    """(max_surge, max_unavailable); if both come out 0 the rollout would stall: default to
    maxUnavailable 1 (e.g. "10%" of 0 desired nodes, or explicit zeros)."""
    max_unavailable = max_unavailable_of(ds, desired)
    max_surge = max_surge_of(ds, desired)
    if desired > 0 and max_unavailable == 0 and max_surge == 0:
        max_unavailable = 1
    return max_surge, max_unavailable


# =============================================================================================
# Informer caches, expectations, backoff
# =============================================================================================


KINDS = ("Node", "Pod", "DaemonSet", "ControllerRevision")


class InformerCache:
    """What our informers have seen: one dict per kind, keyed by namespace/name. Built only from
    the watch events dsconform sends, so it may lag behind the API server, as real caches do."""

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, dict]] = {kind: {} for kind in KINDS}
        self._sorted: dict[str, list[dict] | None] = {kind: None for kind in KINDS}

    def get(self, kind: str, key: str) -> dict | None:
        return self.objects[kind].get(key)

    def put(self, kind: str, key: str, obj: dict) -> None:
        self.objects[kind][key] = obj
        self._sorted[kind] = None

    def delete(self, kind: str, key: str) -> None:
        self.objects[kind].pop(key, None)
        self._sorted[kind] = None

    def list(self, kind: str) -> list[dict]:
        """Ordered by key, so that every run iterates the same way."""
        if self._sorted[kind] is None:
            items = self.objects[kind]
            self._sorted[kind] = [items[k] for k in sorted(items)]
        return self._sorted[kind]


class Expectations:
    """ControllerExpectations: the creates and deletes a DaemonSet is still waiting to see.

    We learn about our own pods only from later watch events; until those arrive our cache
    would say the node has no pod and we would create another. So each pass that writes sets
    "I expect N creations and M deletions", the pod handlers count them down, and the next pass
    only manages pods once both reach zero (or five minutes passed: a lost event must not block
    the DaemonSet forever).
    """

    def __init__(self) -> None:
        self.records: dict[str, dict] = {}

    def satisfied(self, key: str, now_ms: int) -> bool:
        record = self.records.get(key)
        if record is None or (record["add"] <= 0 and record["del"] <= 0):
            return True
        return now_ms - record["at"] > EXPECTATIONS_TIMEOUT_MS

    def set(self, key: str, add: int, delete: int, now_ms: int) -> None:
        self.records[key] = {"add": add, "del": delete, "at": now_ms}

    def lower(self, key: str, add: int, delete: int) -> None:
        record = self.records.get(key)
        if record is not None:
            record["add"] -= add
            record["del"] -= delete

    def creation_observed(self, key: str) -> None:
        self.lower(key, 1, 0)

    def deletion_observed(self, key: str) -> None:
        self.lower(key, 0, 1)

    def forget(self, key: str) -> None:
        self.records.pop(key, None)


class Backoff:
    """Per-node failed-pod backoff (flowcontrol.Backoff: 1 s, doubling, 15 min cap): a pod that
    keeps failing on a node is not replaced in a hot loop."""

    def __init__(self) -> None:
        self.entries: dict[str, dict] = {}

    def delay_ms(self, key: str) -> int:
        entry = self.entries.get(key)
        return entry["delay"] if entry else 0

    def next(self, key: str, now_ms: int) -> None:
        entry = self.entries.get(key)
        if entry is None or now_ms - entry["last"] > 2 * FAILED_POD_BACKOFF_MAX_MS:
            self.entries[key] = {"delay": FAILED_POD_BACKOFF_INITIAL_MS, "last": now_ms}
        else:
            entry["delay"] = min(entry["delay"] * 2, FAILED_POD_BACKOFF_MAX_MS)
            entry["last"] = now_ms

    def in_backoff(self, key: str, now_ms: int) -> bool:
        entry = self.entries.get(key)
        return entry is not None and now_ms - entry["last"] < entry["delay"]

    def gc(self, now_ms: int) -> None:
        for key in [k for k, e in self.entries.items() if now_ms - e["last"] > 2 * FAILED_POD_BACKOFF_MAX_MS]:
            del self.entries[key]


# =============================================================================================
# The controller
# =============================================================================================


class DaemonSetController:
    """The controller's long-lived state and its event loop, one `sync` request at a time:

      1. results of our previous writes -> stop expecting creates/deletes that were refused;
      2. watch events -> informer caches, then the event handlers, which decide which
         DaemonSets need a look (the work queue) and count down expectations;
      3. delayed keys that are due, and changed nodes (syncNodeUpdate) -> more queue entries;
      4. syncDaemonSet for every queued key (a DaemonSetSync pass each), appending writes;
      5. reply with the writes, and with wakeAfterSeconds if a delayed key is pending.
    """

    def __init__(self) -> None:
        self.cache = InformerCache()
        self.expectations = Expectations()
        self.failed_pods_backoff = Backoff()
        self.now_ms = 0
        self.queue: list[str] = []  # DaemonSet keys to sync, in order, without duplicates
        self.node_queue: list[str] = []  # node names whose change may matter (syncNodeUpdate)
        self.delayed: list[tuple[int, str]] = []  # (due at ms, key): enqueueAfter
        self.failures: dict[str, int] = {}  # consecutive failed syncs per key (rate limiter)
        self.writes: list[dict] = []  # the reply being built
        # What to do if a write of the previous reply failed: (DaemonSet key, "create"/"delete").
        self.pending_outcomes: list[tuple[str, str] | None] = []

    # --- the work queue ------------------------------------------------------------------------

    def enqueue(self, key: str) -> None:
        if key not in self.queue:
            self.queue.append(key)

    def enqueue_after(self, key: str, delay_ms: float) -> None:
        if delay_ms <= 0:
            self.enqueue(key)
        else:
            self.delayed.append((self.now_ms + delay_ms, key))

    def next_wake_ms(self) -> float | None:
        return min((at for at, _ in self.delayed), default=None)

    # --- one protocol step -----------------------------------------------------------------------

    def sync(self, now_ms: int, events: list[dict], results: list[dict], relist: bool = False) -> dict:
        self.now_ms = max(self.now_ms, now_ms)
        self.writes = []
        self.observe_results(results)
        for event in events:
            self.observe(event)
        if relist:
            self.forget_unlisted(events)
        # Delayed keys that are due join the queue (failed-pod backoff, minReadySeconds, retries).
        due = sorted((d for d in self.delayed if d[0] <= self.now_ms), key=lambda d: d[0])
        self.delayed = [d for d in self.delayed if d[0] > self.now_ms]
        for _, key in due:
            self.enqueue(key)
        self.process_node_queue()
        self.failed_pods_backoff.gc(self.now_ms)
        keys, self.queue = self.queue, []
        for key in keys:
            self.process_key(key)
        self.pending_outcomes = [w.pop("_outcome", None) for w in self.writes]
        reply: dict = {"writes": self.writes}
        wake = self.next_wake_ms()
        if wake is not None:
            reply["wakeAfterSeconds"] = max(0, (wake - self.now_ms) / 1000)
        return reply

    def observe_results(self, results: list[dict]) -> None:
        """A create or delete the API server refused will never show up as a watch event:
        stop expecting it (upstream does this as soon as the call returns an error)."""
        failed_syncs = []
        for outcome, result in zip(self.pending_outcomes, results):
            if outcome is None or result.get("ok", True):
                continue
            key, what = outcome
            error = result.get("error") or {}
            reason, message = error.get("reason"), error.get("message") or ""
            log(f"{what} for {key} failed: {reason}: {message}")
            if what == "create":
                if reason == "Forbidden" and "being terminated" in message:
                    continue  # the namespace is going away: every later create fails too; ignore
                self.expectations.creation_observed(key)
            else:
                self.expectations.deletion_observed(key)
                if reason == "NotFound":
                    continue  # already gone: that is what we wanted
            if key not in failed_syncs:
                failed_syncs.append(key)
        self.pending_outcomes = []
        # Upstream's pass would have returned an error: retry it with the rate limiter's backoff.
        for key in failed_syncs:
            self.retry_with_backoff(key)

    def process_key(self, key: str) -> None:
        try:
            self.sync_daemon_set(key)
        except Exception as error:  # noqa: BLE001 - a failed sync is retried, whatever the cause
            if not isinstance(error, SyncError):
                log("unexpected error:", traceback.format_exc())
            log(f"sync {key} failed: {error}")
            self.retry_with_backoff(key)
            return
        self.failures.pop(key, None)

    def retry_with_backoff(self, key: str) -> None:
        """The workqueue's per-item exponential backoff: 5 ms, 10 ms, ... up to 1000 s."""
        failures = self.failures.get(key, 0) + 1
        self.failures[key] = failures
        self.enqueue_after(key, min(RATE_LIMIT_BASE_MS * 2 ** (failures - 1), RATE_LIMIT_MAX_MS))

    # --- watch events -> caches and event handlers ---------------------------------------------

    def forget_unlisted(self, listed: list[dict]) -> None:
        """After a relist (our watches broke): what our caches hold and the LIST lacks was
        deleted while we were not watching. Its final state is unknown, so the handlers see the
        last state we knew (client-go's DeletedFinalStateUnknown tombstone)."""
        present = {(e["kind"], object_key(meta(e["object"]))) for e in listed}
        for kind in ("Node", "DaemonSet", "ControllerRevision", "Pod"):
            for obj in list(self.cache.list(kind)):
                if (kind, object_key(meta(obj))) not in present:
                    self.observe({"type": "DELETED", "kind": kind, "object": obj})

    def observe(self, event: dict) -> None:
        kind, obj = event["kind"], event["object"]
        key = object_key(meta(obj))
        previous = self.cache.get(kind, key)
        if event["type"] == "DELETED":
            if previous is None:
                return  # never knew it: nothing to forget
            self.cache.delete(kind, key)
            obj, event_type = previous, "DELETED"  # handlers see the last state we knew
        else:
            self.cache.put(kind, key, obj)
            event_type = "ADDED" if previous is None else "MODIFIED"
        handler = {
            "DaemonSet": self.on_daemon_set,
            "Pod": self.on_pod,
            "Node": self.on_node,
            "ControllerRevision": self.on_revision,
        }[kind]
        handler(event_type, obj, previous)

    def owner_key(self, obj: dict, ref: dict | None) -> str | None:
        """resolveControllerRef: the key of the DaemonSet a controllerRef points to, if we know
        that DaemonSet and it is the same object (uid), not a namesake created later."""
        if ref is None or ref.get("kind") != "DaemonSet":
            return None
        key = f"{namespace_of(obj)}/{ref.get('name')}"
        ds = self.cache.get("DaemonSet", key)
        return key if ds is not None and meta(ds).get("uid") == ref.get("uid") else None

    def matching_daemon_sets(self, obj: dict) -> list[str]:
        """DaemonSets whose selector matches an orphan: they may want to adopt it."""
        if meta(obj).get("labels") is None:
            return []
        keys = []
        for ds in self.cache.list("DaemonSet"):
            selector = spec(ds).get("selector")
            if namespace_of(ds) != namespace_of(obj) or is_empty_selector(selector):
                continue
            try:
                if compile_label_selector(selector)(labels_of(obj)):
                    keys.append(object_key(meta(ds)))
            except InvalidSelector:
                pass
        return keys

    def on_daemon_set(self, event_type: str, ds: dict, previous: dict | None) -> None:
        key = object_key(meta(ds))
        if event_type == "DELETED" or (previous is not None and meta(previous).get("uid") != meta(ds).get("uid")):
            self.expectations.forget(key)  # deleted (and maybe re-created): old expectations are void
        self.enqueue(key)

    def pod_deleted(self, pod: dict) -> None:
        key = self.owner_key(pod, controller_ref(pod))
        if key is not None:
            self.expectations.deletion_observed(key)
            self.enqueue(key)

    def on_pod(self, event_type: str, pod: dict, previous: dict | None) -> None:
        if event_type == "DELETED":
            self.pod_deleted(pod)
            return
        if event_type == "ADDED":
            if is_deleting(pod):
                # After a restart a terminating pod must not count as a creation we waited for.
                self.pod_deleted(pod)
                return
            key = self.owner_key(pod, controller_ref(pod))
            if key is not None:
                self.expectations.creation_observed(key)
                self.enqueue(key)
                return
            for k in self.matching_daemon_sets(pod):  # an orphan: who might adopt it?
                self.enqueue(k)
            return
        if meta(pod).get("resourceVersion") == meta(previous).get("resourceVersion"):
            return  # a periodic resync: nothing changed
        if is_deleting(pod):
            # Graceful deletion started: count the pod as gone now, so a replacement can be
            # planned without waiting for the kubelet to finish.
            self.pod_deleted(pod)
            return
        current_ref, old_ref = controller_ref(pod), controller_ref(previous)
        ref_changed = canonical_json(current_ref) != canonical_json(old_ref)
        if ref_changed and old_ref is not None:
            old_key = self.owner_key(previous, old_ref)
            if old_key is not None:
                self.enqueue(old_key)  # the old owner lost a pod
        key = self.owner_key(pod, current_ref)
        if key is not None:
            self.enqueue(key)
            ds = self.cache.get("DaemonSet", key)
            min_ready_seconds = spec(ds).get("minReadySeconds") or 0
            if not is_pod_ready(previous) and is_pod_ready(pod) and min_ready_seconds > 0:
                # Look again once the pod has been ready long enough to count as available.
                self.enqueue_after(key, (min_ready_seconds + 1) * 1000)
            return
        labels_changed = canonical_json(labels_of(pod)) != canonical_json(labels_of(previous))
        if labels_changed or ref_changed:
            for k in self.matching_daemon_sets(pod):
                self.enqueue(k)

    def on_revision(self, event_type: str, revision: dict, previous: dict | None) -> None:
        ref = controller_ref(revision)
        if event_type == "DELETED" or (event_type == "ADDED" and is_deleting(revision)):
            key = self.owner_key(revision, ref)
            if key is not None:
                self.enqueue(key)
            return
        if event_type == "ADDED":
            if ref is None:
                for k in self.matching_daemon_sets(revision):
                    self.enqueue(k)
            return
        if meta(revision).get("resourceVersion") == meta(previous).get("resourceVersion"):
            return
        old_ref = controller_ref(previous)
        ref_changed = canonical_json(ref) != canonical_json(old_ref)
        if ref_changed and old_ref is not None:
            old_key = self.owner_key(previous, old_ref)
            if old_key is not None:
                self.enqueue(old_key)
        key = self.owner_key(revision, ref)
        if key is not None:
            self.enqueue(key)
            return
        if canonical_json(labels_of(revision)) != canonical_json(labels_of(previous)) or ref_changed:
            for k in self.matching_daemon_sets(revision):
                self.enqueue(k)

    def on_node(self, event_type: str, node: dict, previous: dict | None) -> None:
        """A new node, or a node whose labels or taints changed, may change eligibility. A deleted
        node needs no handler: its pods go through Pod GC, and their DELETED events wake us."""
        if event_type == "DELETED":
            return
        if event_type == "MODIFIED":
            same_labels = canonical_json(labels_of(previous)) == canonical_json(labels_of(node))
            same_taints = canonical_json(spec(previous).get("taints") or []) == canonical_json(
                spec(node).get("taints") or [])
            if same_labels and same_taints:
                return
        name = meta(node).get("name") or ""
        if name not in self.node_queue:
            self.node_queue.append(name)

    def process_node_queue(self) -> None:
        """syncNodeUpdate: wake each DaemonSet whose pod on a changed node is not what it should be."""
        names, self.node_queue = self.node_queue, []
        for name in names:
            node = self.cache.get("Node", name)
            if node is None:
                continue
            scheduled_for = set()
            for pod in self.cache.list("Pod"):
                ref = controller_ref(pod)
                if spec(pod).get("nodeName") == name and ref is not None and ref.get("kind") == "DaemonSet":
                    scheduled_for.add(f"{namespace_of(pod)}/{ref.get('name')}")
            for ds in self.cache.list("DaemonSet"):
                key = object_key(meta(ds))
                scheduled = key in scheduled_for
                run, keep = should_run(node, ds)
                misscheduled = ((ds.get("status") or {}).get("numberMisscheduled") or 0) > 0
                if (run and not scheduled) or (not keep and scheduled) or (scheduled and misscheduled):
                    self.enqueue(key)

    # --- writes ----------------------------------------------------------------------------------

    def write(self, op: str, outcome: tuple[str, str] | None = None, **fields: object) -> None:
        entry = {"op": op, **fields}
        if outcome is not None:
            entry["_outcome"] = outcome  # removed before the reply is sent
        self.writes.append(entry)

    def record_event(self, ds: dict, event_type: str, reason: str, message: str) -> None:
        self.write("recordEvent", namespace=namespace_of(ds), name=meta(ds).get("name") or "",
                   eventType=event_type, reason=reason, message=message)

    # --- syncDaemonSet ---------------------------------------------------------------------------

    def sync_daemon_set(self, key: str) -> None:
        """syncDaemonSet: revisions first (they give the current hash), then, unless we are still
        waiting on expectations, manage (pods per node) and the rolling update, then history
        cleanup, and last the status. Raises SyncError for a pass to be retried with backoff."""
        ds = self.cache.get("DaemonSet", key)
        if ds is None:
            self.expectations.forget(key)  # deleted: the garbage collector takes care of its pods
            return
        if is_empty_selector(spec(ds).get("selector")):
            self.record_event(ds, "Warning", "SelectingAll",
                              "This daemon set is selecting all pods. A non-empty selector is required.")
            return
        if is_deleting(ds):
            # Being deleted: the garbage collector owns its pods now. No writes at all, not even
            # status, or we would race it (recreating pods it is deleting, re-adopting orphans).
            return
        sync = DaemonSetSync(self, ds, key)
        try:
            old_revisions, hash_ = sync.construct_history()
        except (SyncError, InvalidSelector) as error:
            raise SyncError(f"failed to construct revisions of DaemonSet: {error}") from error
        if not self.expectations.satisfied(key, self.now_ms):
            # Still waiting for our own writes to show up: report status, change nothing.
            sync.update_status(hash_, update_observed_generation=False)
            return
        failure = None
        try:
            sync.manage(hash_)
            # Roll only once manage has nothing left to do (it just set the expectations).
            if self.expectations.satisfied(key, self.now_ms):
                strategy = (spec(ds).get("updateStrategy") or {}).get("type") or "RollingUpdate"
                if strategy == "RollingUpdate":
                    sync.rolling_update(hash_)
                # OnDelete: never replace a pod for being out of date; new pods use the new template.
            sync.cleanup_history(old_revisions)
        except (SyncError, InvalidSelector) as error:
            failure = error
        sync.update_status(hash_, update_observed_generation=True)
        if failure is not None:
            raise SyncError(str(failure)) from failure


class DaemonSetSync:
    """One syncDaemonSet pass over one DaemonSet, reading the caches, appending writes."""

    def __init__(self, controller: DaemonSetController, ds: dict, key: str) -> None:
        self.c = controller
        self.ds = ds
        self.key = key
        self.namespace = namespace_of(ds)
        self.uid = meta(ds).get("uid") or ""
        self.nodes = controller.cache.list("Node")
        self.now_ms = controller.now_ms
        self.min_ready_seconds = spec(ds).get("minReadySeconds") or 0
        self.generation = template_generation(ds)

    def available(self, pod: dict) -> bool:
        return is_pod_available(pod, self.min_ready_seconds, self.now_ms)

    # --- claiming -------------------------------------------------------------------------------

    def claim(self, candidates: list[dict], kind: str) -> list[dict]:
        """ClaimPods / ClaimControllerRevisions: the objects this DaemonSet controls.

        Ours and still matching: keep. Ours but the labels stopped matching: release (remove our
        ownerReference). Orphans that match: adopt (add our controller ownerReference). Objects
        another controller owns: not ours to touch. A DaemonSet being deleted neither adopts nor
        releases. Patches carry the object's uid as a precondition, so a re-created namesake is
        never claimed by mistake.
        """
        matches = compile_label_selector(spec(self.ds).get("selector"))
        deleting = is_deleting(self.ds)
        op = "patchPod" if kind == "Pod" else "patchControllerRevision"
        claimed = []
        for obj in candidates:
            m = meta(obj)
            ref = controller_ref(obj)
            if ref is not None:
                if ref.get("uid") != self.uid:
                    continue
                if matches(labels_of(obj)):
                    claimed.append(obj)
                elif not deleting:
                    # A strategic merge patch, applied to the object as stored: only our reference goes.
                    release = {"metadata": {"ownerReferences": [{"$patch": "delete", "uid": self.uid}],
                                            "uid": m.get("uid") or ""}}
                    self.c.write(op, namespace=self.namespace, name=m.get("name") or "", uid=m.get("uid") or "",
                                 patch=release)
                continue
            if deleting or is_deleting(obj) or not matches(labels_of(obj)):
                continue
            # (Upstream first re-reads the DaemonSet live to make sure it is not being deleted;
            # our cache is all we have, and sync_daemon_set already checked it.)
            # Merged by uid into the references as stored: if another controller adopted the
            # object since our cache saw it, the API server refuses ours (one controller only).
            adopt = {"metadata": {"ownerReferences": [new_controller_ref(self.ds)], "uid": m.get("uid") or ""}}
            self.c.write(op, namespace=self.namespace, name=m.get("name") or "", uid=m.get("uid") or "",
                         patch=adopt)
            claimed.append(obj)
        return claimed

    def daemon_pods(self) -> list[dict]:
        """getDaemonPods: our pods and the matching orphans (claimed). As upstream, every call
        claims afresh (so an adoption patch may be sent more than once in a pass: harmless)."""
        candidates = []
        for pod in self.c.cache.list("Pod"):
            if namespace_of(pod) != self.namespace:
                continue
            ref = controller_ref(pod)
            if ref is None or ref.get("uid") == self.uid:
                candidates.append(pod)
        return self.claim(candidates, "Pod")

    def nodes_to_daemon_pods(self, include_deleted_terminal: bool = False) -> dict[str, list[dict]]:
        """getNodesToDaemonPods: our pods grouped by the node they belong to."""
        grouped: dict[str, list[dict]] = {}
        for pod in self.daemon_pods():
            # A finished pod that is already being deleted no longer blocks its replacement (#118587).
            if not include_deleted_terminal and is_terminal(pod) and is_deleting(pod):
                continue
            node_name = target_node_name(pod)
            if node_name is not None:
                grouped.setdefault(node_name, []).append(pod)
        return grouped

    # --- ControllerRevisions ----------------------------------------------------------------------

    def revision_data(self) -> dict:
        """What a revision stores: the template, as a strategic-merge patch that replaces it."""
        template = copy.deepcopy(spec(self.ds).get("template") or {})
        template["$patch"] = "replace"
        return {"spec": {"template": template}}

    def revision_matches(self, revision: dict) -> bool:
        return canonical_json(self.revision_data()) == canonical_json(revision.get("data"))

    def construct_history(self) -> tuple[list[dict], str]:
        """Find (or snapshot) the revision of the current template; returns (old revisions, hash).

        A rollback to an earlier template finds that template's revision among the old ones and
        renumbers it as the newest, instead of creating a duplicate.
        """
        candidates = [r for r in self.c.cache.list("ControllerRevision") if namespace_of(r) == self.namespace]
        current, old = [], []
        for revision in self.claim(candidates, "ControllerRevision"):
            if HASH_LABEL not in labels_of(revision):
                # A legacy revision: its name stands in for the hash.
                revision = copy.deepcopy(revision)
                name = meta(revision).get("name") or ""
                revision["metadata"]["labels"] = {**labels_of(revision), HASH_LABEL: name}
                self.c.write("updateControllerRevision", namespace=self.namespace, revision=revision)
            (current if self.revision_matches(revision) else old).append(revision)
        next_number = max((r.get("revision") or 0 for r in old), default=0) + 1
        if not current:
            cur = self.snapshot(next_number)
        else:
            cur = self.dedup_current(current)
            if (cur.get("revision") or 0) < next_number:
                bumped = copy.deepcopy(cur)
                bumped["revision"] = next_number
                self.c.write("updateControllerRevision", namespace=self.namespace, revision=bumped)
        return old, labels_of(cur).get(HASH_LABEL, "")

    def snapshot(self, number: int) -> dict:
        """Create the revision `<ds>-<hash>`. If a different revision already has that name (a hash
        collision), bump status.collisionCount, which changes the hash, and try again later."""
        ds_name = meta(self.ds).get("name") or ""
        status = self.ds.get("status") or {}
        hash_ = compute_hash(spec(self.ds).get("template"), status.get("collisionCount"))
        name = f"{ds_name}-{hash_}"
        revision = {
            "apiVersion": "apps/v1",
            "kind": "ControllerRevision",
            "metadata": {
                "name": name,
                "namespace": self.namespace,
                "labels": {**labels_of(spec(self.ds).get("template")), HASH_LABEL: hash_},
                # The DaemonSet's annotations (among them the legacy template generation).
                **({"annotations": dict(meta(self.ds)["annotations"])} if meta(self.ds).get("annotations") else {}),
                "ownerReferences": [new_controller_ref(self.ds)],
            },
            "data": self.revision_data(),
            "revision": number,
        }
        existing = self.c.cache.get("ControllerRevision", f"{self.namespace}/{name}")
        if existing is None:
            self.c.write("createControllerRevision", namespace=self.namespace, revision=revision)
            return revision
        if self.revision_matches(existing):
            return existing  # ours already (perhaps not claimed: someone else controls it)
        base = self.ds.get("status")
        if base is None:
            base = dict(EMPTY_STATUS)
        self.write_status({**base, "collisionCount": (status.get("collisionCount") or 0) + 1})
        raise SyncError(f"hash collision on ControllerRevision {name}; collisionCount bumped")

    def dedup_current(self, current: list[dict]) -> dict:
        """Several revisions hold the current template: keep the newest, point every pod at its
        hash, delete the others."""
        if len(current) == 1:
            return current[0]
        keep = current[0]
        for revision in current:
            if (revision.get("revision") or 0) >= (keep.get("revision") or 0):
                keep = revision
        keep_hash = labels_of(keep).get(HASH_LABEL, "")
        for pod in self.daemon_pods():
            if labels_of(pod).get(HASH_LABEL) != keep_hash:
                self.c.write("patchPod", namespace=self.namespace, name=meta(pod).get("name") or "",
                             labels={HASH_LABEL: keep_hash})
        for revision in current:
            if meta(revision).get("name") != meta(keep).get("name"):
                self.c.write("deleteControllerRevision", namespace=self.namespace, name=meta(revision).get("name"))
        return keep

    def cleanup_history(self, old: list[dict]) -> None:
        """Keep at most revisionHistoryLimit old revisions; delete the oldest first, but never one
        that a pod still runs (it is needed to tell that pod's template)."""
        limit = spec(self.ds).get("revisionHistoryLimit")
        to_kill = len(old) - (DEFAULT_REVISION_HISTORY_LIMIT if limit is None else limit)
        if to_kill <= 0:
            return
        live_hashes = {labels_of(p).get(HASH_LABEL) for pods in self.nodes_to_daemon_pods(True).values()
                       for p in pods if labels_of(p).get(HASH_LABEL)}
        for revision in sorted(old, key=lambda r: r.get("revision") or 0):
            if to_kill <= 0:
                break
            if labels_of(revision).get(HASH_LABEL, "") in live_hashes:
                continue
            self.c.write("deleteControllerRevision", namespace=self.namespace, name=meta(revision).get("name"))
            to_kill -= 1

    # --- manage: one pod on every node that should run one ----------------------------------------

    def failed_pods_backoff_key(self, node_name: str) -> str:
        # A new observed generation (a spec change) starts a fresh backoff.
        observed = (self.ds.get("status") or {}).get("observedGeneration") or 0
        return f"{self.uid}/{observed}/{node_name}"

    def pods_should_be_on_node(self, node: dict, node_to_pods: dict, hash_: str,
                               nodes_needing_pods: list[str], pods_to_delete: list[str]) -> None:
        """podsShouldBeOnNode: the per-node decision."""
        node_name = meta(node).get("name") or ""
        run, keep = should_run(node, self.ds)
        daemon_pods = node_to_pods.get(node_name, [])

        if run and not daemon_pods:
            nodes_needing_pods.append(node_name)
            return
        if not keep:
            # Not allowed here (any more): delete every pod that is not already going.
            pods_to_delete.extend(meta(p).get("name") for p in daemon_pods if not is_deleting(p))
            return

        running = []
        for pod in daemon_pods:
            if is_deleting(pod):
                continue  # respect graceful termination: neither count it nor delete it again
            name = meta(pod).get("name")
            if phase_of(pod) == "Failed":
                # Replace a failed pod, but not in a hot loop: back off per node.
                backoff_key = self.failed_pods_backoff_key(node_name)
                if self.c.failed_pods_backoff.in_backoff(backoff_key, self.now_ms):
                    self.c.enqueue_after(self.key, self.c.failed_pods_backoff.delay_ms(backoff_key))
                    continue
                self.c.failed_pods_backoff.next(backoff_key, self.now_ms)
                self.c.record_event(
                    self.ds, "Warning", "FailedDaemonPod",
                    f"Found failed daemon pod {self.namespace}/{name} on node {node_name}, will try to kill it")
                pods_to_delete.append(name)
            elif phase_of(pod) == "Succeeded":
                # A daemon should never finish; delete it so that a new one starts.
                self.c.record_event(
                    self.ds, "Normal", "SucceededDaemonPod",
                    f"Found succeeded daemon pod {self.namespace}/{name} on node {node_name}, will try to delete it")
                pods_to_delete.append(name)
            else:
                running.append(pod)

        if not allows_surge(self.ds):
            # One pod per node: keep the oldest, delete the duplicates. Never create here: a
            # replacement waits until the terminating pod is gone.
            running.sort(key=oldest_first)
            pods_to_delete.extend(meta(p).get("name") for p in running[1:])
            return

        # Surge: a node may briefly run one old and one new pod.
        if len(running) <= 1:
            if not running and run:
                nodes_needing_pods.append(node_name)
            return
        running.sort(key=oldest_first)
        oldest_new = oldest_old = None
        for pod in running:  # keep the oldest pod of the current hash and the oldest of any other
            is_new = labels_of(pod).get(HASH_LABEL) == hash_
            if is_new and oldest_new is None:
                oldest_new = pod
            elif not is_new and oldest_old is None:
                oldest_old = pod
            else:
                pods_to_delete.append(meta(pod).get("name"))
        if oldest_new is not None and oldest_old is not None:
            # The old pod goes once the new one is available (or if the old one is not ready anyway).
            if not is_pod_ready(oldest_old) or self.available(oldest_new):
                pods_to_delete.append(meta(oldest_old).get("name"))

    def manage(self, hash_: str) -> None:
        node_to_pods = self.nodes_to_daemon_pods()
        nodes_needing_pods: list[str] = []
        pods_to_delete: list[str] = []
        for node in self.nodes:
            self.pods_should_be_on_node(node, node_to_pods, hash_, nodes_needing_pods, pods_to_delete)
        # Pods pinned to a node that no longer exists and never bound: the scheduler cannot place
        # them, so delete them. Bound pods of a missing node are left to Pod GC.
        known = {meta(n).get("name") or "" for n in self.nodes}
        for node_name in sorted(node_to_pods):
            if node_name not in known:
                pods_to_delete.extend(meta(p).get("name") for p in node_to_pods[node_name]
                                      if not spec(p).get("nodeName"))
        self.sync_nodes(pods_to_delete, nodes_needing_pods, hash_)

    def sync_nodes(self, pods_to_delete: list[str], nodes_needing_pods: list[str], hash_: str) -> None:
        """Issue the creates and deletes, after telling the expectations how many to wait for."""
        creates = nodes_needing_pods[:BURST_REPLICAS]
        deletes = pods_to_delete[:BURST_REPLICAS]
        self.c.expectations.set(self.key, len(creates), len(deletes), self.now_ms)
        template = create_pod_template(spec(self.ds).get("template") or {}, self.generation, hash_)
        template_meta = meta(template)
        for node_name in creates:
            pod_meta = {f: copy.deepcopy(template_meta[f]) for f in ("labels", "annotations", "finalizers")
                        if f in template_meta}
            pod_meta.update({
                "namespace": self.namespace,
                "generateName": f"{meta(self.ds).get('name')}-",
                "ownerReferences": [new_controller_ref(self.ds)],
            })
            pod_spec = copy.deepcopy(spec(template))
            pod_spec["affinity"] = pin_to_node(spec(template).get("affinity"), node_name)
            self.c.write("createPod", (self.key, "create"), namespace=self.namespace,
                         pod={"metadata": pod_meta, "spec": pod_spec})
        for name in deletes:
            self.c.write("deletePod", (self.key, "delete"), namespace=self.namespace, name=name)

    # --- rolling update ----------------------------------------------------------------------------

    def updated_and_old_pod(self, pods: list[dict], hash_: str):
        """findUpdatedPodsOnNode: (ok, new pod, old pod) among the non-terminating pods; not ok when
        a node has two of either kind (manage prunes the duplicates first)."""
        new_pod = old_pod = None
        for pod in pods:
            if is_deleting(pod):
                continue
            if is_pod_updated(pod, hash_, self.generation):
                if new_pod is not None:
                    return False, None, None
                new_pod = pod
            else:
                if old_pod is not None:
                    return False, None, None
                old_pod = pod
        return True, new_pod, old_pod

    def rolling_update(self, hash_: str) -> None:
        node_to_pods = self.nodes_to_daemon_pods()
        # updatedDesiredNodeCounts: every node that should run a pod gets an entry, even empty.
        desired = 0
        for node in self.nodes:
            if should_run(node, self.ds)[0]:
                desired += 1
                node_to_pods.setdefault(meta(node).get("name") or "", [])
        try:
            max_surge, max_unavailable = effective_budgets(self.ds, desired)
        except SyncError as error:
            raise SyncError(f"couldn't get unavailable numbers: {error}") from error
        # Walk the nodes in order, then pods pinned to nodes we do not know (sorted by name).
        names = [meta(n).get("name") or "" for n in self.nodes]
        in_node_order = [name for name in names if name in node_to_pods]
        entries = [(name, node_to_pods[name]) for name in in_node_order]
        entries += [(name, node_to_pods[name]) for name in sorted(node_to_pods) if name not in set(in_node_order)]

        if max_surge == 0:
            self.roll_without_surge(entries, hash_, max_unavailable)
        else:
            self.roll_with_surge(entries, hash_, max_surge, desired)

    def roll_without_surge(self, entries, hash_: str, max_unavailable: int) -> None:
        """Delete old pods, at most maxUnavailable nodes without an available pod at a time;
        manage then creates the new pods on the emptied nodes."""
        num_unavailable = 0
        allowed_replacements: list[str] = []
        candidates: list[str] = []
        for _node_name, pods in entries:
            ok, new_pod, old_pod = self.updated_and_old_pod(pods, hash_)
            if not ok:
                num_unavailable += 1
                continue
            if (old_pod is None) == (new_pod is None):  # no pod at all, or both (mid-replacement)
                num_unavailable += 1
            elif new_pod is not None:
                if not self.available(new_pod):
                    num_unavailable += 1
            elif not self.available(old_pod):
                # An old pod that is not available anyway is replaced whatever the budget.
                allowed_replacements.append(meta(old_pod).get("name"))
                num_unavailable += 1
            elif num_unavailable < max_unavailable:
                candidates.append(meta(old_pod).get("name"))
        remaining = min(max(max_unavailable - num_unavailable, 0), len(candidates))
        self.sync_nodes(allowed_replacements + candidates[:remaining], [], hash_)

    def roll_with_surge(self, entries, hash_: str, max_surge: int, desired: int) -> None:
        """Start a new pod beside the old one on at most maxSurge nodes at a time; the old pod is
        deleted once the new one is available, so availability never drops."""
        num_surge = 0
        num_available = 0
        should_not_run_pods: list[str] = []
        allowed_new_nodes: list[str] = []
        candidate_new_nodes: list[str] = []
        old_pods_to_delete: list[str] = []
        for node_name, pods in entries:
            ok, new_pod, old_pod = self.updated_and_old_pod(pods, hash_)
            if not ok:
                num_surge += 1
                continue
            if old_pod is not None and self.available(old_pod):
                num_available += 1
            elif new_pod is not None and self.available(new_pod):
                num_available += 1
            if old_pod is None:
                continue  # manage handles nodes without an old pod
            if new_pod is None:
                node = self.c.cache.get("Node", node_name)
                if node is None:
                    raise SyncError(f'node "{node_name}" not found')
                run = should_run(node, self.ds)[0]
                if not self.available(old_pod):
                    if not run:
                        old_pods_to_delete.append(meta(old_pod).get("name"))
                    else:
                        allowed_new_nodes.append(node_name)  # replace it whatever the budget
                elif not run:
                    should_not_run_pods.append(meta(old_pod).get("name"))
                elif num_surge < max_surge:
                    candidate_new_nodes.append(node_name)
                continue
            if not self.available(new_pod):
                num_surge += 1  # still surging on this node
                continue
            old_pods_to_delete.append(meta(old_pod).get("name"))  # the new pod is available: retire the old
        remaining = min(max(max_surge - num_surge, 0), len(candidate_new_nodes))
        new_nodes = allowed_new_nodes + candidate_new_nodes[:remaining]
        # Old pods on nodes that no longer qualify go only while availability stays above desired (#118823).
        deletable = num_available - desired
        if deletable > 0:
            old_pods_to_delete += should_not_run_pods[:deletable]
        self.sync_nodes(old_pods_to_delete, new_nodes, hash_)

    # --- status ---------------------------------------------------------------------------------

    def update_status(self, hash_: str, update_observed_generation: bool) -> None:
        """The status block: counted per node, each scheduled node judged by its oldest pod."""
        node_to_pods = self.nodes_to_daemon_pods()
        counters = dict.fromkeys(STATUS_COUNTERS, 0)
        for node in self.nodes:
            run, _ = should_run(node, self.ds)
            pods = node_to_pods.get(meta(node).get("name") or "", [])
            if not run:
                if pods:
                    counters["numberMisscheduled"] += 1
                continue
            counters["desiredNumberScheduled"] += 1
            if not pods:
                continue
            counters["currentNumberScheduled"] += 1
            oldest = min(pods, key=oldest_first)
            if is_pod_ready(oldest):
                counters["numberReady"] += 1
                if self.available(oldest):
                    counters["numberAvailable"] += 1
            if is_pod_updated(oldest, hash_, self.generation):
                counters["updatedNumberScheduled"] += 1
        counters["numberUnavailable"] = counters["desiredNumberScheduled"] - counters["numberAvailable"]

        # Skip the write when nothing changed and observedGeneration is current: every write would
        # wake every watcher of the DaemonSet, including ourselves.
        status = self.ds.get("status") or {}
        generation = meta(self.ds).get("generation") or 0
        unchanged = all((status.get(k) or 0) == v for k, v in counters.items())
        if not (unchanged and (status.get("observedGeneration") or 0) >= generation):
            previous = self.ds.get("status")
            new_status = {**(EMPTY_STATUS if previous is None else previous), **counters}
            if update_observed_generation:
                # "The controller has seen this spec": only after a full pass (not while waiting
                # on expectations), so observers can tell the status reflects the current spec.
                new_status["observedGeneration"] = generation
            self.write_status(new_status)

        if self.min_ready_seconds > 0 and counters["numberReady"] != counters["numberAvailable"]:
            # Some ready pods are not available yet: look again once they may be.
            self.c.enqueue_after(self.key, self.min_ready_seconds * 1000)

    def write_status(self, status: dict) -> None:
        fields: dict = {"namespace": self.namespace, "name": meta(self.ds).get("name") or "", "status": status}
        if meta(self.ds).get("resourceVersion"):
            fields["resourceVersion"] = meta(self.ds)["resourceVersion"]  # stale write -> Conflict
        self.c.write("updateDaemonSetStatus", **fields)


# The required fields of a DaemonSetStatus, for a DaemonSet that has none yet.
EMPTY_STATUS = {
    "currentNumberScheduled": 0,
    "desiredNumberScheduled": 0,
    "numberMisscheduled": 0,
    "numberReady": 0,
}

STATUS_COUNTERS = (
    "desiredNumberScheduled",
    "currentNumberScheduled",
    "numberMisscheduled",
    "numberReady",
    "updatedNumberScheduled",
    "numberAvailable",
    "numberUnavailable",
)


# =============================================================================================
# The protocol loop
# =============================================================================================


def handle(controller: DaemonSetController, request: dict) -> tuple[dict | None, DaemonSetController]:
    """One request -> (reply or None for shutdown, the controller to use from now on)."""
    kind, rid = request.get("type"), request.get("id")
    if kind == "init":
        return {
            "type": "init_ok",
            "re": rid,
            "protocol": PROTOCOL_VERSION,
            "implementation": IMPLEMENTATION,
            "capabilities": {"rollingUpdate": True, "surge": True, "revisions": True, "taints": True, "relist": True},
        }, controller
    if kind == "reset":
        # A new case or a controller restart: empty caches, no expectations, no queue. The next
        # sync delivers the whole cluster as ADDED events (the informers' initial LIST).
        return {"type": "reset_ok", "re": rid}, DaemonSetController()
    if kind == "sync":
        now_ms = parse_time_ms(request.get("now"))
        if now_ms is None:
            text = f"cannot parse now={request.get('now')!r}"
            return {"type": "error", "re": rid, "code": "bad-time", "text": text}, controller
        events, results = request.get("events") or [], request.get("results") or []
        reply = controller.sync(now_ms, events, results, relist=request.get("relist") is True)
        return {"type": "sync_ok", "re": rid, **reply}, controller
    if kind == "shutdown":
        return None, controller
    text = f"unknown request type {kind!r}"
    return {"type": "error", "re": rid, "code": "unknown-request", "text": text}, controller


def main() -> None:
    stdin = open(sys.stdin.fileno(), "r", encoding="utf-8", closefd=False)
    stdout = open(sys.stdout.fileno(), "w", encoding="utf-8", closefd=False)
    controller = DaemonSetController()
    for line in stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except json.JSONDecodeError:
            stdout.write(json.dumps({"type": "error", "code": "bad-json", "text": "request is not JSON"}) + "\n")
            stdout.flush()
            continue
        reply, controller = handle(controller, request)
        if reply is None:
            break
        stdout.write(json.dumps(reply, separators=(",", ":")) + "\n")
        stdout.flush()


if __name__ == "__main__":
    main()
