package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

	daemon "dsconform/upstream-adapter/upstreamdaemon"
	apps "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/flowcontrol"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/pkg/controller"
	testingclock "k8s.io/utils/clock/testing"
)

// caches are the controller's informer stores, fed by the protocol's watch events.
type caches struct {
	daemonSets, pods, nodes, revisions cache.Indexer
}

func (c *caches) pod(ns, name string) (*v1.Pod, bool) {
	obj, ok, _ := c.pods.GetByKey(ns + "/" + name)
	if !ok {
		return nil, false
	}
	return obj.(*v1.Pod), true
}

func (c *caches) revision(ns, name string) (*apps.ControllerRevision, bool) {
	obj, ok, _ := c.revisions.GetByKey(ns + "/" + name)
	if !ok {
		return nil, false
	}
	return obj.(*apps.ControllerRevision), true
}

func (c *caches) daemonSet(ns, name string) (*apps.DaemonSet, bool) {
	obj, ok, _ := c.daemonSets.GetByKey(ns + "/" + name)
	if !ok {
		return nil, false
	}
	return obj.(*apps.DaemonSet), true
}

// host runs one genuine upstream DaemonSetsController: a new one per case (after reset), as a
// controller-manager restart would make.
type host struct {
	ctx       context.Context
	logger    klog.Logger
	clock     *testingclock.FakeClock
	caches    *caches
	api       *apiRecorder
	hook      *daemon.DsconformHook
	dsQueue   *virtualQueue
	nodeQueue *virtualQueue
	// lastWrites are the writes of the previous sync, whose outcomes the next sync brings.
	lastWrites []pendingWrite
	// newestRV is the newest resourceVersion of any watch event delivered so far.
	newestRV uint64
	// expectationsSet: per DaemonSet key, the expectations record the controller set last and
	// the virtual time the adapter first saw it (see expireExpectations).
	expectationsSet map[string]seenExpectations
}

type seenExpectations struct {
	record *controller.ControlleeExpectations
	at     time.Time
}

func newHost(now time.Time) (*host, error) {
	logger := klog.Background()
	ctx := klog.NewContext(context.Background(), logger)
	clk := testingclock.NewFakeClock(now)
	client := fake.NewSimpleClientset()
	factory := informers.NewSharedInformerFactory(client, 0)
	dsInformer := factory.Apps().V1().DaemonSets()
	revInformer := factory.Apps().V1().ControllerRevisions()
	podInformer := factory.Core().V1().Pods()
	nodeInformer := factory.Core().V1().Nodes()
	// The failed-pod backoff kube-controller-manager gives the controller (1 s doubling to
	// 15 min), on the virtual clock.
	backoff := flowcontrol.NewFakeBackOff(1*time.Second, 15*time.Minute, clk)
	dsc, err := daemon.NewDaemonSetsController(ctx, dsInformer, revInformer, podInformer, nodeInformer, client, backoff)
	if err != nil {
		return nil, err
	}
	h := &host{
		ctx:    ctx,
		logger: logger,
		clock:  clk,
		caches: &caches{
			daemonSets: dsInformer.Informer().GetIndexer(),
			pods:       podInformer.Informer().GetIndexer(),
			nodes:      nodeInformer.Informer().GetIndexer(),
			revisions:  revInformer.Informer().GetIndexer(),
		},
		hook:      daemon.NewDsconformHook(dsc, logger),
		dsQueue:   newVirtualQueue(clk.Now),
		nodeQueue: newVirtualQueue(clk.Now),
	}
	h.api = newAPIRecorder(h.caches)
	client.PrependReactor("*", "*", h.api.react)
	h.hook.ReplaceQueues(h.dsQueue, h.nodeQueue)
	h.hook.ReplaceRecorders(&eventWriter{api: h.api}, discardEvents{})
	return h, nil
}

func (h *host) close() { h.hook.Shutdown() }

// setTime moves the virtual clock forward to now (never back).
func (h *host) setTime(now time.Time) {
	if now.After(h.clock.Now()) {
		h.clock.SetTime(now)
	}
	h.expireExpectations()
}

// noteExpectations records, after the workers ran, which expectations records are waiting and
// since when on the virtual clock (SetExpectations always makes a new record).
func (h *host) noteExpectations() {
	if h.expectationsSet == nil {
		h.expectationsSet = map[string]seenExpectations{}
	}
	for _, key := range h.caches.daemonSets.ListKeys() {
		record, exists, err := h.hook.Expectations().GetExpectations(key)
		if err != nil || !exists || record.Fulfilled() {
			delete(h.expectationsSet, key)
			continue
		}
		if seen, ok := h.expectationsSet[key]; !ok || seen.record != record {
			h.expectationsSet[key] = seenExpectations{record: record, at: h.clock.Now()}
		}
	}
}

