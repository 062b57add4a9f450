package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// packageManager is a value of the `packagemanager` runtime option.
type packageManager string

const (
	autoPackageManager packageManager = "auto"
	npmPackageManager  packageManager = "npm"
	yarnPackageManager packageManager = "yarn"
	pnpmPackageManager packageManager = "pnpm"
	bunPackageManager  packageManager = "bun"
)

func parsePackageManager(value string) (packageManager, error) {
	switch manager := packageManager(value); manager {
	case autoPackageManager, npmPackageManager, yarnPackageManager, pnpmPackageManager, bunPackageManager:
		return manager, nil
	default:
		return "", fmt.Errorf("must be one of auto, npm, yarn, pnpm or bun, got %q", value)
	}
}

// lockfiles maps each lockfile to its package manager, in the order Pulumi's host prefers them when one
// directory holds several (ResolvePackageManager in sdk/nodejs/npm/manager.go: yarn, pnpm, bun, then npm).
var lockfiles = []struct {
	name    string
	manager packageManager
}{
	{"yarn.lock", yarnPackageManager},
	{"pnpm-lock.yaml", pnpmPackageManager},
	{"bun.lock", bunPackageManager},  // bun >= 1.2
	{"bun.lockb", bunPackageManager}, // bun < 1.2
	{"package-lock.json", npmPackageManager},
	{"npm-shrinkwrap.json", npmPackageManager},
}

// packageManagerChoice is the package manager for a directory and why it was chosen (for messages).
type packageManagerChoice struct {
	Manager packageManager
	Reason  string
}

// choosePackageManager picks the package manager for dir like Pulumi's host does: the `packagemanager`
// option when it is not auto; else pnpm when the nearest manifest is package.yaml (only pnpm reads it); else
// yarn when PULUMI_PREFER_YARN is truthy; else the lockfile found nearest to dir, looking upwards; else npm.
//
// Two deliberate differences from Pulumi's host: the nearest lockfile wins (Pulumi's prefers a yarn.lock in any
// parent over a package-lock.json beside the program), and package-lock.json counts as a lockfile.
func choosePackageManager(option packageManager, dir string, preferYarn bool) (packageManagerChoice, error) {
	manifest := nearestManifest(dir)
	needsPnpm := filepath.Base(manifest) == "package.yaml"
	if option != "" && option != autoPackageManager {
		if needsPnpm && option != pnpmPackageManager {
			return packageManagerChoice{}, fmt.Errorf("the project's manifest %s is read only by pnpm, but the "+
				"Pulumi.yaml runtime option packagemanager is %q; set it to pnpm, or convert package.yaml to "+
				"package.json", manifest, option)
		}
		return packageManagerChoice{option, "set by the Pulumi.yaml runtime option packagemanager"}, nil
	}
	if needsPnpm {
		return packageManagerChoice{pnpmPackageManager, "the project's manifest is " + manifest}, nil
	}
	if preferYarn {
		return packageManagerChoice{yarnPackageManager, "PULUMI_PREFER_YARN is set"}, nil
	}
	for current := dir; ; current = filepath.Dir(current) {
		for _, lockfile := range lockfiles {
			path := filepath.Join(current, lockfile.name)
			if isFile(path) {
				return packageManagerChoice{lockfile.manager, "found " + path}, nil
			}
		}
		if filepath.Dir(current) == current {
			break
		}
	}
	return packageManagerChoice{npmPackageManager, "no lockfile found, npm is the default"}, nil
}

// nearestManifest returns the package.json or package.yaml closest to dir (dir itself or a parent), or "".
func nearestManifest(dir string) string {
	for current := dir; ; current = filepath.Dir(current) {
		for _, name := range []string{"package.json", "package.yaml"} {
			if path := filepath.Join(current, name); isFile(path) {
				return path
			}
		}
		if filepath.Dir(current) == current {
			return ""
		}
	}
}

// installArgs are the arguments of the install command; the flags are the ones Pulumi's host passes
// (sdk/nodejs/npm/{npm,yarn,pnpm,bun}.go).
func installArgs(manager packageManager, production bool) []string {
	args := []string{"install"}
	switch manager {
	case npmPackageManager:
		// Keeps npm from warning about missing description/repository/license fields.
		args = append(args, "--loglevel=error")
	case pnpmPackageManager:
		// pnpm reports progress on stdout otherwise; the engine shows stderr the same way.
		args = append(args, "--use-stderr")
	}
	// bun's --production also enforces a frozen lockfile (oven-sh/bun#10949), so Pulumi leaves it out for bun.
	if production && manager != bunPackageManager {
		args = append(args, "--production")
	}
	return args
}

// missingPackageManagerError says which executable is missing, why it was wanted and how to get it.
type missingPackageManagerError struct {
	Choice packageManagerChoice
}

func (e *missingPackageManagerError) Error() string {
	hints := map[packageManager]string{
		npmPackageManager:  "npm ships with Node.js: install Node.js, or put its bin directory on PATH",
		yarnPackageManager: "install Yarn (`npm install --global yarn`, or `corepack enable yarn`)",
		pnpmPackageManager: "install pnpm (`npm install --global pnpm`, or `corepack enable pnpm`)",
		bunPackageManager:  "install Bun (`npm install --global bun`)",
	}
	return fmt.Sprintf("could not find `%s` on PATH, which installs this program's dependencies (%s); %s, or "+
		"choose another one with the packagemanager runtime option in Pulumi.yaml",
		e.Choice.Manager, e.Choice.Reason, hints[e.Choice.Manager])
}

// findPackageManager looks up the chosen package manager's executable on PATH.
func findPackageManager(choice packageManagerChoice) (string, error) {
	path, err := exec.LookPath(string(choice.Manager))
	if errors.Is(err, exec.ErrNotFound) {
		return "", &missingPackageManagerError{Choice: choice}
	}
	if err != nil {
		return "", fmt.Errorf("looking up `%s` on PATH: %w", choice.Manager, err)
	}
	return path, nil
}

// preferYarnFromEnv reads PULUMI_PREFER_YARN the way Pulumi's cmdutil.IsTruthy does.
func preferYarnFromEnv() bool {
	switch strings.ToLower(os.Getenv("PULUMI_PREFER_YARN")) {
	case "1", "true":
		return true
	default:
		return false
	}
}

func isFile(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular()
}

func isDir(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}
