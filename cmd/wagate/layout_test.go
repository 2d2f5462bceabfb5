package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeLayout: every package of the module is named in the README's Layout
// section, by its path in backquotes, and has a package comment (what `go doc`
// shows).
func TestReadmeLayout(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	i := strings.Index(readme, "\n## Layout\n")
	if i < 0 {
		t.Fatal("README.md has no Layout section")
	}
	layout := readme[i+1:]
	if j := strings.Index(layout[1:], "\n## "); j >= 0 {
		layout = layout[:j+1]
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		name := d.Name()
		if rel == "third_party" || name == "testdata" || name == "node_modules" || rel != "." && strings.HasPrefix(name, ".") {
			return filepath.SkipDir
		}
		pkgs, err := parser.ParseDir(token.NewFileSet(), path, func(fi fs.FileInfo) bool {
			return !strings.HasSuffix(fi.Name(), "_test.go")
		}, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		for _, p := range pkgs {
			n++
			documented := false
			for _, f := range p.Files {
				documented = documented || f.Doc != nil
			}
			if !documented {
				t.Errorf("package %s (%s) has no package comment", p.Name, rel)
			}
			if !strings.Contains(layout, "`"+filepath.ToSlash(rel)+"`") {
				t.Errorf("README.md's Layout section does not name `%s`", filepath.ToSlash(rel))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 20 {
		t.Fatalf("found %d packages; the walk is wrong", n)
	}
}
