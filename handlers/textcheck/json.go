package textcheck

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// JSON applies the rules to every string of a JSON document — object
// keys and values, at any depth, whatever type the value is decoded into
// later — and returns the document with each string in NFC. body must
// already be valid JSON (json.Valid).
//
// Working on the raw bytes rather than on decoded values is what lets it
// see what encoding/json hides: invalid UTF-8 and lone surrogate escapes
// both decode to U+FFFD without an error.
//
// Errors name each bad string by its JSON path ("name",
// "credentials.api_token", "events[1]", a bad object key by its own path),
// in document order: NotUTF8 when any string is not UTF-8, else Refused.
func JSON(body []byte) ([]byte, *Error) {
	s := &textScan{in: body, out: make([]byte, 0, len(body))}
	s.value("")
	switch {
	case len(s.badUTF8) > 0:
		return nil, &Error{Kind: NotUTF8, Fields: s.badUTF8}
	case len(s.bad) > 0:
		return nil, &Error{Kind: Refused, Fields: s.bad}
	}
	return s.out, nil
}

// textScan walks a valid JSON document, copying it to out with every
// string canonical and collecting the field errors.
type textScan struct {
	in, out []byte
	pos     int
	badUTF8 []FieldError
	bad     []FieldError
}

func (s *textScan) space() {
	for s.pos < len(s.in) {
		switch s.in[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.out = append(s.out, s.in[s.pos])
			s.pos++
		default:
			return
		}
	}
}

// value copies one JSON value found at path.
func (s *textScan) value(path string) {
	s.space()
	if s.pos >= len(s.in) {
		return
	}
	switch s.in[s.pos] {
	case '{':
		s.out = append(s.out, '{')
		s.pos++
		for s.pos < len(s.in) {
			s.space()
			if s.pos >= len(s.in) || s.in[s.pos] == '}' {
				break
			}
			if s.in[s.pos] == ',' {
				s.out = append(s.out, ',')
				s.pos++
				continue
			}
			key, lone, badUTF8 := s.decode()
			child := Label(key)
			if path != "" {
				child = path + "." + child
			}
			s.emit(child, key, lone, badUTF8)
			s.space()
			if s.pos < len(s.in) && s.in[s.pos] == ':' {
				s.out = append(s.out, ':')
				s.pos++
			}
			s.value(child)
		}
		s.close('}')
	case '[':
		s.out = append(s.out, '[')
		s.pos++
		for i := 0; s.pos < len(s.in); {
			s.space()
			if s.pos >= len(s.in) || s.in[s.pos] == ']' {
				break
			}
			if s.in[s.pos] == ',' {
				s.out = append(s.out, ',')
				s.pos++
				i++
				continue
			}
			s.value(path + "[" + strconv.Itoa(i) + "]")
		}
		s.close(']')
	case '"':
		text, lone, badUTF8 := s.decode()
		if path == "" {
			path = "body"
		}
		s.emit(path, text, lone, badUTF8)
	default: // a number, true, false or null
		start := s.pos
		for s.pos < len(s.in) && !bytes.ContainsRune([]byte(" \t\r\n,]}"), rune(s.in[s.pos])) {
			s.pos++
		}
		s.out = append(s.out, s.in[start:s.pos]...)
	}
}

func (s *textScan) close(c byte) {
	if s.pos < len(s.in) && s.in[s.pos] == c {
		s.out = append(s.out, c)
		s.pos++
	}
}

// decode reads the string at pos: its text, and whether it had a lone
// surrogate escape or bytes that are not UTF-8.
func (s *textScan) decode() (text string, lone, badUTF8 bool) {
	s.pos++ // the opening quote
	var b []byte
	for s.pos < len(s.in) && s.in[s.pos] != '"' {
		c := s.in[s.pos]
		if c != '\\' {
			r, size := utf8.DecodeRune(s.in[s.pos:])
			if r == utf8.RuneError && size <= 1 {
				badUTF8 = true
			}
			b = append(b, s.in[s.pos:s.pos+size]...)
			s.pos += size
			continue
		}
		if s.pos+1 >= len(s.in) {
			s.pos = len(s.in)
			break
		}
		e := s.in[s.pos+1]
		s.pos += 2
		switch e {
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r := s.hex4()
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if r < 0xdc00 && s.pos+1 < len(s.in) && s.in[s.pos] == '\\' && s.in[s.pos+1] == 'u' {
					save := s.pos
					s.pos += 2
					if r2 = s.hex4(); r2 < 0xdc00 || r2 > 0xdfff {
						s.pos, r2 = save, -1
					}
				}
				if r2 < 0 {
					lone = true
					r = utf8.RuneError
				} else {
					r = utf16.DecodeRune(r, r2)
				}
			}
			b = utf8.AppendRune(b, r)
		default: // '"', '\\', '/'
			b = append(b, e)
		}
	}
	s.pos++ // the closing quote
	return string(b), lone, badUTF8
}

// emit checks text as the value of field and writes its canonical form,
// or records the field error (and writes "").
func (s *textScan) emit(field, text string, lone, badUTF8 bool) {
	switch msg := Problem(text); {
	case badUTF8:
		s.badUTF8 = append(s.badUTF8, FieldError{Field: field, Message: MsgInvalidUTF8})
	case lone:
		s.bad = append(s.bad, FieldError{Field: field,
			Message: `contains a lone UTF-16 surrogate escape (such as "\ud800"), which is not a character; remove it`})
	case msg != "":
		s.bad = append(s.bad, FieldError{Field: field, Message: msg})
	default:
		enc, _ := json.Marshal(NFC(text)) // a valid string always encodes
		s.out = append(s.out, enc...)
		return
	}
	s.out = append(s.out, '"', '"')
}

// hex4 reads the four hex digits of a \u escape.
func (s *textScan) hex4() rune {
	if s.pos+4 > len(s.in) {
		s.pos = len(s.in)
		return utf8.RuneError
	}
	n, err := strconv.ParseUint(string(s.in[s.pos:s.pos+4]), 16, 32)
	s.pos += 4
	if err != nil {
		return utf8.RuneError
	}
	return rune(n)
}
