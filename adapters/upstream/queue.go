package main

import (
	"sort"
	"sync"
	"time"

	"k8s.io/client-go/util/workqueue"
)

// virtualQueue is a work queue with client-go's semantics (a key queued while it is being
// processed is queued again when it is done; AddAfter keeps the earliest due time) whose delays
// run on the protocol's virtual clock instead of the wall clock, and which never blocks: the
// adapter only asks for a key when one is ready.
type virtualQueue struct {
	mu         sync.Mutex
	now        func() time.Time
	limiter    workqueue.TypedRateLimiter[string]
	order      []string
	queued     map[string]bool
	processing map[string]bool
	dirty      map[string]bool
	delayed    map[string]time.Time
	shutdown   bool
}

var _ workqueue.TypedRateLimitingInterface[string] = (*virtualQueue)(nil)

func newVirtualQueue(now func() time.Time) *virtualQueue {
	return &virtualQueue{
		now: now,
		// The per-item exponential part of DefaultTypedControllerRateLimiter (5 ms doubling to
		// 1000 s). Its overall token bucket (10 qps, burst 100) reads the wall clock through
		// golang.org/x/time/rate and is left out (adapters/upstream/README.md).
		limiter:    workqueue.NewTypedItemExponentialFailureRateLimiter[string](5*time.Millisecond, 1000*time.Second),
		queued:     map[string]bool{},
		processing: map[string]bool{},
		dirty:      map[string]bool{},
		delayed:    map[string]time.Time{},
	}
}

func (q *virtualQueue) Add(item string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.addLocked(item)
}

func (q *virtualQueue) addLocked(item string) {
	if q.shutdown {
		return
	}
	if q.processing[item] {
		q.dirty[item] = true
		return
	}
	if q.queued[item] {
		return
	}
	q.queued[item] = true
	q.order = append(q.order, item)
}

func (q *virtualQueue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.order)
}

// Get never blocks: with nothing ready it reports a shut-down queue, which ends the worker step.
func (q *virtualQueue) Get() (string, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.order) == 0 {
		return "", true
	}
	item := q.order[0]
	q.order = q.order[1:]
	delete(q.queued, item)
	q.processing[item] = true
	return item, false
}

func (q *virtualQueue) Done(item string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.processing, item)
	if q.dirty[item] {
		delete(q.dirty, item)
		q.addLocked(item)
	}
}

func (q *virtualQueue) ShutDown() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.shutdown = true
}

func (q *virtualQueue) ShutDownWithDrain() { q.ShutDown() }

func (q *virtualQueue) ShuttingDown() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.shutdown
}

func (q *virtualQueue) AddAfter(item string, d time.Duration) {
	if d <= 0 {
		q.Add(item)
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.shutdown {
		return
	}
	due := q.now().Add(d)
	if at, ok := q.delayed[item]; !ok || due.Before(at) {
		q.delayed[item] = due
	}
}

func (q *virtualQueue) AddRateLimited(item string) { q.AddAfter(item, q.limiter.When(item)) }

func (q *virtualQueue) Forget(item string) { q.limiter.Forget(item) }

func (q *virtualQueue) NumRequeues(item string) int { return q.limiter.NumRequeues(item) }

// promote queues every delayed key whose time has come, earliest first (ties by key).
func (q *virtualQueue) promote() {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	var due []string
	for item, at := range q.delayed {
		if !at.After(now) {
			due = append(due, item)
		}
	}
	sort.Slice(due, func(i, j int) bool {
		a, b := q.delayed[due[i]], q.delayed[due[j]]
		if !a.Equal(b) {
			return a.Before(b)
		}
		return due[i] < due[j]
	})
	for _, item := range due {
		delete(q.delayed, item)
		q.addLocked(item)
	}
}

// nextDue is the earliest due time of a delayed key.
func (q *virtualQueue) nextDue() (time.Time, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var first time.Time
	found := false
	for _, at := range q.delayed {
		if !found || at.Before(first) {
			first, found = at, true
		}
	}
	return first, found
}
