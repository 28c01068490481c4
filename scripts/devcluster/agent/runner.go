package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
)

// podRunner runs one pod: volumes, init containers in order, then the
// containers concurrently, restarts per policy, and termination on deletion.
type podRunner struct {
	p         *Provider
	uid       types.UID
	key       string
	namespace string
	name      string
	dir       string

	// ctx ends when termination starts; loops stop starting processes.
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{} // closed when run has returned (no process left)

	mu           sync.Mutex
	pod          *corev1.Pod
	ctrs         []*ctr // init containers first, then containers, in spec order
	volumeDirs   map[string]string
	startTime    metav1.Time
	sandboxReady bool
	terminal     bool
	terminating  bool
	apiDeletion  bool // termination was asked by virtual-kubelet (not by agent shutdown)
	apiGone      bool
	killAt       time.Time
	killCh       chan struct{}
	conditions   []corev1.PodCondition
}

func newPodRunner(p *Provider, pod *corev1.Pod) *podRunner {
	ctx, cancel := context.WithCancel(context.Background())
	r := &podRunner{
		p:         p,
		uid:       pod.UID,
		key:       podKey(pod.Namespace, pod.Name),
		namespace: pod.Namespace,
		name:      pod.Name,
		dir:       filepath.Join(p.podsDir, podDirName(pod)),
		ctx:       ctx,
		cancel:    cancel,
		done:      make(chan struct{}),
		pod:       pod.DeepCopy(),
		startTime: metav1.Now(),
		killCh:    make(chan struct{}, 1),
	}
	if pod.Status.StartTime != nil {
		r.startTime = *pod.Status.StartTime
	}
	r.ctrs = newCtrs(pod)
	r.seedFromAPIStatus(pod)
	return r
}

// podDirName names a pod's directory in the state dir: <ns>_<name>_<uid>.
func podDirName(pod *corev1.Pod) string {
	return fmt.Sprintf("%s_%s_%s", pod.Namespace, pod.Name, pod.UID)
}

// updatePod takes the pod's new metadata and container images.
func (r *podRunner) updatePod(pod *corev1.Pod) {
	r.mu.Lock()
	defer r.mu.Unlock()
	np := r.pod.DeepCopy()
	np.ObjectMeta = *pod.ObjectMeta.DeepCopy()
	np.Spec.ActiveDeadlineSeconds = pod.Spec.ActiveDeadlineSeconds
	np.Spec.Tolerations = pod.Spec.Tolerations
	for i := range np.Spec.Containers {
		if i < len(pod.Spec.Containers) {
			np.Spec.Containers[i].Image = pod.Spec.Containers[i].Image
		}
	}
	for i := range np.Spec.InitContainers {
		if i < len(pod.Spec.InitContainers) {
			np.Spec.InitContainers[i].Image = pod.Spec.InitContainers[i].Image
		}
	}
	r.pod = np
}

func (r *podRunner) podCopy() *corev1.Pod {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pod.DeepCopy()
}

func (r *podRunner) isDone() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

func (r *podRunner) notify() { r.p.notifier.enqueue(r.uid) }

// run is the pod's lifecycle; it returns when no process of the pod is left.
func (r *podRunner) run() {
	defer r.finish()
	r.notify()
	if !r.prepareSandbox() {
		return
	}
	var sidecars sync.WaitGroup
	initialized := true
	for _, c := range r.ctrs {
		if c.kind == regularCtr {
			continue
		}
		if c.kind == sidecarCtr {
			sidecars.Add(1)
			go func() {
				defer sidecars.Done()
				r.containerLoop(c, corev1.RestartPolicyAlways)
			}()
			select {
			case <-c.startedCh:
				continue
			case <-r.ctx.Done():
			}
			initialized = false
			break
		}
		if !r.containerLoop(c, initRestartPolicy(r.podCopy().Spec.RestartPolicy)) {
			initialized = false
			break
		}
	}
	if initialized {
		var wg sync.WaitGroup
		for _, c := range r.ctrs {
			if c.kind != regularCtr {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.containerLoop(c, r.podCopy().Spec.RestartPolicy)
			}()
		}
		wg.Wait()
	}
	// The pod is done (or being deleted): stop the sidecars.
	r.terminate(r.specGracePeriod(), false, false)
	sidecars.Wait()
}

// initRestartPolicy is how a (non-sidecar) init container restarts: on failure
// unless the pod's policy is Never.
func initRestartPolicy(pod corev1.RestartPolicy) corev1.RestartPolicy {
	if pod == corev1.RestartPolicyNever {
		return corev1.RestartPolicyNever
	}
	return corev1.RestartPolicyOnFailure
}

func (r *podRunner) specGracePeriod() time.Duration {
	if g := r.podCopy().Spec.TerminationGracePeriodSeconds; g != nil {
		return time.Duration(*g) * time.Second
	}
	return 30 * time.Second
}

// prepareSandbox creates the pod's directories and volumes, retrying (with
// FailedMount events) until it works or the pod is terminated.
func (r *podRunner) prepareSandbox() bool {
	b := newBackoff(time.Second, 10*time.Second)
	for {
		pod := r.podCopy()
		dirs, tokens, err := r.p.setupVolumes(r.ctx, pod, r.dir)
		if err == nil {
			r.mu.Lock()
			r.volumeDirs = dirs
			r.sandboxReady = true
			r.mu.Unlock()
			r.notify()
			if len(tokens) > 0 {
				go r.p.refreshTokens(r.ctx, pod, tokens)
			}
			return true
		}
		klog.ErrorS(err, "Setting up volumes", "pod", r.key)
		r.podEvent(corev1.EventTypeWarning, "FailedMount", err.Error())
		if !r.sleep(b.next()) {
			return false
		}
	}
}

