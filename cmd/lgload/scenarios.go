package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/linkgate/linkgate/models"
)

// The scenarios, in the order they run.
var scenarioNames = []string{"list", "status", "q", "status+q", "paging"}

const (
	modeAPI   = "api"
	modeSQL   = "sql"
	pageLimit = 50
)

// request is one page: its API path and the statement the store runs for it.
type request struct {
	Path string
	Stmt statement
}

// scenario is a kind of page request. Workers rotate over reqs; a paging
// scenario instead starts at first and follows the cursor.
type scenario struct {
	name   string
	query  string // what is asked, for the table
	reqs   []request
	paging bool
	// Paging: the first page, the statement of a later page and the index
	// of its cursor id argument.
	first     request
	next      statement
	cursorArg int
	pages     int
	note      string
}

// buildScenarios captures the store's statement for every page asked, and
// checks that the API and the bare statement return the same page.
func buildScenarios(ctx context.Context, e *env, o options) ([]*scenario, error) {
	qs := o.Q
	if len(qs) == 0 {
		qs = defaultQ()
	}
	var out []*scenario
	for _, name := range scenarioNames {
		if !contains(o.Scenarios, name) {
			continue
		}
		sc := &scenario{name: name}
		var queries []models.DomainQuery
		switch name {
		case "list":
			sc.query = "?limit=50"
			queries = []models.DomainQuery{{}}
		case "status":
			sc.query = "?status=configured&limit=50"
			queries = []models.DomainQuery{{Status: models.StatusConfigured}}
		case "q", "status+q":
			var st models.Status
			sc.query = "?q=<word>&limit=50"
			if name == "status+q" {
				st = models.StatusPending
				sc.query = "?status=pending&q=<word>&limit=50"
			}
			var counts []string
			for _, w := range qs {
				queries = append(queries, models.DomainQuery{Status: st, Q: w})
				n, err := countMatches(ctx, e.db.SQL, st, w)
				if err != nil {
					return nil, err
				}
				counts = append(counts, fmt.Sprintf("%s=%d", w, n))
			}
			sc.note = "matches: " + strings.Join(counts, " ")
		case "paging":
			sc.query = fmt.Sprintf("?limit=50, then &cursor=next_cursor, %d pages", o.Pages)
			sc.paging, sc.pages = true, o.Pages
		}
		if sc.paging {
			if err := buildPaging(ctx, e, sc); err != nil {
				return nil, err
			}
		}
		for _, q := range queries {
			q.Limit = pageLimit
			page, stmt, err := e.listDomains(ctx, q)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			r := request{Path: domainsPath(q.Status, q.Q, ""), Stmt: stmt}
			if err := e.verify(ctx, r, page); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			sc.reqs = append(sc.reqs, r)
		}
		out = append(out, sc)
	}
	return out, nil
}

func domainsPath(st models.Status, q, cursor string) string {
	v := url.Values{}
	if st != "" {
		v.Set("status", string(st))
	}
	if q != "" {
		v.Set("q", q)
	}
	v.Set("limit", fmt.Sprint(pageLimit))
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	return "/api/v1/domains?" + v.Encode()
}

