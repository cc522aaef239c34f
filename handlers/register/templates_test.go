package register

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// copyFS copies the embedded page files and the kit's shared files
// (templates/doctor.html, templates/static/copy.js) into one MapFS, with
// edits.
func copyFS(t *testing.T, edit func(m fstest.MapFS)) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	for _, src := range []fs.FS{embeddedPages, handlers.SharedFiles} {
		err := fs.WalkDir(src, ".", func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := fs.ReadFile(src, path)
			m[path] = &fstest.MapFile{Data: b}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	edit(m)
	return m
}

// TestNewChecksPageTemplates: New parses every page set and runs it with
// sample data, so a broken template stops the start, not a client.
func TestNewChecksPageTemplates(t *testing.T) {
	db := dbtest.SQLite(t)
	cfg := Config{Store: models.NewStore(db, nil)}
	if _, err := New(cfg); err != nil {
		t.Fatalf("the embedded templates: %v", err)
	}
	replace := func(file, old, new string) func(fstest.MapFS) {
		return func(m fstest.MapFS) {
			f := m["templates/"+file]
			if !strings.Contains(string(f.Data), old) {
				t.Fatalf("%s has no %q", file, old)
			}
			m["templates/"+file] = &fstest.MapFile{Data: []byte(strings.Replace(string(f.Data), old, new, 1))}
		}
	}
	for name, edit := range map[string]func(fstest.MapFS){
		"syntax error":              replace("landing.html", "{{end}}", "{{end}"),
		"unknown field":             replace("dns.html", "{{.Apex}}", "{{.Apexx}}"),
		"unknown field in a branch": replace("landing.html", "{{.Continue}}", "{{.Continu}}"),
		"bad escaping context":      replace("finish.html", `<form method="post"`, `{{if .Error}}<a href="{{end}}<form method="post"`),
		"missing page":              func(m fstest.MapFS) { delete(m, "templates/done.html") },
		"missing partial":           func(m fstest.MapFS) { delete(m, "templates/doctor.html") },
		"no content block":          replace("message.html", `{{define "content" -}}`, `{{define "contents" -}}`),
		"broken doctor":             replace("doctor.html", "{{.Target}}", "{{.Targets}}"),
	} {
		t.Run(name, func(t *testing.T) {
			pageFS = copyFS(t, edit)
			kitFS = pageFS
			t.Cleanup(func() { pageFS, kitFS = embeddedPages, handlers.SharedFiles })
			if _, err := New(cfg); err == nil {
				t.Fatal("New accepted a broken template")
			} else if !strings.Contains(err.Error(), "template") {
				t.Errorf("error does not say which template: %v", err)
			}
		})
	}
}
