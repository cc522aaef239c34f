package sqlitegorm_test

import (
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
	_ "modernc.org/sqlite"

	"github.com/linkgate/linkgate/models/sqlitegorm"
)

type person struct {
	ID    int64  `gorm:"primaryKey"`
	Email string `gorm:"not null"`
	Team  *string
	Pet   string `gorm:"column:select"` // a keyword as a column name
}

type pet struct {
	ID       int64 `gorm:"primaryKey"`
	PersonID int64 `gorm:"not null"`
}

func open(t *testing.T) *gorm.DB {
	t.Helper()
	sqlDB, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "t.db")+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = sqlDB.Close() })
	for _, q := range []string{
		`CREATE TABLE people (id INTEGER PRIMARY KEY NOT NULL, email TEXT NOT NULL UNIQUE, team TEXT, "select" TEXT NOT NULL DEFAULT '')`,
		`CREATE TABLE pets (id INTEGER PRIMARY KEY NOT NULL, person_id INTEGER NOT NULL REFERENCES people (id))`,
	} {
		if _, err := sqlDB.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db, err := gorm.Open(sqlitegorm.New(sqlDB), &gorm.Config{TranslateError: true, Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestQueriesRoundTrip(t *testing.T) {
	t.Parallel()
	db := open(t)
	team := "blue"
	for i, e := range []string{"a@x.com", "b@x.com", "c@x.com"} {
		p := person{Email: e, Pet: "cat"}
		if i == 0 {
			p.Team = &team
		}
		if err := db.Create(&p).Error; err != nil {
			t.Fatalf("create: %v", err)
		}
		if p.ID == 0 {
			t.Fatal("RETURNING gave no id")
		}
	}
	var got []person
	// OFFSET without LIMIT needs SQLite's LIMIT -1; FOR UPDATE is dropped.
	if err := db.Clauses(clause.Locking{Strength: "UPDATE"}).Order("id").Offset(1).Find(&got).Error; err != nil {
		t.Fatalf("offset without limit: %v", err)
	}
	if len(got) != 2 || got[0].Email != "b@x.com" {
		t.Fatalf("offset 1: %+v", got)
	}
	var one person
	if err := db.Where(`"select" = ? AND team IS NOT NULL`, "cat").Take(&one).Error; err != nil || one.Team == nil || *one.Team != "blue" {
		t.Fatalf("take: %+v %v", one, err)
	}
	if err := db.Model(&person{}).Where("id = ?", one.ID).Update("select", "dog").Error; err != nil {
		t.Fatalf("update a keyword column: %v", err)
	}
	if err := db.Take(&one, one.ID).Error; err != nil || one.Pet != "dog" {
		t.Fatalf("after update: %+v %v", one, err)
	}
}

func TestConstraintErrorsTranslated(t *testing.T) {
	t.Parallel()
	db := open(t)
	if err := db.Create(&person{Email: "a@x.com"}).Error; err != nil {
		t.Fatal(err)
	}
	err := db.Create(&person{Email: "a@x.com"}).Error
	if !errors.Is(err, gorm.ErrDuplicatedKey) || !strings.Contains(err.Error(), "people.email") {
		t.Fatalf("duplicate: %v, want ErrDuplicatedKey naming people.email", err)
	}
	err = db.Create(&pet{PersonID: 999}).Error
	if !errors.Is(err, gorm.ErrForeignKeyViolated) {
		t.Fatalf("foreign key: %v, want ErrForeignKeyViolated", err)
	}
}

func TestNestedTransactionRollsBackToSavepoint(t *testing.T) {
	t.Parallel()
	db := open(t)
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&person{Email: "kept@x.com"}).Error; err != nil {
			return err
		}
		_ = tx.Transaction(func(tx2 *gorm.DB) error {
			if err := tx2.Create(&person{Email: "dropped@x.com"}).Error; err != nil {
				return err
			}
			return errors.New("undo the inner one")
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var emails []string
	if err := db.Model(&person{}).Order("email").Pluck("email", &emails).Error; err != nil {
		t.Fatal(err)
	}
	if strings.Join(emails, ",") != "kept@x.com" {
		t.Fatalf("rows %v, want only kept@x.com", emails)
	}
}

func TestMigratorReportsColumns(t *testing.T) {
	t.Parallel()
	db := open(t)
	if !db.Migrator().HasTable(&person{}) || db.Migrator().HasTable("nope") {
		t.Fatal("HasTable is wrong")
	}
	cols, err := db.Migrator().ColumnTypes(&person{})
	if err != nil {
		t.Fatal(err)
	}
	type col struct {
		typ          string
		nullable, pk bool
	}
	want := map[string]col{"id": {"integer", false, true}, "email": {"text", false, false}, "team": {"text", true, false}, "select": {"text", false, false}}
	if len(cols) != len(want) {
		t.Fatalf("%d columns, want %d", len(cols), len(want))
	}
	for _, c := range cols {
		n, _ := c.Nullable()
		pk, _ := c.PrimaryKey()
		if got := (col{c.DatabaseTypeName(), n, pk}); got != want[c.Name()] {
			t.Errorf("%s: %+v, want %+v", c.Name(), got, want[c.Name()])
		}
	}
}
