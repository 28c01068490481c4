package main

import (
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
)

type ctrKind int

const (
	regularCtr ctrKind = iota
	initCtr
	sidecarCtr // init container with restartPolicy Always
)

// ctr is one container of a pod: its spec, its reported status and its
// current process (instance), if any. Fields are guarded by the runner's mu.
type ctr struct {
	spec      corev1.Container
	kind      ctrKind
	fieldPath string
	status    corev1.ContainerStatus
	inst      *instance
	everRan   bool
	seeded    *int32            // exit code of a run by a previous agent
	logs      map[string]string // containerID -> CRI log file
	startedCh chan struct{}     // closed once the container first runs
	started   sync.Once
}

// newCtrs builds the containers of pod, all waiting, as the kubelet reports
// them before anything runs.
func newCtrs(pod *corev1.Pod) []*ctr {
	waiting := "ContainerCreating"
	if len(pod.Spec.InitContainers) > 0 {
		waiting = "PodInitializing"
	}
	var out []*ctr
	mk := func(c corev1.Container, kind ctrKind, field, reason string) *ctr {
		return &ctr{
			spec:      c,
			kind:      kind,
			fieldPath: fmt.Sprintf("%s{%s}", field, c.Name),
			status: corev1.ContainerStatus{
				Name:    c.Name,
				Image:   c.Image,
				State:   corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}},
				Started: ptr.To(false),
			},
			logs:      map[string]string{},
			startedCh: make(chan struct{}),
		}
	}
	for _, c := range pod.Spec.InitContainers {
		kind := initCtr
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			kind = sidecarCtr
		}
		out = append(out, mk(c, kind, "spec.initContainers", "PodInitializing"))
	}
	for _, c := range pod.Spec.Containers {
		out = append(out, mk(c, regularCtr, "spec.containers", waiting))
	}
	return out
}

// seedFromAPIStatus adopts the statuses a previous agent reported for this
// pod: a container that was running is reported lost (exit 137,
// ContainerStatusUnknown), and restart counts and log files carry over.
func (r *podRunner) seedFromAPIStatus(pod *corev1.Pod) {
	if pod.Status.StartTime == nil {
		return
	}
	all := append(append([]corev1.ContainerStatus{}, pod.Status.InitContainerStatuses...), pod.Status.ContainerStatuses...)
	for _, c := range r.ctrs {
		for _, s := range all {
			if s.Name != c.spec.Name || (s.ContainerID == "" && s.LastTerminationState.Terminated == nil) {
				continue
			}
			c.everRan = true
			c.status.RestartCount = s.RestartCount
			c.status.LastTerminationState = s.LastTerminationState
			c.status.ImageID = s.ImageID
			c.status.ContainerID = s.ContainerID
			var term *corev1.ContainerStateTerminated
			switch {
			case s.State.Running != nil:
				term = &corev1.ContainerStateTerminated{
					ExitCode: 137, Reason: "ContainerStatusUnknown",
					Message:   "The container could not be located when the pod was terminated",
					StartedAt: s.State.Running.StartedAt, FinishedAt: metav1.Now(), ContainerID: s.ContainerID,
				}
			case s.State.Terminated != nil:
				term = s.State.Terminated.DeepCopy()
			default:
				term = s.LastTerminationState.Terminated.DeepCopy()
				c.status.LastTerminationState = corev1.ContainerState{}
			}
			c.status.State = corev1.ContainerState{Terminated: term}
			c.status.Ready = c.kind == initCtr && term.ExitCode == 0
			c.seeded = ptr.To(term.ExitCode)
			for _, t := range []*corev1.ContainerStateTerminated{term, c.status.LastTerminationState.Terminated} {
				if t != nil {
					if n, ok := parseRestartIndex(t.ContainerID); ok {
						c.logs[t.ContainerID] = r.logPath(c.spec.Name, n)
					}
				}
			}
		}
	}
}

// shouldRestart applies a restart policy to an exit code.
func shouldRestart(policy corev1.RestartPolicy, exitCode int32) bool {
	switch policy {
	case corev1.RestartPolicyAlways:
		return true
	case corev1.RestartPolicyOnFailure:
		return exitCode != 0
	default:
		return false
	}
}

