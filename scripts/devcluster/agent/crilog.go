package main

import (
	"bufio"
	"errors"
	"io"
	"os"
	"sync"
	"time"
)

// criLogTimeFormat is the timestamp of a CRI log line (RFC3339Nano, fixed
// width, UTC).
const criLogTimeFormat = "2006-01-02T15:04:05.000000000Z07:00"

// maxCRILogLine is the longest line written whole; longer lines are split
// into partial (P) lines, as containerd does.
const maxCRILogLine = 16 * 1024

// criLog writes one container instance's output as CRI log lines:
// "<time> stdout|stderr F|P <content>\n", each line in a single write, so
// the file is always complete up to the last line written.
type criLog struct {
	mu  sync.Mutex
	f   *os.File
	now func() time.Time
}

// openCRILog creates (or truncates) a CRI log file.
func openCRILog(path string) (*criLog, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC|os.O_APPEND, 0o640)
	if err != nil {
		return nil, err
	}
	return &criLog{f: f, now: time.Now}, nil
}

// writeLine writes one CRI log line; tag is "F" (full) or "P" (partial).
func (l *criLog) writeLine(stream, tag string, content []byte) error {
	buf := make([]byte, 0, len(content)+len(criLogTimeFormat)+len(stream)+6)
	buf = l.now().UTC().AppendFormat(buf, criLogTimeFormat)
	buf = append(buf, ' ')
	buf = append(buf, stream...)
	buf = append(buf, ' ')
	buf = append(buf, tag...)
	buf = append(buf, ' ')
	buf = append(buf, content...)
	buf = append(buf, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	_, err := l.f.Write(buf)
	return err
}

// copyFrom logs everything read from r as lines of stream until EOF.
func (l *criLog) copyFrom(r io.Reader, stream string) error {
	br := bufio.NewReaderSize(r, maxCRILogLine)
	for {
		line, err := br.ReadSlice('\n')
		switch {
		case err == nil:
			if werr := l.writeLine(stream, "F", line[:len(line)-1]); werr != nil {
				return werr
			}
			continue
		case errors.Is(err, bufio.ErrBufferFull):
			if werr := l.writeLine(stream, "P", line); werr != nil {
				return werr
			}
			continue
		}
		if len(line) > 0 {
			if werr := l.writeLine(stream, "F", line); werr != nil {
				return werr
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, os.ErrClosed) {
			return nil
		}
		return err
	}
}

// Close closes the file.
func (l *criLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Close()
}
