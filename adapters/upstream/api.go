package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"sync"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apps "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
)

// A write the controller made during one sync, and what the adapter must do if the API server
// refuses it (the outcome only arrives with the next sync).
type pendingWrite struct {
	write map[string]any
	// dsKey is the DaemonSet the write was made for ("" when unknown).
	dsKey string
	// sortKey orders concurrent creates (by node) and deletes (by pod name); "" for other writes.
	sortKey string
}

// apiRecorder answers the controller's API calls (client-go fake clientset reactors) and turns
// each mutating call into a protocol write. Reads are answered from the informer caches, plus the
// revisions created earlier in the same sync (an API server would know them already).
type apiRecorder struct {
	mu      sync.Mutex
	caches  *caches
	writes  []pendingWrite
	created map[string]*apps.ControllerRevision
	// removed holds the pods and revisions ("pods/ns/name", "controllerrevisions/ns/name") that a
	// delete of this sync removed from the API server at once (see podRemovedAtOnce): later calls on
	// them in the same sync are answered NotFound, as an API server answers them.
	removed map[string]bool
	// modified holds the revisions ("controllerrevisions/ns/name") that a patch or update of this
	// sync changed: the API server gave them a new resourceVersion, which the informer cache (and so
	// every object the controller holds) does not have yet.
	modified map[string]bool
	// patchedOwner holds, for the pods ("pods/ns/name") a patch of this sync adopted, the key of
	// the DaemonSet that now controls them: a later delete in the same sync is that DaemonSet's
	// (syncNodes lowers its expectations when the delete fails), though the cache does not know yet.
	patchedOwner map[string]string
	generated    int
}

func newAPIRecorder(c *caches) *apiRecorder {
	return &apiRecorder{
		caches:       c,
		created:      map[string]*apps.ControllerRevision{},
		removed:      map[string]bool{},
		modified:     map[string]bool{},
		patchedOwner: map[string]string{},
	}
}

// take returns the writes of this sync, concurrent creates and deletes in a stable order, and
// starts the next sync.
func (a *apiRecorder) take() []pendingWrite {
	a.mu.Lock()
	defer a.mu.Unlock()
	writes := a.writes
	a.writes = nil
	a.created = map[string]*apps.ControllerRevision{}
	a.removed = map[string]bool{}
	a.patchedOwner = map[string]string{}
	a.modified = map[string]bool{}
	// syncNodes creates (and deletes) pods from concurrent goroutines, so their order is the
	// scheduler's: each run of consecutive creates or deletes is put in node / name order.
	for start := 0; start < len(writes); {
		op := writes[start].write["op"]
		end := start + 1
		for end < len(writes) && writes[end].write["op"] == op {
			end++
		}
		if op == "createPod" || op == "deletePod" {
			run := writes[start:end]
			sort.SliceStable(run, func(i, j int) bool { return run[i].sortKey < run[j].sortKey })
		}
		start = end
	}
	return writes
}

func (a *apiRecorder) emit(w pendingWrite) {
	a.writes = append(a.writes, w)
}

var (
	podsResource      = schema.GroupResource{Resource: "pods"}
	revisionsResource = schema.GroupResource{Group: "apps", Resource: "controllerrevisions"}
	daemonSetResource = schema.GroupResource{Group: "apps", Resource: "daemonsets"}
)

