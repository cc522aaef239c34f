package models

import (
	"context"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// User is a person who signs in to the console: an admin, or a client's
// user (ClientID set).
type User struct {
	ID           string `gorm:"primaryKey"`
	Email        string `gorm:"not null"`
	PasswordHash string `gorm:"not null"`
	Role         Role   `gorm:"not null"`
	ClientID     *string
	CreatedAt    time.Time `gorm:"not null"`
	UpdatedAt    time.Time `gorm:"not null"`
}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// UserInput creates a user.
type UserInput struct {
	Email    string
	Password string
	Role     Role
	ClientID string
}

// CreateUser stores a user with a bcrypt hash of the password.
func (s *Store) CreateUser(ctx context.Context, in UserInput) (*User, error) {
	var fields []FieldError
	email := NormalizeEmail("email", in.Email, &fields)
	passwordFieldErrors("password", in.Password, &fields)
	u := &User{ID: NewID(PrefixUser), Email: email, Role: in.Role}
	switch in.Role {
	case RoleAdmin:
	case RoleClient:
		if in.ClientID == "" {
			fields = append(fields, FieldError{"client_id", "is required for a client user"})
		}
		u.ClientID = &in.ClientID
	default:
		fields = append(fields, FieldError{"role", "must be admin or client"})
	}
	if err := invalidFields("invalid_user", fields); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(in.Password), bcrypt.DefaultCost)
	if err != nil {
		return nil, internal("hash password", err)
	}
	u.PasswordHash = string(hash)
	if err := s.gorm(ctx).Create(u).Error; err != nil {
		if isUniqueViolation(err) {
			return nil, Conflict("email_taken", "email", "a user with this e-mail already exists")
		}
		if isForeignKeyViolation(err) {
			return nil, NotFound("client")
		}
		return nil, internal("create user", err)
	}
	return u, nil
}

// UserExists reports whether a user has this e-mail.
func (s *Store) UserExists(ctx context.Context, email string) (bool, error) {
	var n int64
	var fields []FieldError
	email = NormalizeEmail("email", email, &fields)
	err := s.gorm(ctx).Model(&User{}).Where("email = ?", email).Count(&n).Error
	return n > 0, internal("find user", err)
}

// VerifyPassword returns the user with this e-mail if the password is
// right; otherwise one error for both cases (no account enumeration).
func (s *Store) VerifyPassword(ctx context.Context, email, password string) (*User, error) {
	var fields []FieldError
	email = NormalizeEmail("email", email, &fields)
	bad := Invalid("wrong_password", "password", "the e-mail or password is not right")
	var u User
	if err := s.gorm(ctx).Where("email = ?", email).Take(&u).Error; err != nil {
		// Spend the same time as a real check.
		_ = bcrypt.CompareHashAndPassword([]byte("$2a$10$7EqJtq98hPqEX7fNZaFWoOhi5BWX4Z3lXjL8v1wG2bNfEqfbZ5JiS"), []byte(password))
		return nil, bad
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return nil, bad
	}
	return &u, nil
}

// UserByID reads a user.
func (s *Store) UserByID(ctx context.Context, id string) (*User, error) {
	var u User
	if err := s.gorm(ctx).Where("id = ?", id).Take(&u).Error; err != nil {
		return nil, NotFound("user")
	}
	return &u, nil
}
