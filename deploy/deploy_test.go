// Package deploy_test checks the deployment files without Docker:
// compose.yaml parses and wires Caddy, linkgate and PostgreSQL together,
// and the Caddyfile is well formed and asks linkgate before it gets an
// on-demand certificate.
package deploy_test

import (
	"bufio"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// composeFile is the part of compose.yaml the test reads.
type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Build       any               `yaml:"build"`
		Ports       []string          `yaml:"ports"`
		Expose      []string          `yaml:"expose"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
		DependsOn   any               `yaml:"depends_on"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestComposeFile(t *testing.T) {
	t.Parallel()
	var c composeFile
	if err := yaml.Unmarshal([]byte(readFile(t, "compose.yaml")), &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	for _, name := range []string{"caddy", "linkgate", "postgres"} {
		if _, ok := c.Services[name]; !ok {
			t.Fatalf("compose.yaml has no %s service (has %v)", name, c.Services)
		}
	}
	caddy, lg, pg := c.Services["caddy"], c.Services["linkgate"], c.Services["postgres"]
	if !strings.HasPrefix(caddy.Image, "caddy:") || !strings.HasPrefix(pg.Image, "postgres:") || lg.Build == nil {
		t.Errorf("images: caddy %q, postgres %q, linkgate build %v", caddy.Image, pg.Image, lg.Build)
	}
	for _, p := range []string{"80:80", "443:443"} {
		if !slices.Contains(caddy.Ports, p) {
			t.Errorf("caddy does not publish %s: %v", p, caddy.Ports)
		}
	}
	if len(lg.Ports) != 0 || len(pg.Ports) != 0 {
		t.Errorf("only Caddy may publish ports: linkgate %v, postgres %v", lg.Ports, pg.Ports)
	}
	if !slices.Contains(lg.Expose, "8080") || lg.Environment["LINKGATE_ADDR"] != ":8080" {
		t.Errorf("linkgate must listen on 8080 (the Caddyfile's upstream): expose %v, LINKGATE_ADDR %q", lg.Expose, lg.Environment["LINKGATE_ADDR"])
	}
	if !slices.Contains(caddy.Volumes, "./Caddyfile:/etc/caddy/Caddyfile:ro") {
		t.Errorf("caddy does not mount the Caddyfile: %v", caddy.Volumes)
	}
	if db := lg.Environment["DATABASE_URL"]; !strings.HasPrefix(db, "postgres://") || !strings.Contains(db, "@postgres:5432/") {
		t.Errorf("linkgate's DATABASE_URL %q is not the postgres service", db)
	}
	for _, name := range []string{"LINKGATE_TRACKING_DOMAIN", "LINKGATE_TRACKING_CNAME_TARGET", "LINKGATE_PUBLIC_URL", "LINKGATE_TRUSTED_PROXIES"} {
		if lg.Environment[name] == "" {
			t.Errorf("linkgate's environment lacks %s", name)
		}
	}
	// Every named volume a service mounts is declared.
	for name, s := range c.Services {
		for _, v := range s.Volumes {
			src, _, _ := strings.Cut(v, ":")
			if !strings.HasPrefix(src, ".") && !strings.HasPrefix(src, "/") {
				if _, ok := c.Volumes[src]; !ok {
					t.Errorf("%s mounts undeclared volume %q", name, src)
				}
			}
		}
	}
	// Every {$VAR} of the Caddyfile is in Caddy's environment.
	for _, m := range regexp.MustCompile(`\{\$([A-Z_]+)\}`).FindAllStringSubmatch(readFile(t, "Caddyfile"), -1) {
		if _, ok := caddy.Environment[m[1]]; !ok {
			t.Errorf("the Caddyfile uses {$%s}, which caddy's environment does not set", m[1])
		}
	}
}

// caddyBlock is one block of a Caddyfile: its opening line's words and
// what is inside.
type caddyBlock struct {
	head  []string
	lines [][]string
	inner []*caddyBlock
}

// parseCaddyfile splits a Caddyfile into blocks by its braces (after
// comments), failing on unbalanced braces or a brace not at the end of
// a line, as the Caddyfile lexer wants them.
func parseCaddyfile(t *testing.T, text string) *caddyBlock {
	t.Helper()
	root := &caddyBlock{}
	stack := []*caddyBlock{root}
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, "#"); i >= 0 && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" {
			continue
		}
		words := strings.Fields(line)
		top := stack[len(stack)-1]
		switch {
		case line == "}":
			if len(stack) == 1 {
				t.Fatalf("Caddyfile line %d: } closes nothing", n)
			}
			stack = stack[:len(stack)-1]
		case strings.HasSuffix(line, "{") && !strings.HasSuffix(line, "}{"):
			b := &caddyBlock{head: words[:len(words)-1]}
			top.inner = append(top.inner, b)
			stack = append(stack, b)
		case strings.ContainsAny(line, "{}") && !regexp.MustCompile(`^[^{}]*(\{\$[A-Z_]+\}[^{}]*)+$`).MatchString(line):
			t.Fatalf("Caddyfile line %d: a brace must open or close a block on its own line: %q", n, line)
		default:
			top.lines = append(top.lines, words)
		}
	}
	if len(stack) != 1 {
		t.Fatalf("Caddyfile: %d blocks left open", len(stack)-1)
	}
	return root
}

func (b *caddyBlock) child(head string) *caddyBlock {
	for _, c := range b.inner {
		if strings.Join(c.head, " ") == head {
			return c
		}
	}
	return nil
}

func (b *caddyBlock) has(line string) bool {
	for _, l := range b.lines {
		if strings.Join(l, " ") == line {
			return true
		}
	}
	return false
}

func TestCaddyfile(t *testing.T) {
	t.Parallel()
	root := parseCaddyfile(t, readFile(t, "Caddyfile"))
	if len(root.lines) != 0 {
		t.Errorf("directives outside any block: %v", root.lines)
	}
	global := root.child("")
	if global == nil || root.inner[0] != global {
		t.Fatal("the Caddyfile does not start with a global options block")
	}
	odt := global.child("on_demand_tls")
	if odt == nil || !odt.has("ask http://linkgate:8080/tls/ask") {
		t.Fatal("the global options do not set on_demand_tls { ask http://linkgate:8080/tls/ask }")
	}
	site := root.child("https://")
	if site == nil {
		t.Fatal("no https:// site for the tracking domains")
	}
	if tls := site.child("tls"); tls == nil || !tls.has("on_demand") {
		t.Error("the https:// site does not use tls { on_demand }")
	}
	for _, s := range []string{"https://", "http://", "{$LINKGATE_PUBLIC_HOST}"} {
		b := root.child(s)
		if b == nil || !b.has("reverse_proxy linkgate:8080") {
			t.Errorf("site %s does not proxy to linkgate:8080", s)
		}
	}
}
