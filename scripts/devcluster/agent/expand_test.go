package main

import (
	"reflect"
	"testing"
)

func TestExpand(t *testing.T) {
	env := map[string]string{"A": "alpha", "B": "beta", "EMPTY": ""}
	m := mappingFor(env)
	cases := map[string]string{
		"":                 "",
		"plain":            "plain",
		"$(A)":             "alpha",
		"x-$(A)-$(B)-y":    "x-alpha-beta-y",
		"$(MISSING)":       "$(MISSING)",
		"$$(A)":            "$(A)",
		"$$":               "$",
		"$A":               "$A",
		"$(A":              "$(A",
		"a$":               "a$",
		"$(EMPTY)x":        "x",
		"$()":              "$()",
		"$$$(A)":           "$alpha",
		"${A}":             "${A}",
		"$(A)$(B)":         "alphabeta",
		"--name=$(A) $(B)": "--name=alpha beta",
	}
	for in, want := range cases {
		if got := expand(in, m); got != want {
			t.Errorf("expand(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExpandCommand(t *testing.T) {
	got := expandCommand([]string{"sh", "-c", "echo $(MSG)"}, []string{"$(N)", "$$(N)"}, map[string]string{"MSG": "hi", "N": "3"})
	want := []string{"sh", "-c", "echo hi", "3", "$(N)"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}
