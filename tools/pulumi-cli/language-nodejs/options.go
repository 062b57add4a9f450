package main

import (
	"fmt"
	"strconv"

	"google.golang.org/protobuf/types/known/structpb"
)

// runtimeOptions are the `runtime.options` of Pulumi.yaml that change how a Node.js program is launched.
type runtimeOptions struct {
	// TypeScript makes @pulumi/pulumi's cmd/run register ts-node; Pulumi defaults it to true.
	TypeScript bool
	// TSConfigPath overrides ts-node's tsconfig.json (relative to the program directory).
	TSConfigPath string
	// NodeArgs are extra arguments for `node`, split with shell quoting rules (see splitNodeArgs).
	NodeArgs []string
	// PackageManager is the `packagemanager` option: auto (the default: chosen from the project's files,
	// see choosePackageManager), npm, yarn, pnpm or bun.
	PackageManager packageManager
	// Production makes `pulumi install` skip devDependencies (the `production` option).
	Production bool
}

// parseRuntimeOptions merges the options the engine sends in ProgramInfo.Options over the ones given as
// "-name=value" plugin flags. Values may arrive as booleans or as strings ("true"), depending on how
// Pulumi.yaml was written.
func parseRuntimeOptions(fromInfo *structpb.Struct, fromFlags map[string]string) (runtimeOptions, error) {
	raw := map[string]any{}
	for name, value := range fromFlags {
		raw[name] = value
	}
	for name, value := range fromInfo.AsMap() {
		raw[name] = value
	}

	opts := runtimeOptions{TypeScript: true, PackageManager: autoPackageManager}
	for name, value := range raw {
		switch name {
		case "typescript":
			enabled, err := optionBool(value)
			if err != nil {
				return runtimeOptions{}, fmt.Errorf("Pulumi.yaml runtime option typescript: %w", err)
			}
			opts.TypeScript = enabled
		case "tsconfig":
			opts.TSConfigPath = fmt.Sprint(value)
		case "nodeargs":
			args, err := splitNodeArgs(fmt.Sprint(value))
			if err != nil {
				return runtimeOptions{}, fmt.Errorf("Pulumi.yaml runtime option nodeargs: %w", err)
			}
			opts.NodeArgs = args
		case "packagemanager":
			manager, err := parsePackageManager(fmt.Sprint(value))
			if err != nil {
				return runtimeOptions{}, fmt.Errorf("Pulumi.yaml runtime option packagemanager: %w", err)
			}
			opts.PackageManager = manager
		case "production":
			production, err := optionBool(value)
			if err != nil {
				return runtimeOptions{}, fmt.Errorf("Pulumi.yaml runtime option production: %w", err)
			}
			opts.Production = production
		}
	}
	return opts, nil
}

func optionBool(value any) (bool, error) {
	switch v := value.(type) {
	case bool:
		return v, nil
	case string:
		parsed, err := strconv.ParseBool(v)
		if err != nil {
			return false, fmt.Errorf("expected true or false, got %q", v)
		}
		return parsed, nil
	default:
		return false, fmt.Errorf("expected true or false, got %v", v)
	}
}
