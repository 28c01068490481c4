package main

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// This file ports Kubernetes' $(VAR) expansion
// (third_party/forked/golang/expansion): $(VAR) is replaced by the value of
// VAR when it is defined and left as is otherwise, $$ escapes a $, and any
// other $ is kept literally.

const (
	expOperator = '$'
	expOpener   = '('
	expCloser   = ')'
)

// mappingFor returns a lookup over the given maps, in order, that leaves
// unknown references untouched.
func mappingFor(maps ...map[string]string) func(string) string {
	return func(name string) string {
		for _, m := range maps {
			if v, ok := m[name]; ok {
				return v
			}
		}
		return "$(" + name + ")"
	}
}

// expand replaces the $(VAR) references in input using mapping.
func expand(input string, mapping func(string) string) string {
	var buf strings.Builder
	checkpoint := 0
	for cursor := 0; cursor < len(input); cursor++ {
		if input[cursor] == expOperator && cursor+1 < len(input) {
			buf.WriteString(input[checkpoint:cursor])
			read, isVar, advance := readVariableName(input[cursor+1:])
			if isVar {
				buf.WriteString(mapping(read))
			} else {
				buf.WriteString(read)
			}
			cursor += advance
			checkpoint = cursor + 1
		}
	}
	return buf.String() + input[checkpoint:]
}

// readVariableName reads what follows a $: the referenced name (isVar), or
// the literal text to keep, and how many bytes were consumed.
func readVariableName(input string) (string, bool, int) {
	switch input[0] {
	case expOperator:
		return input[0:1], false, 1
	case expOpener:
		for i := 1; i < len(input); i++ {
			if input[i] == expCloser {
				return input[1:i], true, i + 1
			}
		}
		return string(expOperator) + string(expOpener), false, 1
	default:
		return string(expOperator) + string(input[0]), false, 1
	}
}

// expandCommand returns the argv of a container: command then args, each
// expanded against the container's environment.
func expandCommand(command, args []string, env map[string]string) []string {
	m := mappingFor(env)
	out := make([]string, 0, len(command)+len(args))
	for _, s := range command {
		out = append(out, expand(s, m))
	}
	for _, s := range args {
		out = append(out, expand(s, m))
	}
	return out
}

// envToMap turns an env list into a map; later entries win.
func envToMap(env []corev1.EnvVar) map[string]string {
	m := make(map[string]string, len(env))
	for _, e := range env {
		m[e.Name] = e.Value
	}
	return m
}
