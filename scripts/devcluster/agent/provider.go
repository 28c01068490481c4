package main

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/virtual-kubelet/virtual-kubelet/errdefs"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	corev1listers "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2"
)

// Provider is the virtual-kubelet provider: it runs the pods bound to the node
// as host processes (one podRunner each) and reports their status through
// NotifyPods.
type Provider struct {
	cfg       *Config
	client    kubernetes.Interface
	pods      corev1listers.PodLister
	services  corev1listers.ServiceLister
	recorder  record.EventRecorder
	node      *corev1.Node
	mounts    *mountRegistry
	pids      *pidFile
	notifier  *statusNotifier
	logRT     *logRuntime
	reaper    *reaper
	podsDir   string
	agentPath string

	mu           sync.Mutex
	runners      map[types.UID]*podRunner
	byName       map[string]types.UID
	shuttingDown atomic.Bool
}

// providerDeps are the collaborators a Provider is built from.
type providerDeps struct {
	client   kubernetes.Interface
	pods     corev1listers.PodLister
	services corev1listers.ServiceLister
	recorder record.EventRecorder
	node     *corev1.Node
}

// newProvider prepares the state directory (pods dir, pids file, leftover
// mount points of a previous run) and returns a Provider.
func newProvider(cfg *Config, deps providerDeps) (*Provider, error) {
	podsDir := filepath.Join(cfg.StateDir, "pods")
	if err := os.MkdirAll(podsDir, 0o755); err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	mounts := newMountRegistry(filepath.Join(cfg.StateDir, "mountpoints.json"))
	mounts.recover()
	pids, err := newPidFile(filepath.Join(cfg.StateDir, "pids"))
	if err != nil {
		return nil, err
	}
	p := &Provider{
		cfg:       cfg,
		client:    deps.client,
		pods:      deps.pods,
		services:  deps.services,
		recorder:  deps.recorder,
		node:      deps.node,
		mounts:    mounts,
		pids:      pids,
		logRT:     newLogRuntime(),
		reaper:    sharedReaper(),
		podsDir:   podsDir,
		agentPath: self,
		runners:   map[types.UID]*podRunner{},
		byName:    map[string]types.UID{},
	}
	p.notifier = newStatusNotifier(p.snapshot)
	return p, nil
}

var (
	reaperOnce sync.Once
	theReaper  *reaper
)

// sharedReaper returns the process's one reaper.
func sharedReaper() *reaper {
	reaperOnce.Do(func() { theReaper = newReaper() })
	return theReaper
}

func podKey(namespace, name string) string { return namespace + "/" + name }

// CreatePod starts running a pod bound to the node.
func (p *Provider) CreatePod(_ context.Context, pod *corev1.Pod) error {
	if p.shuttingDown.Load() {
		return nil
	}
	p.mu.Lock()
	if r, ok := p.runners[pod.UID]; ok {
		p.mu.Unlock()
		r.updatePod(pod)
		return nil
	}
	defer p.mu.Unlock()
	r := newPodRunner(p, pod)
	p.runners[pod.UID] = r
	p.byName[podKey(pod.Namespace, pod.Name)] = pod.UID
	klog.InfoS("Starting pod", "pod", klog.KObj(pod), "uid", pod.UID)
	go r.run()
	return nil
}

// UpdatePod records changes to a running pod's metadata and images.
func (p *Provider) UpdatePod(_ context.Context, pod *corev1.Pod) error {
	if r := p.runner(pod); r != nil {
		r.updatePod(pod)
		return nil
	}
	return errdefs.NotFoundf("pod %s/%s is not known to the node", pod.Namespace, pod.Name)
}

// DeletePod starts terminating a pod (SIGTERM, grace period, SIGKILL) and
// returns at once; when every container is dead the runner reports the final
// status and deletes the pod object (grace 0) if the API deletion is pending.
func (p *Provider) DeletePod(ctx context.Context, pod *corev1.Pod) error {
	r := p.runner(pod)
	if r == nil {
		p.forgetUnknownPod(ctx, pod)
		return errdefs.NotFoundf("pod %s/%s is not known to the node", pod.Namespace, pod.Name)
	}
	grace, gone := p.gracePeriod(pod)
	klog.InfoS("Terminating pod", "pod", klog.KObj(pod), "uid", r.uid, "gracePeriod", grace, "goneFromAPI", gone)
	r.terminate(grace, true, gone)
	return nil
}

// gracePeriod returns how long the containers of pod get between SIGTERM and
// SIGKILL, and whether the pod object is already gone from the API.
func (p *Provider) gracePeriod(pod *corev1.Pod) (time.Duration, bool) {
	cur, err := p.pods.Pods(pod.Namespace).Get(pod.Name)
	if err != nil || cur.UID != pod.UID {
		// Force-deleted (or deleted after it stopped running): like the
		// kubelet, give the processes a short minimum grace period.
		return 2 * time.Second, true
	}
	if cur.DeletionGracePeriodSeconds != nil {
		return time.Duration(*cur.DeletionGracePeriodSeconds) * time.Second, false
	}
	if cur.Spec.TerminationGracePeriodSeconds != nil {
		return time.Duration(*cur.Spec.TerminationGracePeriodSeconds) * time.Second, false
	}
	return 30 * time.Second, false
}

