package models

// SMS encoding and segment counts (GSM 03.38): a body made only of the
// GSM-7 basic and extension tables goes as GSM-7 (an extension character
// takes two septets); anything else goes as UCS-2 (UTF-16 code units).

import (
	"strings"
	"unicode/utf16"
)

// The SMS encodings.
const (
	EncodingGSM7 = "GSM-7"
	EncodingUCS2 = "UCS-2"
)

// gsm7Basic is the GSM 03.38 basic character set.
const gsm7Basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsm7Extension is the basic set's extension table (each an escape plus one
// septet).
const gsm7Extension = "\f^{}\\[~]|€"

// SMSSegments returns the encoding of body and how many SMS segments it
// takes: 160 GSM-7 septets or 70 UCS-2 units in one segment, 153 or 67 per
// segment of a longer message (an escape pair or a surrogate pair is never
// split across segments). An empty body is one segment.
func SMSSegments(body string) (encoding string, segments int) {
	gsm := true
	for _, r := range body {
		if !strings.ContainsRune(gsm7Basic, r) && !strings.ContainsRune(gsm7Extension, r) {
			gsm = false
			break
		}
	}
	var units []int // the size of each character in units of the encoding
	single, multi := 160, 153
	if gsm {
		encoding = EncodingGSM7
		for _, r := range body {
			if strings.ContainsRune(gsm7Extension, r) {
				units = append(units, 2)
			} else {
				units = append(units, 1)
			}
		}
	} else {
		encoding, single, multi = EncodingUCS2, 70, 67
		for _, r := range body {
			units = append(units, utf16.RuneLen(r))
		}
	}
	total := 0
	for _, u := range units {
		total += u
	}
	if total <= single {
		return encoding, 1
	}
	segments, used := 1, 0
	for _, u := range units {
		if used+u > multi {
			segments++
			used = 0
		}
		used += u
	}
	return encoding, segments
}
