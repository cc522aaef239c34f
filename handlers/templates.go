package handlers

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
)

//go:embed templates
var sharedFiles embed.FS

// SharedFiles are the files both page audiences use:
// templates/doctor.html (the DNS doctor fragment, a "doctor" template)
// and templates/static/copy.js (the copy buttons' script).
var SharedFiles fs.FS = sharedFiles

// TemplateSets describes a group of pages (registration, console): one
// html/template set per page, made of the shared files and the page's own
// file, checked at start-up so that a broken template stops the start.
type TemplateSets struct {
	Kind     string   // named in errors: "page", "console"
	Shared   []string // the audience's files in every set (layout, partials)
	KitFiles []string // files of KitFS in every set (templates/doctor.html)
	KitFS    fs.FS    // where KitFiles are read; nil: SharedFiles
	PageFile func(name string) string
	Names    []string
	Funcs    template.FuncMap
	Required []string // templates every set must define
	// Samples are data that run every branch worth checking, per page.
	Samples map[string][]any
}

// Parse parses every set from fsys, checks the required templates and
// executes the samples through "layout".
func (s TemplateSets) Parse(fsys fs.FS) (map[string]*template.Template, error) {
	kitFS := s.KitFS
	if kitFS == nil {
		kitFS = SharedFiles
	}
	pages := map[string]*template.Template{}
	for _, name := range s.Names {
		files := append(append([]string{}, s.Shared...), s.PageFile(name))
		t, err := template.New(name).Funcs(s.Funcs).ParseFS(fsys, files...)
		if err == nil && len(s.KitFiles) > 0 {
			t, err = t.ParseFS(kitFS, s.KitFiles...)
		}
		if err != nil {
			return nil, fmt.Errorf("handlers: %s template %s: %w", s.Kind, name, err)
		}
		for _, want := range s.Required {
			if t.Lookup(want) == nil {
				return nil, fmt.Errorf("handlers: %s template %s: no %q template", s.Kind, name, want)
			}
		}
		pages[name] = t
	}
	for name, samples := range s.Samples {
		t, ok := pages[name]
		if !ok {
			return nil, fmt.Errorf("handlers: %s template %s: samples for no page", s.Kind, name)
		}
		for i, data := range samples {
			if err := t.ExecuteTemplate(io.Discard, "layout", data); err != nil {
				return nil, fmt.Errorf("handlers: %s template %s (sample %d): %w", s.Kind, name, i, err)
			}
		}
	}
	return pages, nil
}
