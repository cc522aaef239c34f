package redirect

import (
	"encoding/binary"
	"errors"
	"math"
	"time"

	"github.com/linkgate/linkgate/models"
)

// A click's journal record: a version byte, then the id, ref, host,
// method and user agent (each a uvarint length and the bytes) and the
// time (a varint of Unix nanoseconds); version 2 then adds where the
// cache of fresh links held the link (models.LinkSlot: two uvarints), so
// that storing the click need not search the cache again. Version 1
// records (no slot) are still read: an earlier release's journal.
const (
	recordV1      = 1
	recordVersion = 2
)

func encodeVisit(v models.LinkVisit) []byte {
	b := make([]byte, 0, 1+len(v.ID)+len(v.Ref)+len(v.Host)+len(v.Method)+len(v.UserAgent)+5*binary.MaxVarintLen16+3*binary.MaxVarintLen64)
	b = append(b, recordVersion)
	for _, s := range []string{v.ID, v.Ref, v.Host, v.Method, v.UserAgent} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.AppendVarint(b, v.At.UnixNano())
	b = binary.AppendUvarint(b, v.Slot.Generation)
	return binary.AppendUvarint(b, uint64(v.Slot.Index))
}

var errBadRecord = errors.New("redirect: a click record that cannot be read")

// decodeVisit reads a record; its strings share one copy of b.
func decodeVisit(b []byte) (models.LinkVisit, error) {
	if len(b) == 0 || (b[0] != recordVersion && b[0] != recordV1) {
		return models.LinkVisit{}, errBadRecord
	}
	text := string(b)
	off := 1
	var f [5]string
	for i := range f {
		n, k := binary.Uvarint(b[off:])
		if k <= 0 || uint64(len(b)-off-k) < n {
			return models.LinkVisit{}, errBadRecord
		}
		off += k
		f[i] = text[off : off+int(n)]
		off += int(n)
	}
	at, k := binary.Varint(b[off:])
	if k <= 0 {
		return models.LinkVisit{}, errBadRecord
	}
	off += k
	v := models.LinkVisit{ID: f[0], Ref: f[1], Host: f[2], Method: f[3], UserAgent: f[4], At: time.Unix(0, at).UTC()}
	if b[0] == recordV1 {
		if off != len(b) {
			return models.LinkVisit{}, errBadRecord
		}
		return v, nil
	}
	gen, k := binary.Uvarint(b[off:])
	if k <= 0 {
		return models.LinkVisit{}, errBadRecord
	}
	off += k
	idx, k := binary.Uvarint(b[off:])
	if k <= 0 || off+k != len(b) || idx > math.MaxUint32 {
		return models.LinkVisit{}, errBadRecord
	}
	v.Slot = models.LinkSlot{Generation: gen, Index: uint32(idx)}
	return v, nil
}
