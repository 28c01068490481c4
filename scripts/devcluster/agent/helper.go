package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// helperCommand is the agent's subcommand that becomes a container process.
const helperCommand = "run-container"

// helperSpec tells the helper how to become the container's process.
type helperSpec struct {
	Argv       []string    `json:"argv"`
	Env        []string    `json:"env"`
	WorkingDir string      `json:"workingDir"`
	Mounts     []mountSpec `json:"mounts"`
}

// runHelper is `kjo-node-agent run-container --spec FILE`. The agent starts
// it in a new mount namespace (CLONE_NEWNS), its own process group, with
// Pdeathsig and fd 3 as a status pipe. It makes / recursively private,
// bind-mounts the volumes, chdirs and exec's the command. If any step fails
// it writes the reason to fd 3 and exits 128; a successful exec closes fd 3
// (close-on-exec), which tells the agent the container has started.
func runHelper(args []string) int {
	status := os.NewFile(3, "status")
	fail := func(format string, a ...any) int {
		msg := fmt.Sprintf(format, a...)
		if status != nil {
			_, _ = status.WriteString(msg)
		}
		fmt.Fprintln(os.Stderr, msg)
		return 128
	}
	if status != nil {
		syscall.CloseOnExec(3)
	}
	fs := flag.NewFlagSet(helperCommand, flag.ContinueOnError)
	specPath := fs.String("spec", "", "container spec (JSON)")
	if err := fs.Parse(args); err != nil || *specPath == "" {
		return fail("run-container: --spec FILE is required")
	}
	b, err := os.ReadFile(*specPath)
	if err != nil {
		return fail("run-container: %v", err)
	}
	var spec helperSpec
	if err := json.Unmarshal(b, &spec); err != nil {
		return fail("run-container: bad spec: %v", err)
	}
	if len(spec.Argv) == 0 {
		return fail("run-container: empty command")
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fail("failed to make / private in the container's mount namespace: %v", err)
	}
	for _, m := range spec.Mounts {
		if err := bindMount(m); err != nil {
			return fail("failed to mount %s at %s: %v", m.Source, m.Target, err)
		}
	}
	if spec.WorkingDir != "" {
		if err := os.Chdir(spec.WorkingDir); err != nil {
			return fail("failed to start container process: chdir to cwd (%q) set in config.json failed: %v", spec.WorkingDir, err)
		}
	}
	path, err := lookPath(spec.Argv[0], envValue(spec.Env, "PATH"))
	if err != nil {
		return fail("failed to start container process: exec: %q: %v", spec.Argv[0], err)
	}
	err = syscall.Exec(path, spec.Argv, spec.Env)
	return fail("failed to start container process: exec: %q: %v", spec.Argv[0], err)
}

// bindMount makes one bind mount, read-only if asked (keeping the source's
// nosuid/nodev/noexec flags, which a remount may not drop).
func bindMount(m mountSpec) error {
	if m.Nested {
		if err := ensureMountPoint(m.Target, m.File); err != nil {
			return err
		}
	}
	if err := unix.Mount(m.Source, m.Target, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return err
	}
	if !m.ReadOnly {
		return nil
	}
	var st unix.Statfs_t
	flags := uintptr(unix.MS_BIND | unix.MS_REMOUNT | unix.MS_RDONLY)
	if unix.Statfs(m.Target, &st) == nil {
		keep := uintptr(unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_RELATIME)
		flags |= uintptr(st.Flags) & keep
	}
	return unix.Mount("", m.Target, "", flags, "")
}

func ensureMountPoint(target string, file bool) error {
	if _, err := os.Stat(target); err == nil {
		return nil
	}
	if !file {
		return os.MkdirAll(target, 0o755)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	return f.Close()
}

func envValue(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}

// lookPath finds an executable like exec.LookPath, but in the container's
// PATH rather than the agent's.
func lookPath(file, path string) (string, error) {
	if strings.Contains(file, "/") {
		if err := isExecutable(file); err != nil {
			return "", err
		}
		return file, nil
	}
	if path == "" {
		path = defaultPath
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, file)
		if isExecutable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("executable file not found in $PATH")
}

func isExecutable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return fmt.Errorf("permission denied")
	}
	return nil
}
