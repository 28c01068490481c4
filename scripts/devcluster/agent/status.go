package main

import (
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// runtimeState is what the runner knows about a pod beyond its containers.
type runtimeState struct {
	SandboxReady bool // volumes are set up and the pod is not terminal
	Terminal     bool // no container of the pod will run again
	StartTime    metav1.Time
}

// kubeletConditions are the pod conditions the node agent owns.
var kubeletConditions = map[corev1.PodConditionType]bool{
	corev1.PodReadyToStartContainers: true,
	corev1.PodInitialized:            true,
	corev1.PodReady:                  true,
	corev1.ContainersReady:           true,
	corev1.PodScheduled:              true,
}

// computePodStatus builds a pod status the way the kubelet does from the
// container statuses: phase, conditions (keeping transition times from prev
// when a condition did not change), IPs and start time.
func computePodStatus(pod *corev1.Pod, initStatuses, statuses []corev1.ContainerStatus, st runtimeState, prev []corev1.PodCondition, now time.Time) corev1.PodStatus {
	statuses = append([]corev1.ContainerStatus(nil), statuses...)
	sort.SliceStable(statuses, func(i, j int) bool { return statuses[i].Name < statuses[j].Name })
	all := append(append([]corev1.ContainerStatus(nil), initStatuses...), statuses...)

	initialized := hasAnyRegularContainerStarted(pod, all)
	for _, c := range prev {
		if c.Type == corev1.PodInitialized && c.Status == corev1.ConditionTrue {
			initialized = true
		}
	}
	phase := podPhase(pod, all, st.Terminal, initialized)

	scheduled := corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled {
			scheduled = c
		}
	}
	readyToStart := corev1.PodCondition{Type: corev1.PodReadyToStartContainers, Status: corev1.ConditionFalse}
	if st.SandboxReady && !st.Terminal {
		readyToStart.Status = corev1.ConditionTrue
	}
	containersReady := containersReadyCondition(pod, all, phase)
	ready := containersReady
	ready.Type = corev1.PodReady
	conds := []corev1.PodCondition{
		readyToStart,
		initializedCondition(pod, all, phase),
		ready,
		containersReady,
		scheduled,
	}
	for i := range conds {
		conds[i].ObservedGeneration = pod.Generation
		if conds[i].LastTransitionTime.IsZero() {
			conds[i].LastTransitionTime = metav1.NewTime(now)
			for _, p := range prev {
				if p.Type == conds[i].Type && p.Status == conds[i].Status {
					conds[i].LastTransitionTime = p.LastTransitionTime
				}
			}
		}
	}
	start := st.StartTime
	return corev1.PodStatus{
		ObservedGeneration:    pod.Generation,
		Phase:                 phase,
		Conditions:            conds,
		HostIP:                nodeIP,
		HostIPs:               []corev1.HostIP{{IP: nodeIP}},
		PodIP:                 nodeIP,
		PodIPs:                []corev1.PodIP{{IP: nodeIP}},
		StartTime:             &start,
		InitContainerStatuses: initStatuses,
		ContainerStatuses:     statuses,
		QOSClass:              pod.Status.QOSClass,
	}
}

// mergeForeignConditions keeps the conditions other components set on the
// pod (DisruptionTarget, readiness gates, ...) next to the agent's.
func mergeForeignConditions(ours, current []corev1.PodCondition) []corev1.PodCondition {
	out := append([]corev1.PodCondition(nil), ours...)
	for _, c := range current {
		if !kubeletConditions[c.Type] {
			out = append(out, c)
		}
	}
	return out
}

