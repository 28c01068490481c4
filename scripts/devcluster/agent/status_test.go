package main

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func running(name string) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, Ready: true, Started: ptr.To(true),
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
}

func exited(name string, code int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, Ready: false, Started: ptr.To(false),
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code}}}
}

func initDone(name string, code int32) corev1.ContainerStatus {
	s := exited(name, code)
	s.Ready = code == 0
	return s
}

func waitingStatus(name, reason string) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, Started: ptr.To(false),
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}}
}

func crashLooping(name string, code int32) corev1.ContainerStatus {
	s := waitingStatus(name, "CrashLoopBackOff")
	s.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code}}
	return s
}

func testPod(policy corev1.RestartPolicy, inits []string, ctrs ...string) *corev1.Pod {
	p := &corev1.Pod{Spec: corev1.PodSpec{RestartPolicy: policy}}
	for _, n := range inits {
		p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{Name: n})
	}
	for _, n := range ctrs {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: n})
	}
	return p
}

func TestPodPhase(t *testing.T) {
	never, onFail, always := corev1.RestartPolicyNever, corev1.RestartPolicyOnFailure, corev1.RestartPolicyAlways
	cases := []struct {
		name     string
		pod      *corev1.Pod
		statuses []corev1.ContainerStatus
		terminal bool
		want     corev1.PodPhase
	}{
		{"creating", testPod(never, nil, "a"), []corev1.ContainerStatus{waitingStatus("a", "ContainerCreating")}, false, corev1.PodPending},
		{"running", testPod(never, nil, "a", "b"), []corev1.ContainerStatus{running("a"), running("b")}, false, corev1.PodRunning},
		{"one exited one running", testPod(never, nil, "a", "b"), []corev1.ContainerStatus{exited("a", 1), running("b")}, false, corev1.PodRunning},
		{"never all ok", testPod(never, nil, "a", "b"), []corev1.ContainerStatus{exited("a", 0), exited("b", 0)}, false, corev1.PodSucceeded},
		{"never one failed", testPod(never, nil, "a", "b"), []corev1.ContainerStatus{exited("a", 0), exited("b", 2)}, false, corev1.PodFailed},
		{"onfailure restarting", testPod(onFail, nil, "a"), []corev1.ContainerStatus{crashLooping("a", 1)}, false, corev1.PodRunning},
		{"onfailure ok", testPod(onFail, nil, "a"), []corev1.ContainerStatus{exited("a", 0)}, false, corev1.PodSucceeded},
		{"always exited 0 restarts", testPod(always, nil, "a"), []corev1.ContainerStatus{exited("a", 0)}, false, corev1.PodRunning},
		{"always deleted ok", testPod(always, nil, "a"), []corev1.ContainerStatus{exited("a", 0)}, true, corev1.PodSucceeded},
		{"always deleted killed", testPod(always, nil, "a"), []corev1.ContainerStatus{exited("a", 143)}, true, corev1.PodFailed},
		{"image pull", testPod(never, nil, "a"), []corev1.ContainerStatus{waitingStatus("a", "ErrImagePull")}, false, corev1.PodPending},
		{"init running", testPod(never, []string{"i"}, "a"), []corev1.ContainerStatus{running("i"), waitingStatus("a", "PodInitializing")}, false, corev1.PodPending},
		{"init failed never", testPod(never, []string{"i"}, "a"), []corev1.ContainerStatus{initDone("i", 1), waitingStatus("a", "PodInitializing")}, true, corev1.PodFailed},
		{"init failed onfailure", testPod(onFail, []string{"i"}, "a"), []corev1.ContainerStatus{crashLooping("i", 1), waitingStatus("a", "PodInitializing")}, false, corev1.PodPending},
		{"init done", testPod(never, []string{"i"}, "a"), []corev1.ContainerStatus{initDone("i", 0), running("a")}, false, corev1.PodRunning},
	}
	for _, tc := range cases {
		if got := podPhase(tc.pod, tc.statuses, tc.terminal, false); got != tc.want {
			t.Errorf("%s: phase %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestPodPhaseSidecar(t *testing.T) {
	pod := testPod(corev1.RestartPolicyNever, []string{"side"}, "main")
	pod.Spec.InitContainers[0].RestartPolicy = ptr.To(corev1.ContainerRestartPolicyAlways)
	if got := podPhase(pod, []corev1.ContainerStatus{running("side"), running("main")}, false, true); got != corev1.PodRunning {
		t.Errorf("running: %s", got)
	}
	if got := podPhase(pod, []corev1.ContainerStatus{exited("side", 143), exited("main", 0)}, true, true); got != corev1.PodSucceeded {
		t.Errorf("done: %s", got)
	}
}

func findCond(s corev1.PodStatus, t corev1.PodConditionType) corev1.PodCondition {
	for _, c := range s.Conditions {
		if c.Type == t {
			return c
		}
	}
	return corev1.PodCondition{}
}

func TestComputePodStatusConditions(t *testing.T) {
	pod := testPod(corev1.RestartPolicyNever, []string{"init"}, "b", "a")
	start := metav1.NewTime(time.Unix(1000, 0))
	now := time.Unix(2000, 0)

	initRunning := running("init")
	initRunning.Ready = false
	s := computePodStatus(pod, []corev1.ContainerStatus{initRunning},
		[]corev1.ContainerStatus{waitingStatus("b", "PodInitializing"), waitingStatus("a", "PodInitializing")},
		runtimeState{SandboxReady: true, StartTime: start}, nil, now)
	if s.Phase != corev1.PodPending || s.PodIP != nodeIP || s.HostIP != nodeIP || !s.StartTime.Equal(&start) {
		t.Fatalf("unexpected status %+v", s)
	}
	if s.ContainerStatuses[0].Name != "a" {
		t.Errorf("container statuses not sorted by name")
	}
	if c := findCond(s, corev1.PodInitialized); c.Status != corev1.ConditionFalse || c.Reason != "ContainersNotInitialized" || c.Message != "containers with incomplete status: [init]" {
		t.Errorf("Initialized: %+v", c)
	}
	if c := findCond(s, corev1.PodReadyToStartContainers); c.Status != corev1.ConditionTrue {
		t.Errorf("PodReadyToStartContainers: %+v", c)
	}
	if c := findCond(s, corev1.PodScheduled); c.Status != corev1.ConditionTrue {
		t.Errorf("PodScheduled: %+v", c)
	}

	later := now.Add(time.Minute)
	s2 := computePodStatus(pod, []corev1.ContainerStatus{initDone("init", 0)},
		[]corev1.ContainerStatus{running("a"), running("b")},
		runtimeState{SandboxReady: true, StartTime: start}, s.Conditions, later)
	if s2.Phase != corev1.PodRunning {
		t.Fatalf("phase %s", s2.Phase)
	}
	for _, ty := range []corev1.PodConditionType{corev1.PodInitialized, corev1.PodReady, corev1.ContainersReady} {
		if c := findCond(s2, ty); c.Status != corev1.ConditionTrue || !c.LastTransitionTime.Time.Equal(later) {
			t.Errorf("%s: %+v", ty, c)
		}
	}
	if c := findCond(s2, corev1.PodReadyToStartContainers); !c.LastTransitionTime.Time.Equal(now) {
		t.Errorf("unchanged condition got a new transition time: %+v", c)
	}

	s3 := computePodStatus(pod, []corev1.ContainerStatus{initDone("init", 0)},
		[]corev1.ContainerStatus{exited("a", 0), exited("b", 0)},
		runtimeState{Terminal: true, StartTime: start}, s2.Conditions, later)
	if s3.Phase != corev1.PodSucceeded {
		t.Fatalf("phase %s", s3.Phase)
	}
	if c := findCond(s3, corev1.PodReady); c.Status != corev1.ConditionFalse || c.Reason != "PodCompleted" {
		t.Errorf("Ready: %+v", c)
	}
	if c := findCond(s3, corev1.PodInitialized); c.Status != corev1.ConditionTrue || c.Reason != "PodCompleted" {
		t.Errorf("Initialized: %+v", c)
	}
	if c := findCond(s3, corev1.PodReadyToStartContainers); c.Status != corev1.ConditionFalse {
		t.Errorf("PodReadyToStartContainers: %+v", c)
	}
}

func TestMergeForeignConditions(t *testing.T) {
	ours := []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	cur := []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}, {Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}
	got := mergeForeignConditions(ours, cur)
	if len(got) != 2 || got[0].Status != corev1.ConditionTrue || got[1].Type != corev1.DisruptionTarget {
		t.Fatalf("got %+v", got)
	}
}
