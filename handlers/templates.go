package handlers

import (
	"fmt"
	"html/template"
	"io"
	"io/fs"
)

// templateSets describes a group of pages (registration, console): one
// html/template set per page, made of the shared files and the page's own
// file, checked at start-up so that a broken template stops New.
type templateSets struct {
	kind     string   // named in errors: "page", "console"
	shared   []string // files in every set (layout, partials)
	pageFile func(name string) string
	names    []string
	funcs    template.FuncMap
	required []string // templates every set must define
	// samples are data that run every branch worth checking, per page.
	samples map[string][]any
}

// parse parses every set, checks the required templates and executes the
// samples through "layout".
func (s templateSets) parse(fsys fs.FS) (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, name := range s.names {
		files := append(append([]string{}, s.shared...), s.pageFile(name))
		t, err := template.New(name).Funcs(s.funcs).ParseFS(fsys, files...)
		if err != nil {
			return nil, fmt.Errorf("handlers: %s template %s: %w", s.kind, name, err)
		}
		for _, want := range s.required {
			if t.Lookup(want) == nil {
				return nil, fmt.Errorf("handlers: %s template %s: no %q template", s.kind, name, want)
			}
		}
		pages[name] = t
	}
	for name, samples := range s.samples {
		t, ok := pages[name]
		if !ok {
			return nil, fmt.Errorf("handlers: %s template %s: samples for no page", s.kind, name)
		}
		for i, data := range samples {
			if err := t.ExecuteTemplate(io.Discard, "layout", data); err != nil {
				return nil, fmt.Errorf("handlers: %s template %s (sample %d): %w", s.kind, name, i, err)
			}
		}
	}
	return pages, nil
}
