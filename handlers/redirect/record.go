package redirect

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/linkgate/linkgate/models"
)

// A click's journal record: a version byte, then the id, ref, host,
// method and user agent (each a uvarint length and the bytes) and the
// time (a varint of Unix nanoseconds).
const recordVersion = 1

func encodeVisit(v models.LinkVisit) []byte {
	b := make([]byte, 0, 1+len(v.ID)+len(v.Ref)+len(v.Host)+len(v.Method)+len(v.UserAgent)+5*binary.MaxVarintLen16+binary.MaxVarintLen64)
	b = append(b, recordVersion)
	for _, s := range []string{v.ID, v.Ref, v.Host, v.Method, v.UserAgent} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return binary.AppendVarint(b, v.At.UnixNano())
}

var errBadRecord = errors.New("redirect: a click record that cannot be read")

func decodeVisit(b []byte) (models.LinkVisit, error) {
	if len(b) == 0 || b[0] != recordVersion {
		return models.LinkVisit{}, errBadRecord
	}
	b = b[1:]
	var f [5]string
	for i := range f {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return models.LinkVisit{}, errBadRecord
		}
		f[i] = string(b[k : k+int(n)])
		b = b[k+int(n):]
	}
	at, k := binary.Varint(b)
	if k <= 0 || k != len(b) {
		return models.LinkVisit{}, errBadRecord
	}
	return models.LinkVisit{ID: f[0], Ref: f[1], Host: f[2], Method: f[3], UserAgent: f[4], At: time.Unix(0, at).UTC()}, nil
}
