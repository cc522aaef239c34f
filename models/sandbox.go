package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SandboxState is a saved snapshot of one built-in fake (sandbox mode only).
type SandboxState struct {
	Name      string    `gorm:"primaryKey"`
	Data      []byte    `gorm:"not null"`
	UpdatedAt time.Time `gorm:"not null"`
}

// LoadSandboxState returns the snapshot saved under name; found is false
// when there is none.
func (s *Store) LoadSandboxState(ctx context.Context, name string) ([]byte, bool, error) {
	var st SandboxState
	err := s.gorm(ctx).Where("name = ?", name).Take(&st).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, internal("load sandbox state", err)
	}
	return st.Data, true, nil
}

// SaveSandboxState stores the snapshot under name, replacing the old one.
func (s *Store) SaveSandboxState(ctx context.Context, name string, data []byte) error {
	st := SandboxState{Name: name, Data: data, UpdatedAt: s.Now()}
	err := s.gorm(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "name"}},
		DoUpdates: clause.AssignmentColumns([]string{"data", "updated_at"}),
	}).Create(&st).Error
	return internal("save sandbox state", err)
}
