package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// instance is one run of a container: a process group started through the
// run-container helper, with its output going to a CRI log file.
type instance struct {
	id         string
	restart    int32
	logPath    string
	cmd        *exec.Cmd
	pgid       int
	startedAt  time.Time
	finishedAt time.Time
	exitCode   int32
	startErr   string
	exited     chan struct{} // closed once the process is reaped and its output logged
}

func (i *instance) isExited() bool {
	select {
	case <-i.exited:
		return true
	default:
		return false
	}
}

// signal sends sig to the instance's whole process group.
func (i *instance) signal(sig syscall.Signal) {
	if i.pgid > 0 {
		_ = syscall.Kill(-i.pgid, sig)
	}
}

func (i *instance) ranFor() time.Duration { return i.finishedAt.Sub(i.startedAt) }

// createError is a failure to create a container, reported as the waiting
// reason (CreateContainerError, CreateContainerConfigError).
type createError struct{ reason, message string }

func (e *createError) Error() string { return e.reason + ": " + e.message }

// errTerminating stops a container start once the pod is being terminated.
var errTerminating = errors.New("pod is terminating")

func createErrorReason(err error) (string, string) {
	var ce *createError
	if errors.As(err, &ce) {
		return ce.reason, ce.message
	}
	return "CreateContainerError", err.Error()
}

// containerID names a container instance: kjo://<pod uid>-<name>-<restart>.
func containerID(uid types.UID, name string, restart int32) string {
	return fmt.Sprintf("kjo://%s-%s-%d", uid, name, restart)
}

// parseRestartIndex returns the restart number of a containerID.
func parseRestartIndex(id string) (int32, bool) {
	i := strings.LastIndexByte(id, '-')
	if !strings.HasPrefix(id, "kjo://") || i < 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(id[i+1:], 10, 32)
	return int32(n), err == nil
}

// logPath is the CRI log file of one instance of a container.
func (r *podRunner) logPath(name string, restart int32) string {
	return filepath.Join(r.dir, "logs", name, fmt.Sprintf("%d.log", restart))
}

// noCommandMessage explains why a container without a command cannot run.
func noCommandMessage(name string) string {
	return fmt.Sprintf("container %q has no command: the kjo local cluster runs each container's command as a host process "+
		"and never uses the image's entrypoint, so every container needs an explicit command", name)
}

// startContainer creates and starts a new instance of c. Creation failures
// come back as *createError; a failure to exec the command is reported by
// the instance itself (startErr, exit code 128).
func (r *podRunner) startContainer(c *ctr) (*instance, error) {
	r.mu.Lock()
	if r.terminating {
		r.mu.Unlock()
		return nil, errTerminating
	}
	restart := c.status.RestartCount
	if c.everRan {
		restart++
	}
	pod := r.pod.DeepCopy()
	volDirs := r.volumeDirs
	r.mu.Unlock()
	spec := c.spec
	spec.Image = imageOf(pod, c)

	if len(spec.Command) == 0 {
		return nil, &createError{"CreateContainerError", noCommandMessage(spec.Name)}
	}
	env, err := r.p.containerEnv(r.ctx, pod, &spec)
	if err != nil {
		return nil, &createError{"CreateContainerConfigError", err.Error()}
	}
	envMap := envToMap(env)
	argv := expandCommand(spec.Command, spec.Args, envMap)
	mounts, err := buildMounts(pod, &spec, volDirs, envMap)
	if err != nil {
		return nil, &createError{"CreateContainerConfigError", err.Error()}
	}
	ctrDir, err := r.ensureDir("containers", spec.Name)
	if err != nil {
		return nil, &createError{"CreateContainerError", err.Error()}
	}
	workDir := spec.WorkingDir
	if workDir == "" {
		workDir = ctrDir
	}
	if err := r.p.mounts.acquire(r.uid, mounts); err != nil {
		return nil, &createError{"CreateContainerError", fmt.Sprintf("failed to create mount point: %v", err)}
	}
	if _, err := r.ensureDir("logs", spec.Name); err != nil {
		return nil, &createError{"CreateContainerError", err.Error()}
	}
	id := containerID(r.uid, spec.Name, restart)
	logPath := r.logPath(spec.Name, restart)
	clog, err := openCRILog(logPath)
	if err != nil {
		return nil, &createError{"CreateContainerError", err.Error()}
	}
	specDir, err := r.ensureDir("specs")
	if err != nil {
		clog.Close()
		return nil, &createError{"CreateContainerError", err.Error()}
	}
	specPath := filepath.Join(specDir, fmt.Sprintf("%s-%d.json", spec.Name, restart))
	hs := helperSpec{Argv: argv, Env: processEnv(pod, env), WorkingDir: workDir, Mounts: mounts}
	if err := writeHelperSpec(specPath, &hs); err != nil {
		clog.Close()
		return nil, &createError{"CreateContainerError", err.Error()}
	}
	r.event(c, corev1.EventTypeNormal, "Created", "Created container: "+spec.Name)

	inst, pipes, err := r.spawn(c, id, restart, logPath, specPath, &spec)
	if err != nil {
		clog.Close()
		if errors.Is(err, errTerminating) {
			return nil, err
		}
		return nil, &createError{"CreateContainerError", err.Error()}
	}
	var copiers sync.WaitGroup
	copiers.Add(2)
	go func() { defer copiers.Done(); _ = clog.copyFrom(pipes.out, "stdout") }()
	go func() { defer copiers.Done(); _ = clog.copyFrom(pipes.err, "stderr") }()
	// The helper closes the status pipe by exec'ing the command, or writes
	// why it could not.
	msg, _ := io.ReadAll(pipes.status)
	pipes.status.Close()
	inst.startedAt = time.Now()
	inst.startErr = strings.TrimSpace(string(msg))
	if inst.startErr == "" {
		r.setRunning(c, inst)
		r.event(c, corev1.EventTypeNormal, "Started", "Started container "+spec.Name)
	}
	go r.reap(inst, pipes, clog, &copiers)
	return inst, nil
}

