package main

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var lockfileNames = []string{
	"yarn.lock", "pnpm-lock.yaml", "bun.lock", "bun.lockb", "package-lock.json", "npm-shrinkwrap.json",
	"package.json", "package.yaml",
}

func TestChoosePackageManagerFromTheLockfile(t *testing.T) {
	for lockfile, want := range map[string]packageManager{
		"package-lock.json":   npmPackageManager,
		"npm-shrinkwrap.json": npmPackageManager,
		"yarn.lock":           yarnPackageManager,
		"pnpm-lock.yaml":      pnpmPackageManager,
		"bun.lock":            bunPackageManager,
		"bun.lockb":           bunPackageManager,
	} {
		dir := tempTree(t, map[string]string{"package.json": "{}", lockfile: ""})
		requireNothingAbove(t, dir, lockfileNames...)
		got, err := choosePackageManager(autoPackageManager, dir, false)
		if err != nil {
			t.Fatal(err)
		}
		if got.Manager != want || got.Reason != "found "+filepath.Join(dir, lockfile) {
			t.Errorf("with %s: got %+v, want %s chosen because of that file", lockfile, got, want)
		}
	}
}

func TestChoosePackageManagerDefaultsToNpm(t *testing.T) {
	dir := tempTree(t, map[string]string{"package.json": "{}"})
	requireNothingAbove(t, dir, lockfileNames...)
	got, err := choosePackageManager(autoPackageManager, dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if got.Manager != npmPackageManager || !strings.Contains(got.Reason, "no lockfile") {
		t.Errorf("got %+v, want npm as the default", got)
	}
}

func TestChoosePackageManagerLooksUpwardsAndTheNearestLockfileWins(t *testing.T) {
	root := tempTree(t, map[string]string{
		"yarn.lock":                   "",
		"apps/site/package.json":      "{}",
		"apps/site/package-lock.json": "",
		"apps/other/package.json":     "{}",
		"apps/both/pnpm-lock.yaml":    "",
		"apps/both/package-lock.json": "",
		"apps/both/package.json":      "{}",
	})
	requireNothingAbove(t, root, lockfileNames...)
	for dir, want := range map[string]packageManager{
		"apps/site":  npmPackageManager,  // its own package-lock.json beats the parent's yarn.lock
		"apps/other": yarnPackageManager, // no lockfile of its own: the parent's
		"apps/both":  pnpmPackageManager, // two in one directory: Pulumi's order (yarn, pnpm, bun, npm)
	} {
		got, err := choosePackageManager(autoPackageManager, filepath.Join(root, dir), false)
		if err != nil {
			t.Fatal(err)
		}
		if got.Manager != want {
			t.Errorf("%s: got %+v, want %s", dir, got, want)
		}
	}
}

func TestChoosePackageManagerHonoursTheOptionAndPreferYarn(t *testing.T) {
	dir := tempTree(t, map[string]string{"package.json": "{}", "package-lock.json": ""})
	got, err := choosePackageManager(bunPackageManager, dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if got.Manager != bunPackageManager || !strings.Contains(got.Reason, "runtime option packagemanager") {
		t.Errorf("the option must win over lockfiles and PULUMI_PREFER_YARN: %+v", got)
	}
	got, err = choosePackageManager(autoPackageManager, dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if got.Manager != yarnPackageManager || got.Reason != "PULUMI_PREFER_YARN is set" {
		t.Errorf("PULUMI_PREFER_YARN must win over lockfiles in auto mode: %+v", got)
	}
}

func TestChoosePackageManagerRequiresPnpmForPackageYAML(t *testing.T) {
	dir := tempTree(t, map[string]string{"package.yaml": "name: site\n", "package-lock.json": ""})
	got, err := choosePackageManager(autoPackageManager, dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if got.Manager != pnpmPackageManager {
		t.Errorf("package.yaml must select pnpm: %+v", got)
	}
	_, err = choosePackageManager(npmPackageManager, dir, false)
	if err == nil || !strings.Contains(err.Error(), "read only by pnpm") || !strings.Contains(err.Error(), `"npm"`) {
		t.Errorf("packagemanager npm with package.yaml: error = %v", err)
	}
}

func TestParsePackageManager(t *testing.T) {
	for _, value := range []string{"auto", "npm", "yarn", "pnpm", "bun"} {
		if got, err := parsePackageManager(value); err != nil || string(got) != value {
			t.Errorf("parsePackageManager(%q) = %q, %v", value, got, err)
		}
	}
	for _, value := range []string{"", "NPM", "deno"} {
		if _, err := parsePackageManager(value); err == nil {
			t.Errorf("parsePackageManager(%q) must fail", value)
		}
	}
}

func TestInstallArgs(t *testing.T) {
	for _, tc := range []struct {
		manager    packageManager
		production bool
		want       []string
	}{
		{npmPackageManager, false, []string{"install", "--loglevel=error"}},
		{npmPackageManager, true, []string{"install", "--loglevel=error", "--production"}},
		{yarnPackageManager, false, []string{"install"}},
		{yarnPackageManager, true, []string{"install", "--production"}},
		{pnpmPackageManager, false, []string{"install", "--use-stderr"}},
		{pnpmPackageManager, true, []string{"install", "--use-stderr", "--production"}},
		{bunPackageManager, true, []string{"install"}},
	} {
		if got := installArgs(tc.manager, tc.production); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("installArgs(%s, %v) = %q, want %q", tc.manager, tc.production, got, tc.want)
		}
	}
}
