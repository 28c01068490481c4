package main

import (
	"bytes"
	"net/http"
)

// vkLogErrorPrefix is what virtual-kubelet puts before a GetContainerLogs
// error; the kubelet's messages have no such prefix.
var vkLogErrorPrefix = []byte("error getting container logs?): ")

// kubeletErrors serves the kubelet API with virtual-kubelet's error prefix
// removed, so `kubectl logs` shows the kubelet's own message (for example
// `container "c" in pod "p" is waiting to start: ContainerCreating`).
func kubeletErrors(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(&errorWriter{ResponseWriter: w}, r)
	})
}

type errorWriter struct {
	http.ResponseWriter
	failed bool
}

func (w *errorWriter) WriteHeader(code int) {
	w.failed = code >= 400
	w.ResponseWriter.WriteHeader(code)
}

func (w *errorWriter) Write(b []byte) (int, error) {
	if !w.failed {
		return w.ResponseWriter.Write(b)
	}
	_, err := w.ResponseWriter.Write(bytes.TrimPrefix(b, vkLogErrorPrefix))
	return len(b), err
}

// Flush keeps log streams flushing through the wrapper.
func (w *errorWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
