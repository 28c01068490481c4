package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/virtual-kubelet/virtual-kubelet/node/api"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	corev1listers "k8s.io/client-go/listers/core/v1"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/ptr"
)

// TestMain lets the test binary act as the run-container helper, since the
// provider re-executes its own binary.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == helperCommand {
		os.Exit(runHelper(os.Args[2:]))
	}
	os.Exit(m.Run())
}

type harness struct {
	t        *testing.T
	p        *Provider
	client   *fake.Clientset
	pods     cache.Indexer
	recorder *record.FakeRecorder

	mu     sync.Mutex
	latest map[types.UID]*corev1.Pod
	events []string
}

func newHarness(t *testing.T, objects ...runtime.Object) *harness {
	if os.Geteuid() != 0 {
		t.Skip("needs root (mount namespaces)")
	}
	cfg := mustComplete(t, defaultConfig())
	node := buildNode(cfg)
	client := fake.NewClientset(objects...)
	client.PrependReactor("create", "serviceaccounts", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "token" {
			return false, nil, nil
		}
		return true, &authenticationv1.TokenRequest{Status: authenticationv1.TokenRequestStatus{Token: "test-token"}}, nil
	})
	pods := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	services := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	h := &harness{t: t, client: client, pods: pods, recorder: record.NewFakeRecorder(10000), latest: map[types.UID]*corev1.Pod{}}
	p, err := newProvider(cfg, providerDeps{
		client: client, pods: corev1listers.NewPodLister(pods), services: corev1listers.NewServiceLister(services),
		recorder: h.recorder, node: &node,
	})
	if err != nil {
		t.Fatal(err)
	}
	h.p = p
	ctx, cancel := context.WithCancel(context.Background())
	p.NotifyPods(ctx, func(pod *corev1.Pod) {
		h.mu.Lock()
		h.latest[pod.UID] = pod
		h.mu.Unlock()
	})
	go func() {
		for e := range h.recorder.Events {
			h.mu.Lock()
			h.events = append(h.events, e)
			h.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		p.shutdown()
		cancel()
	})
	return h
}

func (h *harness) create(pod *corev1.Pod) {
	h.t.Helper()
	if pod.Namespace == "" {
		pod.Namespace = "default"
	}
	if pod.UID == "" {
		pod.UID = types.UID(fmt.Sprintf("uid-%s-%d", pod.Name, time.Now().UnixNano()))
	}
	pod.Spec.NodeName = "kjo-node"
	if _, err := h.client.CoreV1().Pods(pod.Namespace).Create(context.Background(), pod, metav1.CreateOptions{}); err != nil {
		h.t.Fatal(err)
	}
	_ = h.pods.Add(pod)
	if err := h.p.CreatePod(context.Background(), pod); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) status(pod *corev1.Pod) *corev1.Pod {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.latest[pod.UID]
}

// waitFor polls cond on the pod as last notified.
func (h *harness) waitFor(pod *corev1.Pod, what string, timeout time.Duration, cond func(*corev1.Pod) bool) *corev1.Pod {
	h.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if s := h.status(pod); s != nil && cond(s) {
			return s
		}
		time.Sleep(20 * time.Millisecond)
	}
	s := h.status(pod)
	if s != nil {
		h.t.Fatalf("timed out waiting for %s; status: %+v", what, s.Status)
	}
	h.t.Fatalf("timed out waiting for %s; no status", what)
	return nil
}

func (h *harness) hasEvent(substr string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range h.events {
		if strings.Contains(e, substr) {
			return true
		}
	}
	return false
}

