// Command dobundle cuts the parts of DigitalOcean's public OpenAPI
// document (github.com/digitalocean/openapi, Apache 2.0) that linkgate
// uses — the account and the domains and domain records routes — out of
// its many YAML files into one self-contained JSON document for
// mocks/speccheck:
//
//	go run ./mocks/speccheck/internal/dobundle -src <checkout>/specification \
//	    -out mocks/speccheck/specs/digitalocean_domains.json
//
// Every $ref is inlined. Examples, code samples and the request bodies'
// discriminators (whose mappings name files) are left out: they do not
// constrain an exchange (anyOf still does).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// paths are the routes kept, with the methods kept on each.
var paths = map[string][]string{
	"/v2/account":                       {"get"},
	"/v2/domains":                       {"get"},
	"/v2/domains/{domain_name}":         {"get"},
	"/v2/domains/{domain_name}/records": {"get", "post"},
	"/v2/domains/{domain_name}/records/{domain_record_id}": {"get", "delete"},
}

// dropped are keys that do not constrain an exchange.
var dropped = map[string]bool{"example": true, "examples": true, "x-codeSamples": true, "discriminator": true}

func main() {
	src := flag.String("src", "", "the specification folder of a checkout of digitalocean/openapi")
	out := flag.String("out", "", "the JSON file to write")
	flag.Parse()
	if *src == "" || *out == "" {
		log.Fatal("dobundle: -src and -out are required")
	}
	rootFile := filepath.Join(*src, "DigitalOcean-public.v2.yaml")
	root, err := load(rootFile)
	if err != nil {
		log.Fatal(err)
	}
	r := &resolver{cache: map[string]any{}}
	allPaths := root.(map[string]any)["paths"].(map[string]any)
	keptPaths := map[string]any{}
	for p, methods := range paths {
		item, ok := allPaths[p].(map[string]any)
		if !ok {
			log.Fatalf("dobundle: no path %s", p)
		}
		kept := map[string]any{}
		for _, m := range methods {
			op, ok := item[m]
			if !ok {
				log.Fatalf("dobundle: no %s %s", m, p)
			}
			v, err := r.resolve(op, rootFile)
			if err != nil {
				log.Fatal(err)
			}
			kept[m] = v
		}
		keptPaths[p] = kept
	}
	comps := root.(map[string]any)["components"].(map[string]any)
	schemes, err := r.resolve(comps["securitySchemes"], rootFile)
	if err != nil {
		log.Fatal(err)
	}
	for name := range schemes.(map[string]any) {
		if name != "bearer_auth" {
			delete(schemes.(map[string]any), name)
		}
	}
	doc := map[string]any{
		"openapi": root.(map[string]any)["openapi"],
		"info": map[string]any{
			"title":       "DigitalOcean API (account, domains and domain records)",
			"version":     "2.0",
			"description": "Cut from github.com/digitalocean/openapi by mocks/speccheck/internal/dobundle; Apache License 2.0.",
			"license":     map[string]any{"name": "Apache 2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0.html"},
		},
		"servers":    root.(map[string]any)["servers"],
		"security":   []any{map[string]any{"bearer_auth": []any{}}},
		"paths":      keptPaths,
		"components": map[string]any{"securitySchemes": schemes},
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, append(data, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
}

func load(file string) (any, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return v, nil
}

type resolver struct {
	cache map[string]any
	depth int
}

// resolve returns v with every $ref inlined; base is the file v is in.
func (r *resolver) resolve(v any, base string) (any, error) {
	r.depth++
	defer func() { r.depth-- }()
	if r.depth > 200 {
		return nil, fmt.Errorf("dobundle: $ref nesting too deep at %s", base)
	}
	switch x := v.(type) {
	case map[string]any:
		if ref, ok := x["$ref"].(string); ok {
			target, file, err := r.follow(ref, base)
			if err != nil {
				return nil, err
			}
			return r.resolve(target, file)
		}
		out := map[string]any{}
		for k, val := range x {
			if dropped[k] {
				continue
			}
			rv, err := r.resolve(val, base)
			if err != nil {
				return nil, err
			}
			out[k] = rv
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			rv, err := r.resolve(val, base)
			if err != nil {
				return nil, err
			}
			out[i] = rv
		}
		return out, nil
	}
	return v, nil
}

// follow finds what ref ("file.yml#/a/b", "#/a", "file.yml") points to.
func (r *resolver) follow(ref, base string) (any, string, error) {
	file, pointer, _ := strings.Cut(ref, "#")
	if file == "" {
		file = base
	} else {
		file = filepath.Join(filepath.Dir(base), file)
	}
	doc, ok := r.cache[file]
	if !ok {
		var err error
		if doc, err = load(file); err != nil {
			return nil, "", err
		}
		r.cache[file] = doc
	}
	cur := doc
	for _, part := range strings.Split(strings.Trim(pointer, "/"), "/") {
		if part == "" {
			continue
		}
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, "", fmt.Errorf("dobundle: %s: %s does not lead anywhere", base, ref)
		}
		if cur, ok = m[part]; !ok {
			return nil, "", fmt.Errorf("dobundle: %s: %s does not lead anywhere", base, ref)
		}
	}
	return cur, file, nil
}
