package models_test

import (
	"errors"
	"testing"

	"github.com/linkgate/linkgate/models"
)

// NormalizePhone: valid numbers in E.164; without "+" international when
// no region is given, national in the region otherwise.
func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		raw, region, want string // want "" = refused
	}{
		{"+447123123123", "", "+447123123123"},
		{"447123123123", "", "+447123123123"},
		{" +44 (0)7123 123-123 ", "", "+447123123123"}, // the national "(0)" is dropped
		{"+44 7123 123-123", "", "+447123123123"},
		{"+44.7123.123.123", "", "+447123123123"},
		{"07123123123", "GB", "+447123123123"},
		{"07123123123", "gb", "+447123123123"},
		{"07123123123", "", ""},
		{"+447123123123", "US", "+447123123123"}, // "+" wins over the region
		{"(202) 555-0123", "US", "+12025550123"},
		{"12025550123", "", "+12025550123"},
		{"+33 6 12 34 56 78", "", "+33612345678"},
		{"+1800FLOWERS", "", ""},
		{"+44+7123123123", "", ""},
		{"+4471231231", "", ""},
		{"+999123456789", "", ""},
		{"", "", ""},
		{"   ", "GB", ""},
		{"+", "", ""},
		{"12345678901234567890123456789012345678901234567890123456789012345", "", ""},
	}
	for _, tc := range tests {
		got, err := models.NormalizePhone(tc.raw, tc.region)
		if tc.want == "" {
			if err == nil || !errors.Is(err, models.ErrInvalid) {
				t.Errorf("NormalizePhone(%q, %q) = %q, %v; want an invalid error", tc.raw, tc.region, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v; want %q", tc.raw, tc.region, got, err, tc.want)
		}
	}
}
