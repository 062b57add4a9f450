// Package hostkit holds what this project's language hosts (language-nodejs, language-go) share: the plugin
// command line, debug logging, gRPC interceptors and serving.
package hostkit

import (
	"errors"
	"fmt"
	"strings"
)

// HostArgs is what the engine tells a language plugin on its command line.
type HostArgs struct {
	// EngineAddress is the engine's gRPC address; the engine always passes it as the last positional argument.
	EngineAddress string
	// Tracing is a Zipkin endpoint, forwarded to the program as --tracing.
	Tracing string
	// Flags holds every other "-name=value" flag, e.g. runtime options such as typescript=false that older
	// engines passed on the command line instead of in ProgramInfo.Options.
	Flags map[string]string
}

// flagsWithSeparateValue are the flags the engine writes as two tokens ("--tracing <url>"), see
// buildPluginArguments in sdk/go/common/resource/plugin/plugin.go.
var flagsWithSeparateValue = map[string]bool{"tracing": true}

// ParseArgs reads the plugin command line leniently: the engine prepends logging flags
// (--logtostderr, -v=N, --tracing URL) whose set varies by version, so unknown flags must not be fatal
// (Go's flag package would exit on them).
func ParseArgs(args []string) (HostArgs, error) {
	parsed := HostArgs{Flags: map[string]string{}}
	var positional []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(arg, "-") || arg == "-" {
			positional = append(positional, arg)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if !hasValue && flagsWithSeparateValue[name] {
			if i+1 >= len(args) {
				return HostArgs{}, fmt.Errorf("flag --%s needs a value", name)
			}
			i++
			value, hasValue = args[i], true
		}
		if !hasValue {
			value = "true"
		}
		parsed.Flags[name] = value
	}
	if tracing, ok := parsed.Flags["tracing"]; ok {
		parsed.Tracing = tracing
		delete(parsed.Flags, "tracing")
	}
	if len(positional) == 0 {
		return HostArgs{}, errors.New("missing the engine address (the last positional argument); " +
			"this program is a Pulumi language plugin and is started by the pulumi CLI, not by hand")
	}
	parsed.EngineAddress = positional[len(positional)-1]
	return parsed, nil
}