// expireExpectations gives up on an expectations record that has waited longer than
// controller.ExpectationsTimeout on the virtual clock. Upstream measures that TTL on the
// machine's clock (ControlleeExpectations.isExpired uses clock.RealClock), which the virtual
// clock never moves; deleting the record is what SatisfiedExpectations makes of an expired one.
func (h *host) expireExpectations() {
	for key, seen := range h.expectationsSet {
		record, exists, err := h.hook.Expectations().GetExpectations(key)
		if err != nil || !exists || record != seen.record || record.Fulfilled() {
			delete(h.expectationsSet, key)
			continue
		}
		if h.clock.Since(seen.at) > controller.ExpectationsTimeout {
			h.hook.Expectations().DeleteExpectations(h.logger, key)
			delete(h.expectationsSet, key)
		}
	}
}

// applyResults does, for each refused write of the previous sync, what the controller does when
// that API call fails; it was answered as a success when it was made (the protocol brings
// outcomes one sync later).
func (h *host) applyResults(results []writeResult) {
	expectations := h.hook.Expectations()
	var requeue []string
	seen := map[string]bool{}
	for i, result := range results {
		if i >= len(h.lastWrites) || result.OK {
			continue
		}
		w := h.lastWrites[i]
		failed := true
		switch w.write["op"] {
		case "recordEvent":
			failed = false
		case "createPod":
			// syncNodes: a failed create will never be observed.
			if w.dsKey != "" {
				expectations.CreationObserved(h.logger, w.dsKey)
			}
		case "deletePod":
			// syncNodes: a failed delete will never be observed; NotFound is not an error.
			if w.dsKey != "" {
				expectations.DeletionObserved(h.logger, w.dsKey)
			}
			failed = result.Error == nil || result.Error.Code != 404
		}
		// The sync that made the write would have returned the error: the worker requeues the
		// key with its rate limiter.
		if failed && w.dsKey != "" && !seen[w.dsKey] {
			seen[w.dsKey] = true
			requeue = append(requeue, w.dsKey)
		}
	}
	for _, key := range requeue {
		h.dsQueue.AddRateLimited(key)
	}
	h.lastWrites = nil
}

// applyEvent updates an informer store and calls the controller's handler, as a shared
// informer does with a watch event; it returns the object's key in that store.
func (h *host) applyEvent(ev watchEvent) (string, error) {
	switch ev.Kind {
	case "DaemonSet":
		obj := &apps.DaemonSet{}
		if err := json.Unmarshal(ev.Object, obj); err != nil {
			return "", err
		}
		return h.deliver(h.caches.daemonSets, ev.Type, obj, h.hook.AddDaemonSet, h.hook.UpdateDaemonSet, h.hook.DeleteDaemonSet), nil
	case "ControllerRevision":
		obj := &apps.ControllerRevision{}
		if err := json.Unmarshal(ev.Object, obj); err != nil {
			return "", err
		}
		return h.deliver(h.caches.revisions, ev.Type, obj, h.hook.AddHistory, h.hook.UpdateHistory, h.hook.DeleteHistory), nil
	case "Pod":
		obj := &v1.Pod{}
		if err := json.Unmarshal(ev.Object, obj); err != nil {
			return "", err
		}
		return h.deliver(h.caches.pods, ev.Type, obj, h.hook.AddPod, h.hook.UpdatePod, h.hook.DeletePod), nil
	case "Node":
		obj := &v1.Node{}
		if err := json.Unmarshal(ev.Object, obj); err != nil {
			return "", err
		}
		// The controller registers no delete handler for nodes.
		return h.deliver(h.caches.nodes, ev.Type, obj, h.hook.AddNode, h.hook.UpdateNode, nil), nil
	default:
		return "", fmt.Errorf("unknown kind %q", ev.Kind)
	}
}

func (h *host) deliver(store cache.Indexer, eventType string, obj runtime.Object, add func(any), update func(old, cur any), del func(any)) string {
	h.keepResourceVersionsMonotonic(eventType, obj)
	key, _ := cache.MetaNamespaceKeyFunc(obj)
	old, exists, _ := store.Get(obj)
	if eventType == "DELETED" {
		_ = store.Delete(obj)
		if del != nil {
			del(obj)
		}
		return key
	}
	if exists {
		_ = store.Update(obj)
		update(old, obj)
		return key
	}
	_ = store.Add(obj)
	add(obj)
	return key
}