// react is the fake clientset's reactor for every verb and resource.
func (a *apiRecorder) react(action clienttesting.Action) (bool, runtime.Object, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ns := action.GetNamespace()
	resource := action.GetResource().Resource
	// By verb: the action interfaces overlap (CreateAction and UpdateAction have the same methods).
	switch action.GetVerb() {
	case "create":
		switch obj := action.(clienttesting.CreateAction).GetObject().(type) {
		case *v1.Pod:
			return true, a.createPod(ns, obj.DeepCopy()), nil
		case *apps.ControllerRevision:
			return a.createRevision(ns, obj.DeepCopy())
		}
	case "update":
		return a.update(ns, action.(clienttesting.UpdateAction))
	case "delete":
		name := action.(clienttesting.DeleteAction).GetName()
		switch resource {
		case "pods":
			if a.removed[removedKey(resource, ns, name)] {
				return true, nil, apierrors.NewNotFound(podsResource, name)
			}
			key := a.patchedOwner[removedKey(resource, ns, name)]
			if pod, ok := a.caches.pod(ns, name); ok {
				if key == "" {
					key = controllerKey(ns, pod.OwnerReferences)
				}
				if podRemovedAtOnce(pod) {
					a.removed[removedKey(resource, ns, name)] = true
				}
			}
			a.emit(pendingWrite{
				write: map[string]any{"op": "deletePod", "namespace": ns, "name": name},
				dsKey: key, sortKey: name,
			})
			return true, nil, nil
		case "controllerrevisions":
			if a.removed[removedKey(resource, ns, name)] {
				return true, nil, apierrors.NewNotFound(revisionsResource, name)
			}
			key := ""
			if rev, ok := a.caches.revision(ns, name); ok {
				key = controllerKey(ns, rev.OwnerReferences)
				if len(rev.Finalizers) == 0 {
					a.removed[removedKey(resource, ns, name)] = true
				}
			} else if rev, ok := a.created[ns+"/"+name]; ok {
				key = controllerKey(ns, rev.OwnerReferences)
				if len(rev.Finalizers) == 0 {
					a.removed[removedKey(resource, ns, name)] = true
					delete(a.created, ns+"/"+name)
				}
			}
			a.emit(pendingWrite{
				write: map[string]any{"op": "deleteControllerRevision", "namespace": ns, "name": name},
				dsKey: key,
			})
			return true, nil, nil
		}
	case "patch":
		switch resource {
		case "pods":
			return a.patch(ns, action.(clienttesting.PatchAction), "Pod")
		case "controllerrevisions":
			return a.patch(ns, action.(clienttesting.PatchAction), "ControllerRevision")
		}
	case "get":
		name := action.(clienttesting.GetAction).GetName()
		if a.removed[removedKey(resource, ns, name)] {
			return true, nil, apierrors.NewNotFound(schema.GroupResource{Group: action.GetResource().Group, Resource: resource}, name)
		}
		switch resource {
		case "daemonsets":
			if ds, ok := a.caches.daemonSet(ns, name); ok {
				return true, ds.DeepCopy(), nil
			}
			return true, nil, apierrors.NewNotFound(daemonSetResource, name)
		case "controllerrevisions":
			if rev, ok := a.created[ns+"/"+name]; ok {
				return true, rev.DeepCopy(), nil
			}
			if rev, ok := a.caches.revision(ns, name); ok {
				return true, rev.DeepCopy(), nil
			}
			return true, nil, apierrors.NewNotFound(revisionsResource, name)
		case "pods":
			if pod, ok := a.caches.pod(ns, name); ok {
				return true, pod.DeepCopy(), nil
			}
			return true, nil, apierrors.NewNotFound(podsResource, name)
		}
	}
	return true, nil, fmt.Errorf("dsconform upstream adapter: unsupported API call %s %s", action.GetVerb(), resource)
}

// update records UpdateStatus of a DaemonSet and Update of a ControllerRevision.
func (a *apiRecorder) update(ns string, act clienttesting.UpdateAction) (bool, runtime.Object, error) {
	switch obj := act.GetObject().(type) {
	case *apps.DaemonSet:
		if act.GetSubresource() == "status" {
			a.emit(pendingWrite{
				write: map[string]any{
					"op": "updateDaemonSetStatus", "namespace": ns, "name": obj.Name,
					"status": wire(obj.Status), "resourceVersion": obj.ResourceVersion,
				},
				dsKey: ns + "/" + obj.Name,
			})
			return true, obj.DeepCopy(), nil
		}
	case *apps.ControllerRevision:
		key := removedKey("controllerrevisions", ns, obj.Name)
		if a.removed[key] {
			return true, nil, apierrors.NewNotFound(revisionsResource, obj.Name)
		}
		// An update carrying the resourceVersion the controller read before its own patch or update
		// of this sync: the API server's optimistic concurrency refuses it (409). constructHistory
		// updates the revision it has just adopted (ClaimControllerRevisions hands back the cached
		// object), so against an API server that sync fails and the next one, with the informer
		// caught up, succeeds.
		if a.modified[key] && obj.ResourceVersion != "" {
			return true, nil, apierrors.NewConflict(revisionsResource, obj.Name,
				fmt.Errorf("the object has been modified; please apply your changes to the latest version and try again"))
		}
		a.modified[key] = true
		rev := obj.DeepCopy()
		rev.APIVersion, rev.Kind = "apps/v1", "ControllerRevision"
		a.emit(pendingWrite{
			write: map[string]any{"op": "updateControllerRevision", "namespace": ns, "revision": wire(rev)},
			dsKey: controllerKey(ns, rev.OwnerReferences),
		})
		return true, obj.DeepCopy(), nil
	}
	return true, nil, fmt.Errorf("dsconform upstream adapter: unsupported API call %s %s/%s", act.GetVerb(), act.GetResource().Resource, act.GetSubresource())
}