// sleep waits d unless the pod is terminated first; it reports whether the
// pod is still alive.
func (r *podRunner) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.ctx.Done():
		return false
	}
}

// terminate stops the pod's processes: SIGTERM now, SIGKILL after grace.
// Called again with a shorter grace period it moves the SIGKILL earlier.
// fromAPI marks a deletion asked by virtual-kubelet; gone says the pod
// object has already left the API.
func (r *podRunner) terminate(grace time.Duration, fromAPI, gone bool) {
	if grace < 0 {
		grace = 0
	}
	r.mu.Lock()
	r.apiDeletion = r.apiDeletion || fromAPI
	r.apiGone = r.apiGone || gone
	deadline := time.Now().Add(grace)
	if r.terminating {
		if deadline.Before(r.killAt) {
			r.killAt = deadline
			select {
			case r.killCh <- struct{}{}:
			default:
			}
		}
		r.mu.Unlock()
		if gone && r.isDone() {
			r.p.cleanup(r)
		}
		return
	}
	r.terminating = true
	r.killAt = deadline
	r.cancel()
	for _, c := range r.ctrs {
		if c.inst == nil || c.inst.isExited() {
			continue
		}
		if fromAPI {
			r.eventLocked(c, corev1.EventTypeNormal, "Killing", fmt.Sprintf("Stopping container %s", c.spec.Name))
		}
		c.inst.signal(syscall.SIGTERM)
	}
	r.mu.Unlock()
	go r.killer()
}

// killer sends SIGKILL to what is still running at the deadline.
func (r *podRunner) killer() {
	for {
		r.mu.Lock()
		wait := time.Until(r.killAt)
		r.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-r.done:
			t.Stop()
			return
		case <-r.killCh:
			t.Stop()
			continue
		case <-t.C:
		}
		r.mu.Lock()
		for _, c := range r.ctrs {
			if c.inst != nil && !c.inst.isExited() {
				c.inst.signal(syscall.SIGKILL)
			}
		}
		r.mu.Unlock()
		<-r.done
		return
	}
}

// finish marks the pod terminal, releases its mount points, reports the final
// status and completes an API deletion.
func (r *podRunner) finish() {
	r.mu.Lock()
	r.terminal = true
	r.sandboxReady = false
	apiDeletion, gone := r.apiDeletion, r.apiGone
	r.mu.Unlock()
	r.cancel()
	r.p.mounts.release(r.uid)
	close(r.done)
	r.notify()
	klog.InfoS("Pod finished", "pod", r.key, "uid", r.uid, "phase", r.podWithStatus().Status.Phase)
	if r.p.isShuttingDown() {
		return
	}
	if gone {
		r.p.cleanup(r)
		return
	}
	if apiDeletion {
		go r.completeAPIDeletion()
	}
}

// completeAPIDeletion waits (briefly) until the API shows the final status,
// then deletes the pod object with grace 0, as the kubelet does.
func (r *podRunner) completeAPIDeletion() {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		cur, err := r.p.pods.Pods(r.namespace).Get(r.name)
		if err != nil || cur.UID != r.uid {
			r.p.cleanup(r)
			return
		}
		if cur.DeletionTimestamp == nil {
			return
		}
		if !anyContainerRunning(&cur.Status) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	r.p.deleteFromAPI(context.Background(), r.namespace, r.name, r.uid)
}

func anyContainerRunning(s *corev1.PodStatus) bool {
	for _, lists := range [][]corev1.ContainerStatus{s.InitContainerStatuses, s.ContainerStatuses} {
		for _, cs := range lists {
			if cs.State.Running != nil {
				return true
			}
		}
	}
	return false
}

// podWithStatus returns a copy of the pod with the runner's current status.
func (r *podRunner) podWithStatus() *corev1.Pod {
	r.mu.Lock()
	defer r.mu.Unlock()
	pod := r.pod.DeepCopy()
	var initStatuses, statuses []corev1.ContainerStatus
	for _, c := range r.ctrs {
		if c.kind == regularCtr {
			statuses = append(statuses, *c.status.DeepCopy())
		} else {
			initStatuses = append(initStatuses, *c.status.DeepCopy())
		}
	}
	st := runtimeState{SandboxReady: r.sandboxReady, Terminal: r.terminal, StartTime: r.startTime}
	pod.Status = computePodStatus(pod, initStatuses, statuses, st, r.conditions, time.Now())
	r.conditions = pod.Status.Conditions
	return pod
}

// podEvent records an event about the pod itself.
func (r *podRunner) podEvent(eventType, reason, message string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.eventLocked(nil, eventType, reason, message)
}

// event records an event about one of the pod's containers.
func (r *podRunner) event(c *ctr, eventType, reason, message string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.eventLocked(c, eventType, reason, message)
}

func (r *podRunner) eventLocked(c *ctr, eventType, reason, message string) {
	if r.p.recorder == nil || r.p.isShuttingDown() {
		return
	}
	ref := &corev1.ObjectReference{
		Kind:            "Pod",
		APIVersion:      "v1",
		Namespace:       r.namespace,
		Name:            r.name,
		UID:             r.uid,
		ResourceVersion: r.pod.ResourceVersion,
	}
	if c != nil {
		ref.FieldPath = c.fieldPath
	}
	r.p.recorder.Event(ref, eventType, reason, message)
}

func (r *podRunner) forgetLogs() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.ctrs {
		for id := range c.logs {
			r.p.logRT.forget(id)
		}
	}
}

func (r *podRunner) ensureDir(parts ...string) (string, error) {
	d := filepath.Join(append([]string{r.dir}, parts...)...)
	return d, os.MkdirAll(d, 0o755)
}
