package main

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/jackc/pgx/v5/stdlib"
)

// explainAll prints EXPLAIN (ANALYZE, BUFFERS) of each scenario's
// statement, planned as a custom plan (the arguments known) and as the
// generic plan PostgreSQL may cache for a prepared statement.
func explainAll(ctx context.Context, e *env, scs []*scenario, w io.Writer) error {
	for _, sc := range scs {
		var stmts []statement
		if sc.paging {
			stmts = append(stmts, sc.first.Stmt)
			// A later page: continue after the first page's last id.
			p, err := e.runSQL(ctx, sc.first.Stmt, false)
			if err != nil {
				return err
			}
			next := statement{SQL: sc.next.SQL, Args: append([]any(nil), sc.next.Args...)}
			next.Args[sc.cursorArg] = p.cursorID
			stmts = append(stmts, next)
		} else {
			stmts = append(stmts, sc.reqs[0].Stmt)
		}
		for _, s := range stmts {
			for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
				plan, err := e.explain(ctx, s, mode)
				if err != nil {
					return fmt.Errorf("explain %s: %w", sc.name, err)
				}
				fmt.Fprintf(w, "\n### %s, plan_cache_mode=%s\n\n%s\n-- args: %s\n\n%s\n", sc.name, mode, s.SQL, literals(s.Args), plan)
			}
		}
	}
	return nil
}

// explain runs PREPARE/EXPLAIN EXECUTE on a connection of its own, over
// the simple protocol so that nothing else is prepared.
func (e *env) explain(ctx context.Context, s statement, planCacheMode string) (string, error) {
	conn, err := e.db.SQL.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	var out strings.Builder
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("driver connection is %T, not pgx", dc)
		}
		pg := c.Conn().PgConn()
		script := "SET plan_cache_mode = " + planCacheMode + "; PREPARE lgload_explain AS " + s.SQL +
			"; EXPLAIN (ANALYZE, BUFFERS) EXECUTE lgload_explain(" + literals(s.Args) + ")"
		results, err := pg.Exec(ctx, script).ReadAll()
		_, cleanupErr := pg.Exec(ctx, "DEALLOCATE lgload_explain; RESET plan_cache_mode").ReadAll()
		if err != nil {
			return err
		}
		if cleanupErr != nil {
			return cleanupErr
		}
		last := results[len(results)-1]
		for _, row := range last.Rows {
			out.Write(row[0])
			out.WriteByte('\n')
		}
		return nil
	})
	return out.String(), err
}

// literals renders arguments as SQL literals.
func literals(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		v := reflect.ValueOf(a)
		if v.Kind() == reflect.String {
			parts[i] = "'" + strings.ReplaceAll(v.String(), "'", "''") + "'"
		} else {
			parts[i] = fmt.Sprint(a)
		}
	}
	return strings.Join(parts, ", ")
}

// printPlanUsage shows, for one of the pool's sessions, how often each
// cached domains statement ran with a generic and with a custom plan.
func printPlanUsage(ctx context.Context, e *env, w io.Writer) error {
	rows, err := e.db.SQL.QueryContext(ctx, `SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements
		WHERE statement LIKE 'SELECT * FROM "domains"%' ORDER BY statement`)
	if err != nil {
		return err
	}
	defer rows.Close()
	fmt.Fprintln(w, "\nplans used by one pooled session (pg_prepared_statements):")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| statement | generic plans | custom plans |")
	fmt.Fprintln(w, "|---|---:|---:|")
	for rows.Next() {
		var stmt string
		var generic, custom int64
		if err := rows.Scan(&stmt, &generic, &custom); err != nil {
			return err
		}
		fmt.Fprintf(w, "| `%s` | %d | %d |\n", stmt, generic, custom)
	}
	return rows.Err()
}
