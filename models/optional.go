package models

import (
	"bytes"
	"encoding/json"
)

// Optional is a JSON field that may be absent, null or a value: a PATCH
// tells "leave it" (absent: Set false) from "clear it" (null: Set true,
// Value nil). Decoding a value of the wrong type fails as decoding T does
// (a float or a string for an int64 is an error).
type Optional[T any] struct {
	Set   bool
	Value *T
}

// UnmarshalJSON implements json.Unmarshaler; it is called only for a field
// present in the object.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		o.Value = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	o.Value = &v
	return nil
}

// MarshalJSON writes the value, or null.
func (o Optional[T]) MarshalJSON() ([]byte, error) {
	if o.Value == nil {
		return []byte("null"), nil
	}
	return json.Marshal(*o.Value)
}

// JSONKind says what the field takes, for the "must be ..." message of a
// wrongly typed value.
func (o Optional[T]) JSONKind() string {
	var v T
	switch any(v).(type) {
	case int, int32, int64:
		return "an integer or null"
	case string:
		return "a string or null"
	}
	return "a value or null"
}
