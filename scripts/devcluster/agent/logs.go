package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/virtual-kubelet/virtual-kubelet/errdefs"
	"github.com/virtual-kubelet/virtual-kubelet/node/api"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	internalapi "k8s.io/cri-api/pkg/apis"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/cri-client/pkg/logs"
	"k8s.io/klog/v2"
)

// logRuntime is the tiny CRI RuntimeService that logs.ReadLogs needs while
// following: it says whether a container instance is still running (its
// output not yet fully logged). Other methods are not implemented.
type logRuntime struct {
	internalapi.RuntimeService

	mu      sync.Mutex
	running map[string]bool
}

func newLogRuntime() *logRuntime { return &logRuntime{running: map[string]bool{}} }

func (l *logRuntime) setRunning(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.running[id] = true
}

func (l *logRuntime) setExited(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.running[id] = false
}

func (l *logRuntime) forget(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.running, id)
}

// ContainerStatus reports RUNNING or EXITED for a container instance.
func (l *logRuntime) ContainerStatus(_ context.Context, id string, _ bool) (*runtimeapi.ContainerStatusResponse, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	state := runtimeapi.ContainerState_CONTAINER_EXITED
	if l.running[id] {
		state = runtimeapi.ContainerState_CONTAINER_RUNNING
	}
	return &runtimeapi.ContainerStatusResponse{Status: &runtimeapi.ContainerStatus{Id: id, State: state}}, nil
}

// GetContainerLogs serves a container's CRI log file through
// k8s.io/cri-client/pkg/logs: tail, since, timestamps, limitBytes, previous
// and follow (which ends when the instance has exited and its output is all
// read).
func (p *Provider) GetContainerLogs(ctx context.Context, namespace, podName, containerName string, opts api.ContainerLogOpts) (io.ReadCloser, error) {
	var id, path string
	var err error
	if r := p.runnerByName(namespace, podName); r != nil {
		id, path, err = r.logTarget(containerName, opts.Previous)
		if err != nil {
			return nil, errdefs.AsInvalidInput(err)
		}
	} else if id, path, err = p.logTargetFromAPI(namespace, podName, containerName, opts.Previous); err != nil {
		return nil, err
	}
	apiOpts := &corev1.PodLogOptions{Follow: opts.Follow, Timestamps: opts.Timestamps, Previous: opts.Previous}
	if opts.Tail > 0 {
		apiOpts.TailLines = ptrTo(int64(opts.Tail))
	}
	if opts.LimitBytes > 0 {
		apiOpts.LimitBytes = ptrTo(int64(opts.LimitBytes))
	}
	if opts.SinceSeconds > 0 {
		apiOpts.SinceSeconds = ptrTo(int64(opts.SinceSeconds))
	}
	if !opts.SinceTime.IsZero() {
		t := metav1.NewTime(opts.SinceTime)
		apiOpts.SinceTime = &t
	}
	lo := logs.NewLogOptions(apiOpts, time.Now())
	rctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	go func() {
		logger := klog.Background()
		err := logs.ReadLogs(rctx, &logger, path, id, lo, p.logRT, pw, pw)
		pw.CloseWithError(err)
	}()
	return &cancelReader{PipeReader: pr, cancel: cancel}, nil
}

// cancelReader stops the log reader when the HTTP response is done.
type cancelReader struct {
	*io.PipeReader
	cancel context.CancelFunc
}

func (c *cancelReader) Close() error {
	c.cancel()
	return c.PipeReader.Close()
}

// logTarget picks the container instance whose log to serve.
func (r *podRunner) logTarget(name string, previous bool) (string, string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.ctrs {
		if c.spec.Name != name {
			continue
		}
		id, err := pickLogInstance(c.status, r.name, previous)
		if err != nil {
			return "", "", err
		}
		path, ok := c.logs[id]
		if !ok {
			return "", "", fmt.Errorf("container %q in pod %q: no log file for %s", name, r.name, id)
		}
		return id, path, nil
	}
	return "", "", fmt.Errorf("container %s is not valid for pod %s", name, r.name)
}

// logTargetFromAPI finds the log of a container of a finished pod the agent
// no longer runs (after a restart) from the pod's reported status.
func (p *Provider) logTargetFromAPI(namespace, podName, name string, previous bool) (string, string, error) {
	pod, err := p.pods.Pods(namespace).Get(podName)
	if err != nil {
		return "", "", errdefs.NotFoundf("pod %s/%s is not running on node %s", namespace, podName, p.cfg.NodeName)
	}
	all := append(append([]corev1.ContainerStatus{}, pod.Status.InitContainerStatuses...), pod.Status.ContainerStatuses...)
	for _, s := range all {
		if s.Name != name {
			continue
		}
		id, err := pickLogInstance(s, podName, previous)
		if err != nil {
			return "", "", errdefs.AsInvalidInput(err)
		}
		n, ok := parseRestartIndex(id)
		path := filepath.Join(p.podsDir, podDirName(pod), "logs", name, fmt.Sprintf("%d.log", n))
		if _, err := os.Stat(path); !ok || err != nil {
			return "", "", errdefs.InvalidInputf("container %q in pod %q: the log of %s is gone", name, podName, id)
		}
		return id, path, nil
	}
	return "", "", errdefs.InvalidInputf("container %s is not valid for pod %s", name, podName)
}

// pickLogInstance chooses the container instance whose log to serve, with
// the kubelet's rules and error messages.
func pickLogInstance(s corev1.ContainerStatus, podName string, previous bool) (string, error) {
	name := s.Name
	last := s.LastTerminationState.Terminated
	switch {
	case previous:
		if last == nil || last.ContainerID == "" {
			return "", fmt.Errorf("previous terminated container %q in pod %q not found", name, podName)
		}
		return last.ContainerID, nil
	case s.State.Running != nil:
		return s.ContainerID, nil
	case s.State.Terminated != nil:
		id := s.State.Terminated.ContainerID
		if id == "" && last != nil {
			id = last.ContainerID
		}
		if id == "" {
			return "", fmt.Errorf("container %q in pod %q is terminated", name, podName)
		}
		return id, nil
	case last != nil:
		if last.ContainerID == "" {
			return "", fmt.Errorf("container %q in pod %q is terminated", name, podName)
		}
		return last.ContainerID, nil
	case s.State.Waiting != nil:
		switch s.State.Waiting.Reason {
		case "ErrImagePull":
			return "", fmt.Errorf("container %q in pod %q is waiting to start: image can't be pulled", name, podName)
		case "ImagePullBackOff":
			return "", fmt.Errorf("container %q in pod %q is waiting to start: trying and failing to pull image", name, podName)
		default:
			return "", fmt.Errorf("container %q in pod %q is waiting to start: %s", name, podName, s.State.Waiting.Reason)
		}
	}
	return "", fmt.Errorf("container %q in pod %q is waiting to start - no logs yet", name, podName)
}

func ptrTo[T any](v T) *T { return &v }