// instancePipes are the parent's ends of an instance's pipes.
type instancePipes struct{ out, err, status *os.File }

// spawn starts the helper process for an instance, in its own process group
// and mount namespace, killed if the agent dies.
func (r *podRunner) spawn(c *ctr, id string, restart int32, logPath, specPath string, spec *corev1.Container) (*instance, *instancePipes, error) {
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return nil, nil, err
	}
	statR, statW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		errR.Close()
		errW.Close()
		return nil, nil, err
	}
	closeAll := func(fs ...*os.File) {
		for _, f := range fs {
			f.Close()
		}
	}
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		closeAll(outR, outW, errR, errW, statR, statW)
		return nil, nil, err
	}
	cmd := &exec.Cmd{
		Path:       r.p.agentPath,
		Args:       []string{"kjo-node-agent", helperCommand, "--spec", specPath},
		Env:        []string{},
		Stdin:      devnull,
		Stdout:     outW,
		Stderr:     errW,
		ExtraFiles: []*os.File{statW},
		SysProcAttr: &syscall.SysProcAttr{
			Setpgid:      true,
			Pdeathsig:    syscall.SIGKILL,
			Unshareflags: syscall.CLONE_NEWNS,
		},
	}
	inst := &instance{id: id, restart: restart, logPath: logPath, cmd: cmd, exited: make(chan struct{})}

	r.mu.Lock()
	if r.terminating {
		r.mu.Unlock()
		closeAll(outR, outW, errR, errW, statR, statW, devnull)
		return nil, nil, errTerminating
	}
	err = cmd.Start()
	if err == nil {
		inst.pgid = cmd.Process.Pid
		r.p.reaper.own(inst.pgid)
		c.inst = inst
		c.everRan = true
		c.seeded = nil
		c.status.RestartCount = restart
		c.status.ContainerID = id
		c.status.Image = spec.Image
		c.status.ImageID = imageID(spec.Image)
		c.logs[id] = logPath
		r.p.pids.add(inst.pgid)
		r.p.logRT.setRunning(id)
	}
	r.mu.Unlock()
	closeAll(outW, errW, statW, devnull)
	if err != nil {
		closeAll(outR, errR, statR)
		return nil, nil, err
	}
	return inst, &instancePipes{out: outR, err: errR, status: statR}, nil
}

// reap waits for the instance's process, kills what is left of its process
// group (as a container's PID namespace would), drains its output into the
// log, and marks it exited.
func (r *podRunner) reap(inst *instance, pipes *instancePipes, clog *criLog, copiers *sync.WaitGroup) {
	err := inst.cmd.Wait()
	inst.finishedAt = time.Now()
	inst.exitCode = exitCodeOf(inst.cmd.ProcessState, err)
	_ = syscall.Kill(-inst.pgid, syscall.SIGKILL)
	r.p.reaper.disown(inst.pgid)
	r.p.pids.remove(inst.pgid)
	drained := make(chan struct{})
	go func() { copiers.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(2 * time.Second):
		// Something outside the process group still holds the pipes.
		pipes.out.Close()
		pipes.err.Close()
		<-drained
	}
	pipes.out.Close()
	pipes.err.Close()
	clog.Close()
	r.p.logRT.setExited(inst.id)
	close(inst.exited)
}

// exitCodeOf turns a wait result into a container exit code (128+signal for
// a process killed by a signal).
func exitCodeOf(ps *os.ProcessState, err error) int32 {
	if ps == nil {
		if err != nil {
			return 128
		}
		return 0
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok {
		if ws.Signaled() {
			return 128 + int32(ws.Signal())
		}
		return int32(ws.ExitStatus())
	}
	return int32(ps.ExitCode())
}

func writeHelperSpec(path string, hs *helperSpec) error {
	b, err := json.MarshalIndent(hs, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// imageOf returns the container's current image (it may be updated).
func imageOf(pod *corev1.Pod, c *ctr) string {
	list := pod.Spec.Containers
	if c.kind != regularCtr {
		list = pod.Spec.InitContainers
	}
	for _, x := range list {
		if x.Name == c.spec.Name {
			return x.Image
		}
	}
	return c.spec.Image
}