func (a *apiRecorder) createPod(ns string, pod *v1.Pod) *v1.Pod {
	pod.Namespace = ns
	pod.APIVersion, pod.Kind = "v1", "Pod"
	a.emit(pendingWrite{
		write:   map[string]any{"op": "createPod", "namespace": ns, "pod": wire(pod)},
		dsKey:   controllerKey(ns, pod.OwnerReferences),
		sortKey: pinnedNode(pod),
	})
	// The API server names the pod; the controller only logs the name it gets back. The real name
	// arrives with the pod's ADDED event.
	a.generated++
	answer := pod.DeepCopy()
	if answer.Name == "" {
		answer.Name = pod.GenerateName + "pending" + strconv.Itoa(a.generated)
	}
	return answer
}

func (a *apiRecorder) createRevision(ns string, rev *apps.ControllerRevision) (bool, runtime.Object, error) {
	key := ns + "/" + rev.Name
	if _, ok := a.created[key]; ok {
		return true, nil, apierrors.NewAlreadyExists(revisionsResource, rev.Name)
	}
	if _, ok := a.caches.revision(ns, rev.Name); ok {
		return true, nil, apierrors.NewAlreadyExists(revisionsResource, rev.Name)
	}
	rev.Namespace = ns
	rev.APIVersion, rev.Kind = "apps/v1", "ControllerRevision"
	a.created[key] = rev.DeepCopy()
	a.emit(pendingWrite{
		write: map[string]any{"op": "createControllerRevision", "namespace": ns, "revision": wire(rev)},
		dsKey: controllerKey(ns, rev.OwnerReferences),
	})
	return true, rev.DeepCopy(), nil
}

// patch applies the controller's patch (strategic merge for adoption and release, JSON merge for
// the revision-hash relabel) to the cached object, for the controller's reply and the adapter's
// bookkeeping, and sends the patch itself as the protocol write. A uid in the patch (the
// ControllerRefManager's precondition) becomes the write's uid.
func (a *apiRecorder) patch(ns string, act clienttesting.PatchAction, kind string) (bool, runtime.Object, error) {
	name := act.GetName()
	var current runtime.Object
	var schemaObj any
	if kind == "Pod" && a.removed[removedKey("pods", ns, name)] {
		return true, nil, apierrors.NewNotFound(podsResource, name)
	}
	if kind == "ControllerRevision" && a.removed[removedKey("controllerrevisions", ns, name)] {
		return true, nil, apierrors.NewNotFound(revisionsResource, name)
	}
	if kind == "Pod" {
		pod, ok := a.caches.pod(ns, name)
		if !ok {
			return true, nil, apierrors.NewNotFound(podsResource, name)
		}
		current, schemaObj = pod, &v1.Pod{}
	} else {
		rev, ok := a.caches.revision(ns, name)
		if !ok {
			return true, nil, apierrors.NewNotFound(revisionsResource, name)
		}
		current, schemaObj = rev, &apps.ControllerRevision{}
	}
	original, err := json.Marshal(current)
	if err != nil {
		return true, nil, err
	}
	var patched []byte
	switch act.GetPatchType() {
	case types.StrategicMergePatchType:
		patched, err = strategicpatch.StrategicMergePatch(original, act.GetPatch(), schemaObj)
	case types.MergePatchType:
		patched, err = jsonpatch.MergePatch(original, act.GetPatch())
	default:
		err = fmt.Errorf("unsupported patch type %s", act.GetPatchType())
	}
	if err != nil {
		return true, nil, apierrors.NewBadRequest(err.Error())
	}
	var before, after metav1.PartialObjectMetadata
	if err := json.Unmarshal(original, &before); err != nil {
		return true, nil, err
	}
	if err := json.Unmarshal(patched, &after); err != nil {
		return true, nil, err
	}
	var patchMeta struct {
		Metadata struct {
			UID             string          `json:"uid"`
			OwnerReferences json.RawMessage `json:"ownerReferences"`
			Labels          json.RawMessage `json:"labels"`
		} `json:"metadata"`
	}
	_ = json.Unmarshal(act.GetPatch(), &patchMeta)
	op := "patchPod"
	if kind == "ControllerRevision" {
		op = "patchControllerRevision"
	}
	// The patch itself goes to dsconform, which applies it to the object as stored, as the API
	// server does: an adoption computed here from a stale cache cannot undo a concurrent one.
	write := map[string]any{"op": op, "namespace": ns, "name": name, "patch": json.RawMessage(act.GetPatch())}
	if act.GetPatchType() == types.MergePatchType {
		write["patchType"] = "merge"
	} else {
		write["patchType"] = "strategic"
	}
	if patchMeta.Metadata.UID != "" {
		write["uid"] = patchMeta.Metadata.UID
	}
	// A release is the old controller's write, an adoption the new one's.
	key := controllerKey(ns, before.OwnerReferences)
	if key == "" {
		key = controllerKey(ns, after.OwnerReferences)
	}
	if kind == "Pod" && controllerKey(ns, after.OwnerReferences) != "" {
		a.patchedOwner[removedKey("pods", ns, name)] = controllerKey(ns, after.OwnerReferences)
	}
	a.emit(pendingWrite{write: write, dsKey: key})
	if kind == "ControllerRevision" && (!reflect.DeepEqual(before.OwnerReferences, after.OwnerReferences) ||
		!reflect.DeepEqual(before.Labels, after.Labels)) {
		a.modified[removedKey("controllerrevisions", ns, name)] = true
	}
	result := current.DeepCopyObject()
	if err := json.Unmarshal(patched, result); err != nil {
		return true, nil, err
	}
	return true, result, nil
}