func isRestartableInit(c *corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

func statusOf(statuses []corev1.ContainerStatus, name string) (corev1.ContainerStatus, bool) {
	for _, s := range statuses {
		if s.Name == name {
			return s, true
		}
	}
	return corev1.ContainerStatus{}, false
}

func hasAnyRegularContainerStarted(pod *corev1.Pod, statuses []corev1.ContainerStatus) bool {
	for _, c := range pod.Spec.Containers {
		if s, ok := statusOf(statuses, c.Name); ok && (s.State.Running != nil || s.State.Terminated != nil) {
			return true
		}
	}
	return false
}

// podPhase ports the kubelet's getPhase (without the alpha container
// restart rules).
func podPhase(pod *corev1.Pod, info []corev1.ContainerStatus, podIsTerminal, podHasInitialized bool) corev1.PodPhase {
	spec := pod.Spec
	pendingRestartableInit, pendingRegularInit, failedInit := 0, 0, 0
	for i := range spec.InitContainers {
		c := &spec.InitContainers[i]
		if isRestartableInit(c) {
			continue
		}
		s, ok := statusOf(info, c.Name)
		if !ok {
			pendingRegularInit++
			continue
		}
		switch {
		case s.State.Running != nil:
			pendingRegularInit++
		case s.State.Terminated != nil:
			if s.State.Terminated.ExitCode != 0 {
				failedInit++
			}
		case s.State.Waiting != nil:
			if s.LastTerminationState.Terminated != nil {
				if s.LastTerminationState.Terminated.ExitCode != 0 {
					failedInit++
				}
			} else {
				pendingRegularInit++
			}
		default:
			pendingRegularInit++
		}
	}

	unknown, running, waiting, stopped, succeeded := 0, 0, 0, 0, 0
	for i := range spec.InitContainers {
		c := &spec.InitContainers[i]
		if !isRestartableInit(c) {
			continue
		}
		s, ok := statusOf(info, c.Name)
		if !ok {
			unknown++
			continue
		}
		switch {
		case s.State.Running != nil:
			if s.Started == nil || !*s.Started {
				pendingRestartableInit++
			}
			running++
		case s.State.Terminated != nil:
			// Stopped sidecars do not count for the pod phase.
		case s.State.Waiting != nil:
			if s.LastTerminationState.Terminated == nil {
				pendingRestartableInit++
				waiting++
			}
		default:
			pendingRestartableInit++
			unknown++
		}
	}
	for _, c := range spec.Containers {
		s, ok := statusOf(info, c.Name)
		if !ok {
			unknown++
			continue
		}
		switch {
		case s.State.Running != nil:
			running++
		case s.State.Terminated != nil:
			stopped++
			if s.State.Terminated.ExitCode == 0 {
				succeeded++
			}
		case s.State.Waiting != nil:
			if s.LastTerminationState.Terminated != nil {
				stopped++
			} else {
				waiting++
			}
		default:
			unknown++
		}
	}

	if failedInit > 0 && spec.RestartPolicy == corev1.RestartPolicyNever {
		return corev1.PodFailed
	}
	switch {
	case pendingRegularInit > 0 || (pendingRestartableInit > 0 && !podHasInitialized):
		return corev1.PodPending
	case waiting > 0:
		return corev1.PodPending
	case running > 0 && unknown == 0:
		return corev1.PodRunning
	case running == 0 && stopped > 0 && unknown == 0:
		if podIsTerminal {
			if stopped == succeeded {
				return corev1.PodSucceeded
			}
			return corev1.PodFailed
		}
		if spec.RestartPolicy == corev1.RestartPolicyAlways {
			return corev1.PodRunning
		}
		if stopped == succeeded {
			return corev1.PodSucceeded
		}
		if spec.RestartPolicy == corev1.RestartPolicyNever {
			return corev1.PodFailed
		}
		return corev1.PodRunning
	default:
		return corev1.PodPending
	}
}

// initializedCondition ports the kubelet's GeneratePodInitializedCondition.
func initializedCondition(pod *corev1.Pod, statuses []corev1.ContainerStatus, phase corev1.PodPhase) corev1.PodCondition {
	var unknown, incomplete []string
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		s, ok := statusOf(statuses, c.Name)
		if !ok {
			unknown = append(unknown, c.Name)
			continue
		}
		if isRestartableInit(c) {
			if s.Started == nil || !*s.Started {
				incomplete = append(incomplete, c.Name)
			}
		} else if !s.Ready {
			incomplete = append(incomplete, c.Name)
		}
	}
	cond := corev1.PodCondition{Type: corev1.PodInitialized, Status: corev1.ConditionTrue}
	if phase == corev1.PodSucceeded && len(unknown) == 0 {
		cond.Reason = "PodCompleted"
		return cond
	}
	if hasAnyRegularContainerStarted(pod, statuses) {
		return cond
	}
	if msg := joinMessages(unknown, "containers with unknown status: %s", incomplete, "containers with incomplete status: %s"); msg != "" {
		return corev1.PodCondition{Type: corev1.PodInitialized, Status: corev1.ConditionFalse, Reason: "ContainersNotInitialized", Message: msg}
	}
	return cond
}

// containersReadyCondition ports the kubelet's GenerateContainersReadyCondition
// (the Ready condition is the same without readiness gates).
func containersReadyCondition(pod *corev1.Pod, statuses []corev1.ContainerStatus, phase corev1.PodPhase) corev1.PodCondition {
	var unknown, unready []string
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		if !isRestartableInit(c) {
			continue
		}
		if s, ok := statusOf(statuses, c.Name); !ok {
			unknown = append(unknown, c.Name)
		} else if !s.Ready {
			unready = append(unready, c.Name)
		}
	}
	for _, c := range pod.Spec.Containers {
		if s, ok := statusOf(statuses, c.Name); !ok {
			unknown = append(unknown, c.Name)
		} else if !s.Ready {
			unready = append(unready, c.Name)
		}
	}
	if (phase == corev1.PodSucceeded && len(unknown) == 0) || phase == corev1.PodFailed {
		reason := "PodFailed"
		if phase == corev1.PodSucceeded {
			reason = "PodCompleted"
		}
		return corev1.PodCondition{Type: corev1.ContainersReady, Status: corev1.ConditionFalse, Reason: reason}
	}
	if msg := joinMessages(unknown, "containers with unknown status: %s", unready, "containers with unready status: %s"); msg != "" {
		return corev1.PodCondition{Type: corev1.ContainersReady, Status: corev1.ConditionFalse, Reason: "ContainersNotReady", Message: msg}
	}
	return corev1.PodCondition{Type: corev1.ContainersReady, Status: corev1.ConditionTrue}
}

func joinMessages(a []string, fa string, b []string, fb string) string {
	msg := ""
	if len(a) > 0 {
		msg = fmt.Sprintf(fa, a)
	}
	if len(b) > 0 {
		if msg != "" {
			msg += ", "
		}
		msg += fmt.Sprintf(fb, b)
	}
	return msg
}
