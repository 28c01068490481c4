package main

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"syscall"
)

// pidFile keeps, in the state directory, the process-group ids of the live
// containers (one per line), so a stop script can `kill -KILL -- -PGID`
// whatever an agent that died abnormally left behind.
type pidFile struct {
	mu    sync.Mutex
	path  string
	pgids map[int]bool
}

func newPidFile(path string) (*pidFile, error) {
	p := &pidFile{path: path, pgids: map[int]bool{}}
	return p, p.write()
}

func (p *pidFile) add(pgid int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pgids[pgid] = true
	_ = p.write()
}

func (p *pidFile) remove(pgid int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.pgids, pgid)
	_ = p.write()
}

// killAll sends SIGKILL to every listed process group.
func (p *pidFile) killAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for pgid := range p.pgids {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
}

func (p *pidFile) write() error {
	ids := make([]int, 0, len(p.pgids))
	for id := range p.pgids {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	var b strings.Builder
	for _, id := range ids {
		fmt.Fprintln(&b, id)
	}
	tmp := p.path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, p.path)
}

// snapshot returns the listed process-group ids.
func (p *pidFile) snapshot() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	ids := make([]int, 0, len(p.pgids))
	for id := range p.pgids {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	return ids
}

// processGroupAlive tells whether any process of the group is left.
func processGroupAlive(pgid int) bool {
	return syscall.Kill(-pgid, 0) == nil
}
