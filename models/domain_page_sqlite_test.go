package models

import (
	"errors"
	"slices"
	"testing"
)

// TestJSONScalars: the packed row's reader takes what json_array writes
// (strings with and without escapes, numbers, nulls) and refuses what it
// does not.
func TestJSONScalars(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want []string
	}{
		{`[]`, nil},
		{`["a"]`, []string{"a"}},
		{`["dom_1","",null,42,-7,"x,y]z"]`, []string{"dom_1", "", "", "42", "-7", "x,y]z"}},
		{`["say \"hi\"","back\\slash","line\nfeed","tab\t","\u0001","é😀","\ud83d\ude00"]`,
			[]string{`say "hi"`, `back\slash`, "line\nfeed", "tab\t", "\x01", "é😀", "😀"}},
		{`[null,null]`, []string{"", ""}},
	} {
		got, err := jsonScalars(c.in, nil)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("jsonScalars(%s) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{``, `[`, `]`, `["a"`, `["a",]`, `[,"a"]`, `["a""b"]`, `["a\"]`, `["a",,"b"]`, `[1 2]x`, `x["a"]`, `["\x"]`} {
		if got, err := jsonScalars(bad, nil); !errors.Is(err, errPacked) {
			t.Errorf("jsonScalars(%s) = %q, %v; want errPacked", bad, got, err)
		}
	}
}