// forgetUnknownPod handles a deletion of a pod this agent never ran (its
// processes died with a previous agent): the pod object is removed at once.
func (p *Provider) forgetUnknownPod(ctx context.Context, pod *corev1.Pod) {
	cur, err := p.pods.Pods(pod.Namespace).Get(pod.Name)
	if err != nil || cur.UID != pod.UID || cur.DeletionTimestamp == nil {
		return
	}
	go p.deleteFromAPI(context.WithoutCancel(ctx), cur.Namespace, cur.Name, cur.UID)
}

// deleteFromAPI removes a pod object whose containers are all dead (grace 0,
// guarded by the UID).
func (p *Provider) deleteFromAPI(ctx context.Context, namespace, name string, uid types.UID) {
	opts := metav1.DeleteOptions{GracePeriodSeconds: new(int64), Preconditions: metav1.NewUIDPreconditions(string(uid))}
	err := p.client.CoreV1().Pods(namespace).Delete(ctx, name, opts)
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		klog.ErrorS(err, "Deleting terminated pod", "pod", klog.KRef(namespace, name))
		return
	}
	klog.V(2).InfoS("Deleted terminated pod from the API", "pod", klog.KRef(namespace, name))
}

// GetPod returns the pod as the provider runs it, with its current status.
func (p *Provider) GetPod(_ context.Context, namespace, name string) (*corev1.Pod, error) {
	r := p.runnerByName(namespace, name)
	if r == nil {
		return nil, errdefs.NotFoundf("pod %s/%s is not known to the node", namespace, name)
	}
	return r.podWithStatus(), nil
}

// GetPodStatus returns the current status of a pod.
func (p *Provider) GetPodStatus(ctx context.Context, namespace, name string) (*corev1.PodStatus, error) {
	pod, err := p.GetPod(ctx, namespace, name)
	if err != nil {
		return nil, err
	}
	return &pod.Status, nil
}

// GetPods returns every pod the provider knows.
func (p *Provider) GetPods(_ context.Context) ([]*corev1.Pod, error) {
	p.mu.Lock()
	runners := make([]*podRunner, 0, len(p.runners))
	for _, r := range p.runners {
		runners = append(runners, r)
	}
	p.mu.Unlock()
	out := make([]*corev1.Pod, 0, len(runners))
	for _, r := range runners {
		out = append(out, r.podWithStatus())
	}
	return out, nil
}

// NotifyPods registers virtual-kubelet's status callback and starts the
// workers that call it with fresh pod snapshots.
func (p *Provider) NotifyPods(ctx context.Context, cb func(*corev1.Pod)) {
	p.notifier.start(ctx, cb)
}

func (p *Provider) runner(pod *corev1.Pod) *podRunner {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pod.UID != "" {
		if r, ok := p.runners[pod.UID]; ok {
			return r
		}
	}
	if uid, ok := p.byName[podKey(pod.Namespace, pod.Name)]; ok && (pod.UID == "" || pod.UID == uid) {
		return p.runners[uid]
	}
	return nil
}

func (p *Provider) runnerByName(namespace, name string) *podRunner {
	p.mu.Lock()
	defer p.mu.Unlock()
	if uid, ok := p.byName[podKey(namespace, name)]; ok {
		return p.runners[uid]
	}
	return nil
}

// isCurrent tells whether r is the newest runner for its pod name.
func (p *Provider) isCurrent(r *podRunner) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.byName[r.key] == r.uid
}

func (p *Provider) isShuttingDown() bool { return p.shuttingDown.Load() }

// snapshot builds the pod handed to virtual-kubelet's status callback: the
// API's latest copy of the object (so metadata such as finalizers is never
// written back stale) with the runner's status. It returns nil when the
// runner no longer speaks for that pod name.
func (p *Provider) snapshot(uid types.UID) *corev1.Pod {
	p.mu.Lock()
	r := p.runners[uid]
	p.mu.Unlock()
	if r == nil || !p.isCurrent(r) {
		return nil
	}
	pod := r.podWithStatus()
	cur, err := p.pods.Pods(pod.Namespace).Get(pod.Name)
	if err != nil {
		return pod
	}
	if cur.UID != uid {
		return nil
	}
	out := cur.DeepCopy()
	out.Status = pod.Status
	out.Status.QOSClass = cur.Status.QOSClass
	out.Status.Conditions = mergeForeignConditions(out.Status.Conditions, cur.Status.Conditions)
	return out
}
