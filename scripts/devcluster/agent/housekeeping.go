package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
)

// cleanup forgets a finished pod whose object is gone and removes its
// directory (volumes, working dirs, logs).
func (p *Provider) cleanup(r *podRunner) {
	p.mu.Lock()
	if p.runners[r.uid] != r {
		p.mu.Unlock()
		return
	}
	delete(p.runners, r.uid)
	if p.byName[r.key] == r.uid {
		delete(p.byName, r.key)
	}
	p.mu.Unlock()
	r.forgetLogs()
	if err := os.RemoveAll(r.dir); err != nil {
		klog.ErrorS(err, "Removing pod directory", "dir", r.dir)
	}
	klog.InfoS("Forgot pod", "pod", r.key, "uid", r.uid)
}

// sweep forgets finished pods whose objects are gone and removes pod
// directories that belong to no known pod (left by a previous agent run).
func (p *Provider) sweep() {
	p.mu.Lock()
	runners := make([]*podRunner, 0, len(p.runners))
	for _, r := range p.runners {
		runners = append(runners, r)
	}
	p.mu.Unlock()
	for _, r := range runners {
		if r.isDone() && !p.inAPI(r.namespace, r.name, r.uid) {
			p.cleanup(r)
		}
	}
	entries, err := os.ReadDir(p.podsDir)
	if err != nil {
		return
	}
	known := map[types.UID]bool{}
	if all, err := p.pods.List(labels.Everything()); err == nil {
		for _, pod := range all {
			known[pod.UID] = true
		}
	}
	p.mu.Lock()
	for uid := range p.runners {
		known[uid] = true
	}
	p.mu.Unlock()
	for _, e := range entries {
		i := strings.LastIndexByte(e.Name(), '_')
		if i < 0 || known[types.UID(e.Name()[i+1:])] {
			continue
		}
		_ = os.RemoveAll(filepath.Join(p.podsDir, e.Name()))
	}
}

func (p *Provider) inAPI(namespace, name string, uid types.UID) bool {
	cur, err := p.pods.Pods(namespace).Get(name)
	return err == nil && cur.UID == uid
}

// run does the provider's periodic housekeeping until ctx ends.
func (p *Provider) run(ctx context.Context) {
	t := time.NewTicker(15 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p.sweep()
		}
	}
}

// shutdown stops every container: SIGTERM to each process group, SIGKILL to
// what is left after two seconds, then waits for the runners to finish.
func (p *Provider) shutdown() {
	p.shuttingDown.Store(true)
	p.mu.Lock()
	runners := make([]*podRunner, 0, len(p.runners))
	for _, r := range p.runners {
		runners = append(runners, r)
	}
	p.mu.Unlock()
	for _, r := range runners {
		r.terminate(2*time.Second, false, false)
	}
	deadline := time.After(5 * time.Second)
	for _, r := range runners {
		select {
		case <-r.done:
		case <-deadline:
		}
	}
	p.pids.killAll()
	klog.InfoS("Stopped all containers", "pods", len(runners))
}

func (p *Provider) String() string { return fmt.Sprintf("kjo-node-agent(%s)", p.cfg.NodeName) }