func countMatches(ctx context.Context, db *sql.DB, st models.Status, w string) (int64, error) {
	var n int64
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM domains WHERE host LIKE '%' || $1 || '%' AND ($2 = '' OR status = $2)`,
		strings.ToLower(w), string(st)).Scan(&n)
	return n, err
}

// buildPaging captures the first-page and next-page statements.
func buildPaging(ctx context.Context, e *env, sc *scenario) error {
	p1, s1, err := e.listDomains(ctx, models.DomainQuery{PageQuery: models.PageQuery{Limit: pageLimit}})
	if err != nil {
		return err
	}
	if p1.Next == "" {
		return fmt.Errorf("paging: fewer than %d domains", pageLimit+1)
	}
	p2, s2, err := e.listDomains(ctx, models.DomainQuery{PageQuery: models.PageQuery{Limit: pageLimit, Cursor: p1.Next}})
	if err != nil {
		return err
	}
	after := p1.Domains[len(p1.Domains)-1].ID
	sc.cursorArg = slices.IndexFunc(s2.Args, func(a any) bool { s, ok := a.(string); return ok && s == after })
	if sc.cursorArg < 0 {
		return fmt.Errorf("paging: cannot find the cursor id among the arguments of %s", s2.SQL)
	}
	sc.first = request{Path: domainsPath("", "", ""), Stmt: s1}
	sc.next = s2
	if err := e.verify(ctx, sc.first, p1); err != nil {
		return err
	}
	return e.verify(ctx, request{Path: domainsPath("", "", p1.Next), Stmt: s2}, p2)
}

// verify checks that the API and the bare statement return the page the
// store returned.
func (e *env) verify(ctx context.Context, r request, page models.DomainPage) error {
	want := make([]string, len(page.Domains))
	for i, d := range page.Domains {
		want[i] = d.ID
	}
	body, err := e.get(ctx, r.Path)
	if err != nil {
		return err
	}
	var resp struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
		NextCursor *string `json:"next_cursor"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return fmt.Errorf("GET %s: %w", r.Path, err)
	}
	var api []string
	for _, d := range resp.Data {
		api = append(api, d.ID)
	}
	if !slices.Equal(api, want) {
		return fmt.Errorf("GET %s returned %d domains that differ from the store's %d", r.Path, len(api), len(want))
	}
	if c, _ := nextCursor(body); c != page.Next {
		return fmt.Errorf("GET %s: next_cursor %q, want %q", r.Path, c, page.Next)
	}
	p, err := e.runSQL(ctx, r.Stmt, true)
	if err != nil {
		return err
	}
	ids := p.ids
	if len(ids) > pageLimit {
		ids = ids[:pageLimit]
	}
	if !slices.Equal(ids, want) {
		return fmt.Errorf("bare SQL returned %d domains that differ from the store's %d: %s", len(ids), len(want), r.Stmt.SQL)
	}
	if (p.cursorID == "") != (page.Next == "") {
		return fmt.Errorf("bare SQL and the store disagree on whether there is a next page: %s", r.Stmt.SQL)
	}
	return nil
}

// get fetches path with the admin key and returns the body of a 200.
func (e *env) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.baseURL+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+e.key)
	resp, err := e.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %.300s", path, resp.Status, body)
	}
	return body, nil
}

var nextCursorKey = []byte(`"next_cursor":`)

// nextCursor reads next_cursor from a list body without decoding it all:
// it is the envelope's last member.
func nextCursor(body []byte) (string, error) {
	i := bytes.LastIndex(body, nextCursorKey)
	if i < 0 {
		return "", fmt.Errorf("no next_cursor in the response")
	}
	rest := body[i+len(nextCursorKey):]
	if bytes.HasPrefix(rest, []byte("null")) {
		return "", nil
	}
	if len(rest) < 2 || rest[0] != '"' {
		return "", fmt.Errorf("malformed next_cursor")
	}
	end := bytes.IndexByte(rest[1:], '"')
	if end < 0 {
		return "", fmt.Errorf("malformed next_cursor")
	}
	return string(rest[1 : 1+end]), nil
}

// sqlPage is what runSQL read.
type sqlPage struct {
	rows     int
	ids      []string // every id, when asked
	cursorID string   // the id a next page continues after ("" on the last page)
}

// runSQL runs a statement through the service's pool and reads every column
// of every row, as the store does.
func (e *env) runSQL(ctx context.Context, s statement, keepIDs bool) (sqlPage, error) {
	var p sqlPage
	rows, err := e.db.SQL.QueryContext(ctx, s.SQL, s.Args...)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return p, err
	}
	idCol := slices.Index(cols, "id")
	if idCol < 0 {
		return p, fmt.Errorf("no id column in %s", s.SQL)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	last := ""
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return p, err
		}
		p.rows++
		id, _ := vals[idCol].(string)
		if keepIDs {
			p.ids = append(p.ids, id)
		}
		if p.rows == pageLimit {
			last = id
		}
	}
	if p.rows > pageLimit {
		p.cursorID = last
	}
	return p, rows.Err()
}
