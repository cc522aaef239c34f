package console

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// TestConsoleMarkup renders every console page with the start-up samples
// (which run every branch, errors included) and checks what makes a form
// usable: ids are unique, every visible field has a label, label "for" and
// aria-describedby point at elements that exist, and the document has a
// language, a title and one h1.
func TestConsoleMarkup(t *testing.T) {
	pages, err := parsePages(pageFS, kitFS)
	if err != nil {
		t.Fatal(err)
	}
	for name, samples := range consoleSamples() {
		for i, data := range samples {
			var buf bytes.Buffer
			if err := pages[name].ExecuteTemplate(&buf, "layout", data); err != nil {
				t.Fatalf("%s sample %d: %v", name, i, err)
			}
			for _, problem := range markupProblems(buf.String()) {
				t.Errorf("%s sample %d: %s", name, i, problem)
			}
		}
	}
}

func markupProblems(doc string) []string {
	root, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		return []string{"does not parse: " + err.Error()}
	}
	var problems []string
	ids := map[string]int{}
	labelFor := map[string]bool{}
	var fields []*html.Node
	var describedBy, fors []string
	h1s := 0
	var walk func(n *html.Node, inLabel bool)
	walk = func(n *html.Node, inLabel bool) {
		if n.Type == html.ElementNode {
			if id := attr(n, "id"); id != "" {
				ids[id]++
			}
			switch n.Data {
			case "html":
				if attr(n, "lang") == "" {
					problems = append(problems, "no lang on <html>")
				}
			case "h1":
				h1s++
			case "label":
				if f := attr(n, "for"); f != "" {
					labelFor[f] = true
					fors = append(fors, f)
				}
				inLabel = true
			case "input", "select", "textarea":
				switch attr(n, "type") {
				case "hidden", "submit", "button":
				default:
					if !inLabel {
						fields = append(fields, n)
					}
				}
			}
			if d := attr(n, "aria-describedby"); d != "" {
				describedBy = append(describedBy, strings.Fields(d)...)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inLabel)
		}
	}
	walk(root, false)
	for id, n := range ids {
		if n > 1 {
			problems = append(problems, "id "+id+" is used more than once")
		}
	}
	for _, f := range fields {
		if id := attr(f, "id"); id == "" || !labelFor[id] {
			problems = append(problems, "field "+attr(f, "name")+" has no label")
		}
	}
	for _, id := range append(describedBy, fors...) {
		if ids[id] == 0 {
			problems = append(problems, "reference to missing id "+id)
		}
	}
	if h1s != 1 {
		problems = append(problems, "not exactly one h1")
	}
	if !strings.Contains(doc, "<title>") {
		problems = append(problems, "no title")
	}
	return problems
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
