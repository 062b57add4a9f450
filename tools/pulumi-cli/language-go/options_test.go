package main

import (
	"testing"
)

func TestParseGoOptions(t *testing.T) {
	got, err := parseGoOptions("/work/project", map[string]any{"buildTarget": "bin/program", "other": 3})
	if err != nil || got.BuildTarget != "/work/project/bin/program" || got.Binary != "" {
		t.Errorf("buildTarget: %+v, %v", got, err)
	}
	got, err = parseGoOptions("/work/project", map[string]any{"binary": "./out/prog"})
	if err != nil || got.Binary != "/work/project/out/prog" {
		t.Errorf("binary path: %+v, %v", got, err)
	}
	got, err = parseGoOptions("/work/project", map[string]any{"binary": "my-program"})
	if err != nil || got.Binary != "my-program" {
		t.Errorf("binary on PATH: %+v, %v", got, err)
	}
	if got, err := parseGoOptions("/r", nil); err != nil || got != (goOptions{}) {
		t.Errorf("no options: %+v, %v", got, err)
	}
}

func TestParseGoOptionsRejectsBadValues(t *testing.T) {
	for _, options := range []map[string]any{
		{"binary": "a", "buildTarget": "b"},
		{"buildTarget": 7},
		{"binary": ""},
	} {
		if _, err := parseGoOptions("/r", options); err == nil {
			t.Errorf("%v: expected an error", options)
		}
	}
}
