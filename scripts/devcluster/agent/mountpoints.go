package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
)

// mountRegistry creates the mount points that do not exist on the host
// (directories, or empty files for file mounts), remembers which pods use
// each one, and removes them (if still empty) once no pod does, so the host
// file system keeps no junk. The list is persisted, so leftovers of a crashed
// agent are removed at the next start.
type mountRegistry struct {
	mu      sync.Mutex
	file    string
	created map[string]map[types.UID]bool
}

func newMountRegistry(file string) *mountRegistry {
	return &mountRegistry{file: file, created: map[string]map[types.UID]bool{}}
}

// recover removes the mount points a previous agent run left behind.
func (m *mountRegistry) recover() {
	b, err := os.ReadFile(m.file)
	if err != nil {
		return
	}
	var paths []string
	if json.Unmarshal(b, &paths) != nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	removeEmptyPaths(paths)
	m.created = map[string]map[types.UID]bool{}
	m.persist()
}

// acquire makes sure the non-nested mount points exist, on behalf of pod uid.
func (m *mountRegistry) acquire(uid types.UID, mounts []mountSpec) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	defer m.persist()
	for _, ms := range mounts {
		if ms.Nested {
			continue
		}
		parts := strings.Split(strings.TrimPrefix(ms.Target, "/"), "/")
		p := ""
		for i, part := range parts {
			p += "/" + part
			if users, ok := m.created[p]; ok {
				users[uid] = true
				continue
			}
			if _, err := os.Lstat(p); err == nil {
				continue
			} else if !os.IsNotExist(err) {
				return err
			}
			last := i == len(parts)-1
			if last && ms.File {
				f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
				if err != nil {
					return err
				}
				f.Close()
			} else if err := os.Mkdir(p, 0o755); err != nil {
				return err
			}
			m.created[p] = map[types.UID]bool{uid: true}
			klog.V(2).InfoS("Created mount point", "path", p, "pod", uid)
		}
	}
	return nil
}

// release drops pod uid's claims and removes the mount points nobody uses.
func (m *mountRegistry) release(uid types.UID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var unused []string
	for p, users := range m.created {
		delete(users, uid)
		if len(users) == 0 {
			unused = append(unused, p)
		}
	}
	if len(unused) == 0 {
		return
	}
	removeEmptyPaths(unused)
	for _, p := range unused {
		delete(m.created, p)
	}
	m.persist()
}

// removeEmptyPaths removes, deepest first, each path that is an empty
// directory or an empty file.
func removeEmptyPaths(paths []string) {
	sort.Slice(paths, func(i, j int) bool { return len(paths[i]) > len(paths[j]) })
	for _, p := range paths {
		fi, err := os.Lstat(p)
		if err != nil {
			continue
		}
		if fi.Mode().IsRegular() && fi.Size() != 0 {
			continue
		}
		if err := os.Remove(p); err == nil {
			klog.V(2).InfoS("Removed mount point", "path", p)
		}
	}
}

func (m *mountRegistry) persist() {
	paths := make([]string, 0, len(m.created))
	for p := range m.created {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	b, _ := json.Marshal(paths)
	tmp := m.file + ".tmp"
	if err := os.MkdirAll(filepath.Dir(m.file), 0o755); err != nil {
		return
	}
	if os.WriteFile(tmp, b, 0o644) == nil {
		_ = os.Rename(tmp, m.file)
	}
}