func (h *harness) logs(pod *corev1.Pod, container string, opts api.ContainerLogOpts) string {
	h.t.Helper()
	rc, err := h.p.GetContainerLogs(context.Background(), pod.Namespace, pod.Name, container, opts)
	if err != nil {
		h.t.Fatalf("logs of %s: %v", container, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		h.t.Fatalf("reading logs of %s: %v", container, err)
	}
	return string(b)
}

func phaseIs(ph corev1.PodPhase) func(*corev1.Pod) bool {
	return func(p *corev1.Pod) bool { return p.Status.Phase == ph }
}

func sh(script string) []string { return []string{"/bin/sh", "-c", script} }

func TestPodVolumesEnvInitAndLogs(t *testing.T) {
	h := newHarness(t,
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "sec", Namespace: "default"}, Data: map[string][]byte{"password": []byte("hunter2")}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kube-root-ca.crt", Namespace: "default"}, Data: map[string]string{"ca.crt": "CA"}},
	)
	mnt := fmt.Sprintf("/tmp/kjo-agent-test-%d", os.Getpid())
	t.Cleanup(func() { os.RemoveAll(mnt) })
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "vols", Labels: map[string]string{"app": "demo"}},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Volumes: []corev1.Volume{
				{Name: "shared", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: "sec", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "sec", DefaultMode: ptr.To(int32(0o400))}}},
				{Name: "info", VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{Items: []corev1.DownwardAPIVolumeFile{
					{Path: "labels", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels"}}}}}},
				{Name: "kube-api-access", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
					{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: ptr.To(int64(3607))}},
					{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"}, Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
					{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{Path: "namespace", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}}}},
				}}}},
			},
			InitContainers: []corev1.Container{{
				Name: "prep", Image: "busybox", Command: sh("echo prepared > " + mnt + "/shared/ready; echo init-done"),
				VolumeMounts: []corev1.VolumeMount{{Name: "shared", MountPath: mnt + "/shared"}},
			}},
			Containers: []corev1.Container{{
				Name: "main", Image: "busybox",
				Command: []string{"/bin/sh", "-c"},
				Args: []string{strings.Join([]string{
					"echo greeting=$(GREETING)",
					"cat " + mnt + "/shared/ready",
					"cat " + mnt + "/sec/password; echo",
					"cat " + mnt + "/info/labels; echo",
					"cat " + mnt + "/sa/token " + mnt + "/sa/ca.crt " + mnt + "/sa/namespace; echo",
					"echo pwd=$(pwd)",
					"echo env=$POD_NAME/$KUBERNETES_SERVICE_HOST",
					"(echo x > " + mnt + "/sec/new) 2>/dev/null && echo writable || echo read-only",
					"echo to-stderr >&2",
				}, "; ")},
				Env: []corev1.EnvVar{
					{Name: "GREETING", Value: "hello"},
					{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
				},
				VolumeMounts: []corev1.VolumeMount{
					{Name: "shared", MountPath: mnt + "/shared"},
					{Name: "sec", MountPath: mnt + "/sec"},
					{Name: "info", MountPath: mnt + "/info"},
					{Name: "kube-api-access", MountPath: mnt + "/sa", ReadOnly: true},
				},
			}},
		},
	}
	h.create(pod)
	st := h.waitFor(pod, "Succeeded", 20*time.Second, phaseIs(corev1.PodSucceeded))
	cs := st.Status.ContainerStatuses[0]
	if cs.State.Terminated == nil || cs.State.Terminated.Reason != "Completed" || cs.State.Terminated.ExitCode != 0 {
		t.Fatalf("main status: %+v", cs)
	}
	if ics := st.Status.InitContainerStatuses[0]; ics.State.Terminated == nil || !ics.Ready {
		t.Fatalf("init status: %+v", ics)
	}
	if !strings.HasPrefix(cs.ContainerID, "kjo://") || cs.ImageID == "" {
		t.Errorf("ids: %q %q", cs.ContainerID, cs.ImageID)
	}
	out := h.logs(pod, "main", api.ContainerLogOpts{})
	for _, want := range []string{
		"greeting=hello\n", "prepared\n", "hunter2\n", `app="demo"` + "\n", "test-tokenCAdefault\n",
		"pwd=" + h.p.podsDir, "env=vols/127.0.0.1\n", "read-only\n", "to-stderr\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("main log lacks %q:\n%s", want, out)
		}
	}
	if got := h.logs(pod, "prep", api.ContainerLogOpts{}); got != "init-done\n" {
		t.Errorf("prep log: %q", got)
	}
	if _, err := os.Stat(mnt); !os.IsNotExist(err) {
		t.Errorf("mount points left on the host: %v", err)
	}
	if !h.hasEvent("Started container main") || !h.hasEvent("already present on machine") {
		t.Errorf("missing events: %v", h.events)
	}
}

