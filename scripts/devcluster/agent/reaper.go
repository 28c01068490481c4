package main

import (
	"bytes"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"
	"k8s.io/klog/v2"
)

// reaper makes the agent the child subreaper of its containers: processes a
// container leaves behind (its shell's children, killed with the process
// group) are re-parented to the agent instead of PID 1, which may never reap
// them, and the agent reaps them. Direct children (the container helpers)
// are left to their exec.Cmd.Wait.
type reaper struct {
	mu     sync.Mutex
	direct map[int]bool
	kick   chan struct{}
}

func newReaper() *reaper {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		klog.ErrorS(err, "Cannot become child subreaper; orphaned container processes will be re-parented to PID 1")
	}
	r := &reaper{direct: map[int]bool{}, kick: make(chan struct{}, 1)}
	go r.loop()
	return r
}

// own marks a direct child that exec.Cmd.Wait will reap.
func (r *reaper) own(pid int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.direct[pid] = true
}

// disown forgets a direct child once it is reaped, and triggers a sweep for
// the orphans it may have left.
func (r *reaper) disown(pid int) {
	r.mu.Lock()
	delete(r.direct, pid)
	r.mu.Unlock()
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

func (r *reaper) loop() {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-r.kick:
			time.Sleep(50 * time.Millisecond)
		}
		r.reapOrphans()
	}
}

// reapOrphans reaps the agent's zombie children that no exec.Cmd waits for.
func (r *reaper) reapOrphans() {
	self := os.Getpid()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ppid, zombie := procParent(pid)
		if ppid != self || !zombie {
			continue
		}
		r.mu.Lock()
		mine := r.direct[pid]
		r.mu.Unlock()
		if !mine {
			var ws unix.WaitStatus
			_, _ = unix.Wait4(pid, &ws, unix.WNOHANG, nil)
		}
	}
}

// procParent reads a process's parent pid and whether it is a zombie.
func procParent(pid int) (int, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return 0, false
	}
	f := bytes.Fields(b[i+2:])
	if len(f) < 2 {
		return 0, false
	}
	ppid, _ := strconv.Atoi(string(f[1]))
	return ppid, f[0][0] == 'Z'
}
