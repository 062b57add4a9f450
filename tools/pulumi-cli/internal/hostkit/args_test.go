package hostkit

import (
	"reflect"
	"testing"
)

func TestParseArgsTakesTheLastPositionalAsEngineAddress(t *testing.T) {
	// The shape ExecPlugin produces with logging and tracing on (buildPluginArguments).
	got, err := ParseArgs([]string{
		"--logtostderr", "-v=9", "--tracing", "http://127.0.0.1:9411", "-typescript=false", "127.0.0.1:4567",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.EngineAddress != "127.0.0.1:4567" {
		t.Errorf("EngineAddress = %q", got.EngineAddress)
	}
	if got.Tracing != "http://127.0.0.1:9411" {
		t.Errorf("Tracing = %q", got.Tracing)
	}
	want := map[string]string{"logtostderr": "true", "v": "9", "typescript": "false"}
	if !reflect.DeepEqual(got.Flags, want) {
		t.Errorf("Flags = %v, want %v", got.Flags, want)
	}
}

func TestParseArgsRejectsAMissingEngineAddress(t *testing.T) {
	if _, err := ParseArgs([]string{"-v=3"}); err == nil {
		t.Fatal("expected an error without an engine address")
	}
	if _, err := ParseArgs([]string{"--tracing"}); err == nil {
		t.Fatal("expected an error for --tracing without a value")
	}
}
