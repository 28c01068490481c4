package main

import (
	"context"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
)

// statusNotifier hands pod status changes to virtual-kubelet's NotifyPods
// callback. Changes are coalesced per pod and each callback gets a snapshot
// built when it runs, so the latest status always wins and a slow callback
// never blocks a pod.
type statusNotifier struct {
	q     workqueue.TypedInterface[types.UID]
	build func(types.UID) *corev1.Pod
	once  sync.Once
}

func newStatusNotifier(build func(types.UID) *corev1.Pod) *statusNotifier {
	return &statusNotifier{q: workqueue.NewTyped[types.UID](), build: build}
}

// enqueue marks a pod's status as changed.
func (n *statusNotifier) enqueue(uid types.UID) { n.q.Add(uid) }

// start runs the workers calling cb until ctx ends.
func (n *statusNotifier) start(ctx context.Context, cb func(*corev1.Pod)) {
	n.once.Do(func() {
		go func() {
			<-ctx.Done()
			n.q.ShutDown()
		}()
		for range 2 {
			go n.worker(cb)
		}
	})
}

func (n *statusNotifier) worker(cb func(*corev1.Pod)) {
	for {
		uid, shutdown := n.q.Get()
		if shutdown {
			return
		}
		if pod := n.build(uid); pod != nil {
			cb(pod)
		}
		n.q.Done(uid)
	}
}
