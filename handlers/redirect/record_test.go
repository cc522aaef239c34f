package redirect

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/linkgate/linkgate/models"
)

// A record gives back the click it was made of, slot included; a record
// of version 1 (no slot: an earlier release's journal) still reads; a
// short, long or unknown record does not.
func TestVisitRecord(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 7, 10, 0, 0, 123456789, time.UTC)
	v := models.LinkVisit{ID: models.NewLinkClickID(at), Ref: "Ab3dE9", Host: "go.acme.com", Method: "GET",
		UserAgent: "Mozilla/5.0 (iPhone)", At: at, Slot: models.LinkSlot{Generation: 1<<63 | 12345, Index: 1<<32 - 1}}
	rec := encodeVisit(v)
	got, err := decodeVisit(rec)
	if err != nil || got != v {
		t.Fatalf("decode(encode(v)) = %+v, %v; want %+v", got, err, v)
	}

	// Version 1: the same fields, no slot.
	v1 := []byte{recordV1}
	for _, s := range []string{v.ID, v.Ref, v.Host, v.Method, v.UserAgent} {
		v1 = binary.AppendUvarint(v1, uint64(len(s)))
		v1 = append(v1, s...)
	}
	v1 = binary.AppendVarint(v1, at.UnixNano())
	want := v
	want.Slot = models.LinkSlot{}
	if got, err := decodeVisit(v1); err != nil || got != want {
		t.Errorf("version 1 record: %+v, %v; want %+v", got, err, want)
	}

	bad := map[string][]byte{
		"empty":                 nil,
		"unknown version":       append([]byte{9}, rec[1:]...),
		"cut short":             rec[:len(rec)-1],
		"cut in a field":        rec[:10],
		"trailing bytes":        append(append([]byte{}, rec...), 0),
		"version 1 trailing":    append(append([]byte{}, v1...), 0),
		"index beyond 32 bits":  binary.AppendUvarint(binary.AppendUvarint(append([]byte{}, v1[1:]...), 1), 1<<32),
		"field longer than all": {recordVersion, 0x7f, 'a'},
	}
	bad["index beyond 32 bits"] = append([]byte{recordVersion}, bad["index beyond 32 bits"]...)
	for name, b := range bad {
		if got, err := decodeVisit(b); err == nil {
			t.Errorf("%s: decoded as %+v", name, got)
		}
	}
}

// No input makes decodeVisit panic, and what it reads encodes back to
// the same record (version 2).
func FuzzDecodeVisit(f *testing.F) {
	at := time.Unix(1_800_000_000, 5)
	f.Add(encodeVisit(models.LinkVisit{ID: "lck_1", Ref: "abc", Host: "h", Method: "GET", At: at, Slot: models.LinkSlot{Generation: 3, Index: 4}}))
	f.Add([]byte{recordV1, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{recordVersion, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decodeVisit(b)
		if err != nil || b[0] != recordVersion {
			return
		}
		// Varints have more than one encoding; compare what they mean.
		if again, err := decodeVisit(encodeVisit(v)); err != nil || again != v {
			t.Fatalf("%x: %+v, then %+v, %v", b, v, again, err)
		}
	})
}