func TestRestartOnFailureAndPreviousLogs(t *testing.T) {
	h := newHarness(t)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "flaky"},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyOnFailure,
			Volumes:       []corev1.Volume{{Name: "w", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
			Containers: []corev1.Container{{
				Name: "c", Image: "busybox", WorkingDir: "/",
				Command:      sh(`if [ -e /tmp/kjo-flaky-$(POD_UID)/once ]; then echo second; exit 0; fi; touch /tmp/kjo-flaky-$(POD_UID)/once; echo first; exit 3`),
				Env:          []corev1.EnvVar{{Name: "POD_UID", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.uid"}}}},
				VolumeMounts: []corev1.VolumeMount{{Name: "w", MountPath: "/tmp/kjo-flaky-$(POD_UID)"}},
			}},
		},
	}
	pod.UID = types.UID(fmt.Sprintf("u%d", time.Now().UnixNano()))
	pod.Spec.Containers[0].VolumeMounts[0].MountPath = "/tmp/kjo-flaky-" + string(pod.UID)
	h.create(pod)
	h.waitFor(pod, "CrashLoopBackOff", 10*time.Second, func(p *corev1.Pod) bool {
		s := p.Status.ContainerStatuses[0]
		return s.State.Waiting != nil && s.State.Waiting.Reason == "CrashLoopBackOff" && s.LastTerminationState.Terminated != nil
	})
	st := h.waitFor(pod, "Succeeded", 10*time.Second, phaseIs(corev1.PodSucceeded))
	cs := st.Status.ContainerStatuses[0]
	if cs.RestartCount != 1 || cs.LastTerminationState.Terminated == nil || cs.LastTerminationState.Terminated.ExitCode != 3 || cs.LastTerminationState.Terminated.Reason != "Error" {
		t.Fatalf("status: %+v", cs)
	}
	if got := h.logs(pod, "c", api.ContainerLogOpts{}); got != "second\n" {
		t.Errorf("current log %q", got)
	}
	if got := h.logs(pod, "c", api.ContainerLogOpts{Previous: true}); got != "first\n" {
		t.Errorf("previous log %q", got)
	}
	if !h.hasEvent("BackOff Back-off restarting failed container c") {
		t.Errorf("no BackOff event: %v", h.events)
	}
}

func TestNeverFailedAndStartError(t *testing.T) {
	h := newHarness(t)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "fails"},
		Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{
			{Name: "bad", Image: "x", Command: sh("exit 7")},
			{Name: "missing", Image: "x", Command: []string{"no-such-binary-kjo"}},
		}},
	}
	h.create(pod)
	st := h.waitFor(pod, "Failed", 10*time.Second, phaseIs(corev1.PodFailed))
	for _, cs := range st.Status.ContainerStatuses {
		term := cs.State.Terminated
		switch cs.Name {
		case "bad":
			if term == nil || term.ExitCode != 7 || term.Reason != "Error" {
				t.Errorf("bad: %+v", cs.State)
			}
		case "missing":
			if term == nil || term.ExitCode != 128 || term.Reason != "StartError" || !strings.Contains(term.Message, "executable file not found in $PATH") {
				t.Errorf("missing: %+v", cs.State)
			}
		}
	}
}