func removedKey(resource, ns, name string) string {
	return resource + "/" + ns + "/" + name
}

// podRemovedAtOnce tells whether the API server removes the pod as soon as the controller deletes
// it (DeleteOptions without a grace period), rather than marking it terminating: the pod strategy's
// CheckGracefulDelete (pkg/registry/core/pod/strategy.go) gives an unscheduled or terminal pod a
// grace period of 0, and otherwise takes spec.terminationGracePeriodSeconds (defaulted to 30);
// the generic store (apiserver pkg/registry/generic/registry/store.go, Delete and
// updateForGracefulDeletionAndFinalizers) then deletes at once when the grace period is 0 and no
// finalizer is left. A pod already terminating keeps its (shorter) grace period.
func podRemovedAtOnce(pod *v1.Pod) bool {
	if len(pod.Finalizers) > 0 {
		return false
	}
	if pod.DeletionTimestamp != nil {
		return pod.DeletionGracePeriodSeconds != nil && *pod.DeletionGracePeriodSeconds <= 0
	}
	if pod.Spec.NodeName == "" || pod.Status.Phase == v1.PodFailed || pod.Status.Phase == v1.PodSucceeded {
		return true
	}
	return pod.Spec.TerminationGracePeriodSeconds != nil && *pod.Spec.TerminationGracePeriodSeconds <= 0
}

// controllerKey is the namespace/name key of the DaemonSet that controls an object, or "".
func controllerKey(ns string, refs []metav1.OwnerReference) string {
	for _, ref := range refs {
		if ref.Controller != nil && *ref.Controller && ref.Kind == "DaemonSet" {
			return ns + "/" + ref.Name
		}
	}
	return ""
}

// pinnedNode is the node a daemon pod's node affinity pins it to.
func pinnedNode(pod *v1.Pod) string {
	if pod.Spec.Affinity == nil || pod.Spec.Affinity.NodeAffinity == nil {
		return ""
	}
	required := pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution
	if required == nil {
		return ""
	}
	for _, term := range required.NodeSelectorTerms {
		for _, field := range term.MatchFields {
			if field.Key == "metadata.name" && len(field.Values) > 0 {
				return field.Values[0]
			}
		}
	}
	return ""
}

// wire turns a typed API value into its JSON form as a generic value, without the nulls that
// Go's encoding gives unset timestamps.
func wire(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		panic(err)
	}
	return dropNulls(out)
}

func dropNulls(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if val == nil {
				delete(t, k)
				continue
			}
			t[k] = dropNulls(val)
		}
	case []any:
		for i, val := range t {
			t[i] = dropNulls(val)
		}
	}
	return v
}

// keyOf is the informer cache key of an object.
func keyOf(obj any) string {
	key, _ := cache.MetaNamespaceKeyFunc(obj)
	return key
}
