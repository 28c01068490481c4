package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/cri-client/pkg/logs"
	"k8s.io/klog/v2"
)

func TestCRILogFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "0.log")
	l, err := openCRILog(path)
	if err != nil {
		t.Fatal(err)
	}
	l.now = func() time.Time { return time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC) }
	long := strings.Repeat("x", maxCRILogLine+10)
	in := "hello\n\nworld\n" + long + "\nno newline"
	if err := l.copyFrom(strings.NewReader(in), "stdout"); err != nil {
		t.Fatal(err)
	}
	if err := l.copyFrom(strings.NewReader("oops\n"), "stderr"); err != nil {
		t.Fatal(err)
	}
	l.Close()
	b, _ := os.ReadFile(path)
	ts := "2024-01-02T03:04:05.000006000Z"
	want := ts + " stdout F hello\n" +
		ts + " stdout F \n" +
		ts + " stdout F world\n" +
		ts + " stdout P " + strings.Repeat("x", maxCRILogLine) + "\n" +
		ts + " stdout F xxxxxxxxxx\n" +
		ts + " stdout F no newline\n" +
		ts + " stderr F oops\n"
	if string(b) != want {
		t.Fatalf("log file:\n%q\nwant:\n%q", b, want)
	}
}

// readAllLogs serves a log file through cri-client's ReadLogs like the
// kubelet API does.
func readAllLogs(t *testing.T, rt *logRuntime, path, id string, opts *corev1.PodLogOptions) string {
	t.Helper()
	var out bytes.Buffer
	logger := klog.Background()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := logs.ReadLogs(ctx, &logger, path, id, logs.NewLogOptions(opts, time.Now()), rt, &out, &out); err != nil {
		t.Fatalf("ReadLogs: %v", err)
	}
	return out.String()
}

func TestCRILogFollowNoLoss(t *testing.T) {
	path := filepath.Join(t.TempDir(), "0.log")
	l, err := openCRILog(path)
	if err != nil {
		t.Fatal(err)
	}
	rt := newLogRuntime()
	id := "kjo://uid-c-0"
	rt.setRunning(id)
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		_ = l.copyFrom(pr, "stdout")
		l.Close()
		rt.setExited(id)
		close(done)
	}()
	go func() {
		for i := range 1000 {
			fmt.Fprintf(pw, "line %d\n", i)
			if i%50 == 0 {
				time.Sleep(100 * time.Millisecond)
			}
		}
		pw.Close()
	}()
	got := readAllLogs(t, rt, path, id, &corev1.PodLogOptions{Follow: true})
	<-done
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != 1000 {
		t.Fatalf("followed %d lines, want 1000", len(lines))
	}
	for i, line := range lines {
		if line != fmt.Sprintf("line %d", i) {
			t.Fatalf("line %d = %q", i, line)
		}
	}
	if tail := readAllLogs(t, rt, path, id, &corev1.PodLogOptions{TailLines: ptrTo(int64(2))}); tail != "line 998\nline 999\n" {
		t.Fatalf("tail: %q", tail)
	}
	if lim := readAllLogs(t, rt, path, id, &corev1.PodLogOptions{LimitBytes: ptrTo(int64(3))}); lim != "lin" {
		t.Fatalf("limitBytes: %q", lim)
	}
	if ts := readAllLogs(t, rt, path, id, &corev1.PodLogOptions{TailLines: ptrTo(int64(1)), Timestamps: true}); !strings.HasSuffix(ts, "Z line 999\n") {
		t.Fatalf("timestamps: %q", ts)
	}
}