func TestNoCommandAndImagePullFailure(t *testing.T) {
	h := newHarness(t)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "waits"},
		Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{
			{Name: "nocmd", Image: "busybox"},
			{Name: "nopull", Image: "kjo.invalid/nope:1", Command: sh("true")},
		}},
	}
	h.create(pod)
	waitReason := func(name, reason string) func(*corev1.Pod) bool {
		return func(p *corev1.Pod) bool {
			for _, cs := range p.Status.ContainerStatuses {
				if cs.Name == name && cs.State.Waiting != nil && cs.State.Waiting.Reason == reason {
					return true
				}
			}
			return false
		}
	}
	st := h.waitFor(pod, "CreateContainerError", 5*time.Second, waitReason("nocmd", "CreateContainerError"))
	for _, cs := range st.Status.ContainerStatuses {
		if cs.Name == "nocmd" && !strings.Contains(cs.State.Waiting.Message, "needs an explicit command") {
			t.Errorf("message: %q", cs.State.Waiting.Message)
		}
	}
	h.waitFor(pod, "ErrImagePull", 5*time.Second, waitReason("nopull", "ErrImagePull"))
	h.waitFor(pod, "ImagePullBackOff", 5*time.Second, waitReason("nopull", "ImagePullBackOff"))
	h.waitFor(pod, "ErrImagePull again", 10*time.Second, waitReason("nopull", "ErrImagePull"))
	if st := h.status(pod); st.Status.Phase != corev1.PodPending {
		t.Errorf("phase %s", st.Status.Phase)
	}
	for _, e := range []string{`Failed to pull image "kjo.invalid/nope:1"`, `Back-off pulling image "kjo.invalid/nope:1"`, "Error: ImagePullBackOff", "Pulling image"} {
		if !h.hasEvent(e) {
			t.Errorf("no event %q", e)
		}
	}
	if _, err := h.p.GetContainerLogs(context.Background(), "default", "waits", "nopull", api.ContainerLogOpts{}); err == nil || !strings.Contains(err.Error(), "waiting to start") {
		t.Errorf("logs of a waiting container: %v", err)
	}
}

// deleteInAPI marks the pod deleted in the (fake) API cache and tells the
// provider, like virtual-kubelet does.
func (h *harness) deleteInAPI(pod *corev1.Pod, grace int64) {
	h.t.Helper()
	cur := pod.DeepCopy()
	now := metav1.Now()
	cur.DeletionTimestamp, cur.DeletionGracePeriodSeconds = &now, &grace
	_ = h.pods.Update(cur)
	if err := h.p.DeletePod(context.Background(), cur); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) deletedFromAPI(pod *corev1.Pod) bool {
	for _, a := range h.client.Actions() {
		if a.GetVerb() == "delete" && a.GetResource().Resource == "pods" {
			if d, ok := a.(k8stesting.DeleteAction); ok && d.GetName() == pod.Name {
				return true
			}
		}
	}
	return false
}

func TestDeletionGracefulAndKill(t *testing.T) {
	h := newHarness(t)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "longrun"},
		Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyAlways, Containers: []corev1.Container{
			{Name: "polite", Image: "x", Command: sh(`trap 'echo got-term; exit 0' TERM; echo up; while true; do sleep 0.1; done`)},
			{Name: "stubborn", Image: "x", Command: sh(`trap '' TERM; echo up; while true; do sleep 0.1; done`)},
		}},
	}
	h.create(pod)
	h.waitFor(pod, "Running", 10*time.Second, func(p *corev1.Pod) bool {
		return p.Status.Phase == corev1.PodRunning && p.Status.ContainerStatuses[0].Ready && p.Status.ContainerStatuses[1].Ready
	})
	pgids := h.p.pids.snapshot()
	if len(pgids) != 2 {
		t.Fatalf("pids file has %v", pgids)
	}
	// Follow the polite container's log: the stream must end when it exits.
	followDone := make(chan string)
	go func() { followDone <- h.logs(pod, "polite", api.ContainerLogOpts{Follow: true}) }()
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	h.deleteInAPI(pod, 2)
	st := h.waitFor(pod, "terminated", 10*time.Second, func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed })
	if took := time.Since(start); took < 1500*time.Millisecond || took > 6*time.Second {
		t.Errorf("termination took %s with a 2s grace period", took)
	}
	for _, cs := range st.Status.ContainerStatuses {
		term := cs.State.Terminated
		if term == nil {
			t.Fatalf("%s not terminated: %+v", cs.Name, cs.State)
		}
		if cs.Name == "polite" && term.ExitCode != 0 {
			t.Errorf("polite exit %d", term.ExitCode)
		}
		if cs.Name == "stubborn" && term.ExitCode != 137 {
			t.Errorf("stubborn exit %d", term.ExitCode)
		}
	}
	select {
	case out := <-followDone:
		if !strings.HasPrefix(out, "up\n") || !strings.Contains(out, "got-term\n") {
			t.Errorf("followed log %q", out)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("log follow did not end when the container exited")
	}
	deadline := time.Now().Add(8 * time.Second)
	for !h.deletedFromAPI(pod) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !h.deletedFromAPI(pod) {
		t.Error("pod object was not deleted from the API")
	}
	if !h.hasEvent("Killing Stopping container polite") {
		t.Errorf("no Killing event: %v", h.events)
	}
	if got := h.p.pids.snapshot(); len(got) != 0 {
		t.Errorf("pids file still lists %v", got)
	}
	// The object goes away: the provider forgets the pod and its directory.
	_ = h.pods.Delete(pod)
	_ = h.p.DeletePod(context.Background(), pod)
	if _, err := h.p.GetPod(context.Background(), "default", "longrun"); err == nil {
		t.Error("pod still known after it left the API")
	}
}

