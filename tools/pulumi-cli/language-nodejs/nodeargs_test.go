package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

var nodeArgsCases = []struct {
	name  string
	input string
	want  []string
	// multiline: a newline outside quotes ends a shell command, but separates words here, as a blank
	// (a YAML block scalar in Pulumi.yaml brings newlines), so sh cannot be the reference.
	multiline bool
}{
	{"plain flags", "--max-old-space-size=4096 --no-warnings", []string{"--max-old-space-size=4096", "--no-warnings"}, false},
	{"double-quoted path", `--max-old-space-size=4096 --require "a b.js"`,
		[]string{"--max-old-space-size=4096", "--require", "a b.js"}, false},
	{"single-quoted path", `--require 'a b.js'`, []string{"--require", "a b.js"}, false},
	{"quotes inside a word", `--require=./"my file".js`, []string{"--require=./my file.js"}, false},
	{"adjacent quoted parts", `'it'"'"'s'`, []string{"it's"}, false},
	{"single quotes keep backslashes", `'a\b\'`, []string{`a\b\`}, false},
	{"double quotes escape a quote", `"say \"hi\""`, []string{`say "hi"`}, false},
	{"double quotes escape a backslash", `"a\\b"`, []string{`a\b`}, false},
	{"double quotes keep other backslashes", `"C:\dir\n"`, []string{`C:\dir\n`}, false},
	{"double quotes escape a dollar and a backtick", "\"\\$HOME \\`x\\`\"", []string{"$HOME `x`"}, false},
	{"backslash outside quotes", `a\ b c\\d \'e\"`, []string{"a b", `c\d`, `'e"`}, false},
	{"line continuation outside quotes", "--a\\\n--b", []string{"--a--b"}, false},
	{"line continuation inside double quotes", "\"x\\\ny\"", []string{"xy"}, false},
	{"newline inside single quotes is kept", "'x\ny'", []string{"x\ny"}, false},
	{"empty quoted words", `--title "" ''`, []string{"--title", "", ""}, false},
	{"blanks of every kind", " \t--a\n\n --b\t", []string{"--a", "--b"}, true},
	{"comment at the start of a word", "--a #rest of line\n--b", []string{"--a", "--b"}, true},
	{"comment to the end", "--a #--b", []string{"--a"}, false},
	{"hash inside a word is literal", "--a#b '#c'", []string{"--a#b", "#c"}, false},
	{"nothing", "", nil, false},
	{"only blanks", "  \t ", nil, false},
}

func TestSplitNodeArgs(t *testing.T) {
	for _, tc := range nodeArgsCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := splitNodeArgs(tc.input)
			if err != nil {
				t.Fatalf("splitNodeArgs(%q): %v", tc.input, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("splitNodeArgs(%q) = %q, want %q", tc.input, got, tc.want)
			}
		})
	}
}

// TestSplitNodeArgsAgreesWithSh checks the expectations above against a real POSIX shell: `set -- <input>`
// under eval splits exactly like a command line. Inputs with $ or ` are left out (the shell would expand them),
// and so are the multiline ones.
func TestSplitNodeArgsAgreesWithSh(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatalf("this test needs a POSIX sh on PATH: %v", err)
	}
	for _, tc := range nodeArgsCases {
		if strings.ContainsAny(tc.input, "$`") || tc.multiline {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(sh, "-c", `eval "set -- $1"; for a in "$@"; do printf '%s\0' "$a"; done`, "sh", tc.input)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("sh failed on %q: %v", tc.input, err)
			}
			var shWords []string
			for _, word := range bytes.Split(out, []byte{0}) {
				shWords = append(shWords, string(word))
			}
			shWords = shWords[:len(shWords)-1] // the text after the last NUL
			if len(shWords) == 0 {
				shWords = nil
			}
			if !reflect.DeepEqual(shWords, tc.want) {
				t.Errorf("sh splits %q into %q, the test expects %q", tc.input, shWords, tc.want)
			}
		})
	}
}

func TestSplitNodeArgsRejectsUnterminatedInput(t *testing.T) {
	for _, tc := range []struct{ input, want string }{
		{`--require "a b.js`, "unterminated double quote (opened at character 11)"},
		{`--require 'a b.js`, "unterminated single quote (opened at character 11)"},
		{`"it's"x'`, "unterminated single quote (opened at character 8)"},
		{`--a \`, "ends with a backslash that escapes nothing"},
	} {
		_, err := splitNodeArgs(tc.input)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), fmt.Sprintf("%q", tc.input)) {
			t.Errorf("splitNodeArgs(%q) error = %v, want one naming the input and containing %q", tc.input, err, tc.want)
		}
	}
}