// containerLoop runs c until its restart policy says stop (or the pod is
// terminated) and reports whether its last run exited 0.
func (r *podRunner) containerLoop(c *ctr, policy corev1.RestartPolicy) bool {
	crash := newBackoff(time.Second, 10*time.Second)
	pull := newBackoff(2*time.Second, 10*time.Second)
	r.mu.Lock()
	seeded := c.seeded
	r.mu.Unlock()
	if seeded != nil {
		if !shouldRestart(policy, *seeded) {
			return *seeded == 0
		}
		if !r.crashLoopWait(c, crash.next()) {
			return false
		}
	}
	for {
		if r.ctx.Err() != nil {
			return false
		}
		if !r.ensureImage(c, pull) {
			return false
		}
		inst, err := r.startContainer(c)
		if err != nil {
			if r.ctx.Err() != nil {
				return false
			}
			reason, msg := createErrorReason(err)
			klog.InfoS("Container could not be created", "pod", r.key, "container", c.spec.Name, "reason", reason, "message", msg)
			r.setWaiting(c, reason, msg)
			r.event(c, corev1.EventTypeWarning, "Failed", "Error: "+msg)
			if !r.sleep(crash.next()) {
				return false
			}
			continue
		}
		<-inst.exited
		code := r.setTerminated(c, inst)
		if !shouldRestart(policy, code) || r.ctx.Err() != nil {
			return code == 0
		}
		if inst.ranFor() > 20*time.Second {
			crash.reset()
		}
		if !r.crashLoopWait(c, crash.next()) {
			return false
		}
	}
}

// crashLoopWait reports CrashLoopBackOff for d, then lets the loop restart.
func (r *podRunner) crashLoopWait(c *ctr, d time.Duration) bool {
	r.mu.Lock()
	msg := fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)", d, c.spec.Name, r.name, r.namespace, r.uid)
	if c.status.State.Terminated != nil {
		c.status.LastTerminationState = corev1.ContainerState{Terminated: c.status.State.Terminated}
	}
	c.status.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: msg}}
	c.status.Ready = false
	c.status.Started = ptr.To(false)
	r.eventLocked(c, corev1.EventTypeWarning, "BackOff", fmt.Sprintf("Back-off restarting failed container %s in pod %s_%s(%s)", c.spec.Name, r.name, r.namespace, r.uid))
	r.mu.Unlock()
	r.notify()
	return r.sleep(d)
}

// setWaiting reports c as waiting with a reason.
func (r *podRunner) setWaiting(c *ctr, reason, message string) {
	r.mu.Lock()
	c.status.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: message}}
	c.status.Ready = false
	c.status.Started = ptr.To(false)
	r.mu.Unlock()
	r.notify()
}

// setRunning reports c's new instance as running.
func (r *podRunner) setRunning(c *ctr, inst *instance) {
	r.mu.Lock()
	c.status.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(inst.startedAt)}}
	c.status.Started = ptr.To(true)
	c.status.Ready = c.kind != initCtr // no probes: a running container is ready
	r.mu.Unlock()
	c.started.Do(func() { close(c.startedCh) })
	r.notify()
}

// setTerminated reports c's instance as exited and returns its exit code.
func (r *podRunner) setTerminated(c *ctr, inst *instance) int32 {
	code := inst.exitCode
	term := &corev1.ContainerStateTerminated{
		ExitCode:    code,
		StartedAt:   metav1.NewTime(inst.startedAt),
		FinishedAt:  metav1.NewTime(inst.finishedAt),
		ContainerID: inst.id,
	}
	switch {
	case inst.startErr != "":
		term.Reason, term.Message, term.StartedAt = "StartError", inst.startErr, metav1.Time{}
	case code == 0:
		term.Reason = "Completed"
	default:
		term.Reason = "Error"
	}
	r.mu.Lock()
	c.status.State = corev1.ContainerState{Terminated: term}
	c.status.Ready = c.kind == initCtr && code == 0
	c.status.Started = ptr.To(false)
	c.inst = nil
	r.mu.Unlock()
	r.notify()
	return code
}