func TestForceDeleteAndShutdown(t *testing.T) {
	h := newHarness(t)
	mk := func(name string) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{
				{Name: "c", Image: "x", Command: sh(`sleep 1000 & wait`)},
			}},
		}
	}
	a, b := mk("forced"), mk("left")
	h.create(a)
	h.create(b)
	for _, p := range []*corev1.Pod{a, b} {
		h.waitFor(p, "Running", 10*time.Second, phaseIs(corev1.PodRunning))
	}
	// Force delete: the object is already gone when the provider hears of it.
	_ = h.pods.Delete(a)
	start := time.Now()
	_ = h.p.DeletePod(context.Background(), a)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := h.p.GetPod(context.Background(), "default", "forced"); err != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := h.p.GetPod(context.Background(), "default", "forced"); err == nil {
		t.Fatal("force-deleted pod still known")
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("force delete took %s", time.Since(start))
	}
	pgids := h.p.pids.snapshot()
	h.p.shutdown()
	time.Sleep(300 * time.Millisecond) // let the reaper collect the orphans
	for _, pg := range pgids {
		if processGroupAlive(pg) {
			out, _ := exec.Command("ps", "-o", "pid,pgid,stat,cmd", "-g", fmt.Sprint(pg)).CombinedOutput()
			t.Errorf("process group %d survived shutdown:\n%s", pg, out)
		}
	}
}

func TestSidecarAndInitFailure(t *testing.T) {
	h := newHarness(t)
	side := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "sidecar"},
		Spec: corev1.PodSpec{
			RestartPolicy:                 corev1.RestartPolicyNever,
			TerminationGracePeriodSeconds: ptr.To(int64(5)),
			InitContainers: []corev1.Container{{
				Name: "side", Image: "x", RestartPolicy: ptr.To(corev1.ContainerRestartPolicyAlways),
				Command: sh(`trap 'echo side-stop; exit 0' TERM; echo side-up; while true; do sleep 0.1; done`),
			}},
			Containers: []corev1.Container{{Name: "main", Image: "x", Command: sh("sleep 0.5; echo main-done")}},
		},
	}
	h.create(side)
	h.waitFor(side, "Running with sidecar", 10*time.Second, func(p *corev1.Pod) bool {
		return p.Status.Phase == corev1.PodRunning && p.Status.InitContainerStatuses[0].State.Running != nil
	})
	st := h.waitFor(side, "Succeeded", 10*time.Second, phaseIs(corev1.PodSucceeded))
	if s := st.Status.InitContainerStatuses[0]; s.State.Terminated == nil {
		t.Errorf("sidecar not stopped: %+v", s.State)
	}
	if got := h.logs(side, "side", api.ContainerLogOpts{}); !strings.Contains(got, "side-stop") {
		t.Errorf("sidecar log %q", got)
	}

	failing := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "badinit"},
		Spec: corev1.PodSpec{
			RestartPolicy:  corev1.RestartPolicyNever,
			InitContainers: []corev1.Container{{Name: "init", Image: "x", Command: sh("exit 5")}},
			Containers:     []corev1.Container{{Name: "main", Image: "x", Command: sh("echo never")}},
		},
	}
	h.create(failing)
	st = h.waitFor(failing, "Failed", 10*time.Second, phaseIs(corev1.PodFailed))
	if s := st.Status.ContainerStatuses[0]; s.State.Waiting == nil || s.State.Waiting.Reason != "PodInitializing" {
		t.Errorf("main should still wait: %+v", s.State)
	}
	if c := findCond(st.Status, corev1.PodInitialized); c.Status != corev1.ConditionFalse {
		t.Errorf("Initialized: %+v", c)
	}
}