// relist ends a sync marked relist: its events were a full LIST, so every object an informer
// store holds that the LIST lacks was deleted while the watches were broken. As client-go's
// DeltaFIFO.Replace does, each goes to the delete handler as a DeletedFinalStateUnknown tombstone
// carrying the last state the store had (nodes have no delete handler).
func (h *host) relist(listed map[string]bool) {
	informers := []struct {
		kind  string
		store cache.Indexer
		del   func(any)
	}{
		{"Node", h.caches.nodes, nil},
		{"DaemonSet", h.caches.daemonSets, h.hook.DeleteDaemonSet},
		{"ControllerRevision", h.caches.revisions, h.hook.DeleteHistory},
		{"Pod", h.caches.pods, h.hook.DeletePod},
	}
	for _, inf := range informers {
		keys := inf.store.ListKeys()
		sort.Strings(keys)
		for _, key := range keys {
			if listed[inf.kind+"/"+key] {
				continue
			}
			old, exists, _ := inf.store.GetByKey(key)
			if !exists {
				continue
			}
			_ = inf.store.Delete(old)
			if inf.del != nil {
				inf.del(cache.DeletedFinalStateUnknown{Key: key, Obj: old})
			}
		}
		// A LIST carries the resourceVersion it was served at, newer than any object in it, and
		// Replace makes it the store's LastStoreSyncResourceVersion (which 1.36+'s stale-read
		// check compares with the controller's own writes); the last object delivered, or a
		// tombstone's old state, would leave an older one.
		_ = inf.store.Replace(inf.store.List(), strconv.FormatUint(h.newestRV, 10))
	}
}

// keepResourceVersionsMonotonic gives a DELETED event's object the newest resourceVersion seen so
// far when it carries an older one. A real watch delivers a deleted object with the
// resourceVersion of the deletion, newer than every event before it; the protocol's DELETED events
// carry the object's last resourceVersion instead. client-go's stores remember the resourceVersion
// of the last object they were given (LastStoreSyncResourceVersion), and 1.36+'s stale-read check
// (StaleControllerConsistencyDaemonSet) compares it with those of the controller's own writes: an
// older one there would hold every later sync of the DaemonSet back.
func (h *host) keepResourceVersionsMonotonic(eventType string, obj runtime.Object) {
	accessor, err := meta.Accessor(obj)
	if err != nil {
		return
	}
	rv, err := strconv.ParseUint(accessor.GetResourceVersion(), 10, 64)
	if err != nil {
		return
	}
	if eventType == "DELETED" && rv < h.newestRV {
		accessor.SetResourceVersion(strconv.FormatUint(h.newestRV, 10))
		return
	}
	if rv > h.newestRV {
		h.newestRV = rv
	}
}

// maxWorkerSteps bounds one sync's worker loop (each key's sync can only requeue it with a delay,
// so the queues drain; the bound is a guard, not a limit ever reached).
const maxWorkerSteps = 10000

// run works both queues until nothing is ready, node updates first (they only enqueue
// DaemonSets), as the controller's workers would between two watch events.
func (h *host) run() error {
	for i := 0; ; i++ {
		if i >= maxWorkerSteps {
			return fmt.Errorf("work queues did not drain after %d worker steps", maxWorkerSteps)
		}
		h.nodeQueue.promote()
		h.dsQueue.promote()
		switch {
		case h.nodeQueue.Len() > 0:
			h.hook.ProcessNextNodeUpdate(h.ctx)
		case h.dsQueue.Len() > 0:
			h.hook.ProcessNextWorkItem(h.ctx)
		default:
			return nil
		}
	}
}

// wakeAfter is the virtual time until the earliest delayed key is due.
func (h *host) wakeAfter() (float64, bool) {
	first, ok := h.dsQueue.nextDue()
	if at, nodeOK := h.nodeQueue.nextDue(); nodeOK && (!ok || at.Before(first)) {
		first, ok = at, true
	}
	if !ok {
		return 0, false
	}
	seconds := first.Sub(h.clock.Now()).Seconds()
	if seconds < 0 {
		seconds = 0
	}
	return seconds, true
}

// eventWriter is the controller's event recorder: each event is a recordEvent write.
type eventWriter struct{ api *apiRecorder }

func (r *eventWriter) Event(object runtime.Object, eventType, reason, message string) {
	accessor, err := meta.Accessor(object)
	if err != nil {
		return
	}
	r.api.mu.Lock()
	defer r.api.mu.Unlock()
	r.api.emit(pendingWrite{write: map[string]any{
		"op": "recordEvent", "namespace": accessor.GetNamespace(), "name": accessor.GetName(),
		"eventType": eventType, "reason": reason, "message": message,
	}})
}

func (r *eventWriter) Eventf(object runtime.Object, eventType, reason, messageFmt string, args ...any) {
	r.Event(object, eventType, reason, fmt.Sprintf(messageFmt, args...))
}

func (r *eventWriter) AnnotatedEventf(object runtime.Object, _ map[string]string, eventType, reason, messageFmt string, args ...any) {
	r.Eventf(object, eventType, reason, messageFmt, args...)
}

// discardEvents takes the pod control's SuccessfulCreate/SuccessfulDelete/FailedCreate/
// FailedDelete events: under the protocol a created pod's name and a write's outcome are only
// known one sync later (adapters/upstream/README.md).
type discardEvents struct{}

func (discardEvents) Event(runtime.Object, string, string, string)          {}
func (discardEvents) Eventf(runtime.Object, string, string, string, ...any) {}
func (discardEvents) AnnotatedEventf(runtime.Object, map[string]string, string, string, string, ...any) {
}
